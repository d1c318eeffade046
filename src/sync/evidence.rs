//! How TikTok's failures become what a run leaves for people to read: the stored shapes live
//! with the run's row ([`crate::db::run_queue::cursor`]); here is the mapping from the client's
//! error kinds.

use crate::{
    db::{
        entities::sync_run::{FailureKind, Step},
        run_queue::cursor::StepError,
    },
    tiktok::{ErrorKind, TikTokError},
};
use chrono::{DateTime, Utc};

impl From<ErrorKind> for FailureKind {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::RateLimited => FailureKind::RateLimited,
            ErrorKind::Transient => FailureKind::Transient,
            ErrorKind::TokenInvalid => FailureKind::TokenInvalid,
            ErrorKind::RefreshTokenInvalid => FailureKind::RefreshTokenInvalid,
            ErrorKind::Permission => FailureKind::Permission,
            ErrorKind::QueryTooLarge => FailureKind::QueryTooLarge,
            ErrorKind::BadRequest => FailureKind::BadRequest,
        }
    }
}

pub fn step_error(step: Step, err: &TikTokError, at: DateTime<Utc>) -> StepError {
    StepError {
        step,
        kind: err.kind.into(),
        code: err.code,
        message: err.message.clone(),
        request_id: err.request_id.clone(),
        at,
    }
}

/// TikTok's words, code, request id and the time, for people to read on the card.
pub fn evidence(err: &TikTokError, at: DateTime<Utc>) -> String {
    format!("{err} at {}", at.format("%Y-%m-%d %H:%M UTC"))
}
