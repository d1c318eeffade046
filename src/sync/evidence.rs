//! What a run leaves behind for people to read: the stored shapes live with the run's entity;
//! here is how TikTok's failures become one.

pub use crate::db::entities::sync_run::{DataCheck, Mismatch, StepError};
use crate::tiktok::TikTokError;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub fn step_error(step: &str, err: &TikTokError, at: DateTime<Utc>) -> StepError {
    StepError {
        step: step.to_owned(),
        kind: err.kind.as_str().to_owned(),
        code: err.code,
        message: err.message.clone(),
        request_id: err.request_id.clone(),
        at,
    }
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
