//! One sync of one ad account: queued by Import (trigger `first`), the schedule or a person;
//! and what it leaves for people to read (stored as JSON on the row).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A run with no progress for this long is stuck.
pub const STUCK_AFTER: chrono::Duration = chrono::Duration::hours(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RunTrigger {
    #[sea_orm(string_value = "first")]
    First,
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "manual")]
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RunStatus {
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
    /// No connection reaches the account any more.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl RunStatus {
    /// Queued or running: the database allows one such run per account.
    pub const ACTIVE: [RunStatus; 2] = [RunStatus::Queued, RunStatus::Running];
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub trigger: RunTrigger,
    pub status: RunStatus,
    pub step: Option<String>,
    pub progress_done: i32,
    pub progress_total: i32,
    pub counts: Option<String>,
    pub requests: i32,
    pub rate_limit_waits: i32,
    pub retry_at: Option<ChronoDateTimeUtc>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub queued_at: ChronoDateTimeUtc,
    pub started_at: Option<ChronoDateTimeUtc>,
    pub last_progress_at: Option<ChronoDateTimeUtc>,
    pub finished_at: Option<ChronoDateTimeUtc>,
    /// The instance running it, and until when its lease holds (renewed by heartbeats).
    pub holder: Option<String>,
    pub lease_expires_at: Option<ChronoDateTimeUtc>,
    pub heartbeat_at: Option<ChronoDateTimeUtc>,
    /// How many times it was claimed (a takeover after a crash counts).
    pub attempt: i32,
    /// Where to resume: step, page, remaining report windows (JSON).
    pub cursor: Option<String>,
    /// Steps that failed while the others completed, with TikTok's evidence (JSON).
    pub step_errors: Option<String>,
    /// Campaigns whose stored daily spend differs from TikTok's total for the days (JSON).
    pub data_check: Option<String>,
    /// Waiting out a TikTok rate limit until then.
    pub waiting_until: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A step that failed while the others completed (a permission TikTok did not grant, say),
/// with TikTok's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    pub step: String,
    pub kind: String,
    pub code: Option<i64>,
    pub message: String,
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// Stored daily spend against TikTok's own total for the same days, per campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataCheck {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub campaigns_checked: usize,
    /// The largest differences first (at most a handful kept).
    pub mismatches: Vec<Mismatch>,
    pub mismatched_campaigns: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    pub campaign_id: String,
    pub campaign_name: Option<String>,
    /// Millionths of the account's currency.
    pub tiktok_spend_micros: i64,
    pub stored_spend_micros: i64,
}

impl Model {
    pub fn step_errors(&self) -> Vec<StepError> {
        self.step_errors.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }

    pub fn data_check(&self) -> Option<DataCheck> {
        self.data_check.as_deref().and_then(|j| serde_json::from_str(j).ok())
    }

    /// Rows written per step.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }

    /// The page of its step the run is on, and how many the step has (when known).
    pub fn step_pages(&self) -> (u32, u32) {
        let cursor: serde_json::Value =
            self.cursor.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
        let n = |k: &str| cursor.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0) as u32;
        (n("page"), n("pages"))
    }

    /// Running, with no progress for over an hour.
    pub fn is_stuck(&self, now: DateTime<Utc>) -> bool {
        self.status == RunStatus::Running
            && self.last_progress_at.or(self.started_at).is_some_and(|t| t <= now - STUCK_AFTER)
    }
}
