//! One sync of one ad account: queued by Import (trigger `first`), the schedule or a person;
//! and what it leaves for people to read. Every state here is an enum stored through sea-orm;
//! the cursor, counts, step errors and data check are typed JSON (see [`crate::db::run_queue::cursor`]).

use crate::db::run_queue::cursor::{Counts, Cursor, DataCheck, StepErrors};
use chrono::{DateTime, Utc};
use sea_orm::{entity::prelude::*, Condition, QuerySelect};
use serde::{Deserialize, Serialize};

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

    pub fn is_active(self) -> bool {
        Self::ACTIVE.contains(&self)
    }
}

/// The steps of a run, in order: what people act on (the spend) comes first. Stored by key on the
/// run (and in its cursor and counts); the old variant names still read in cursors written
/// before the keys were used there.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[strum(serialize_all = "snake_case")]
pub enum Step {
    #[sea_orm(string_value = "advertiser")]
    #[serde(rename = "advertiser", alias = "Advertiser")]
    Advertiser,
    #[sea_orm(string_value = "campaigns")]
    #[serde(rename = "campaigns", alias = "Campaigns")]
    Campaigns,
    #[sea_orm(string_value = "adgroups")]
    #[serde(rename = "adgroups", alias = "AdGroups")]
    #[strum(serialize = "adgroups")]
    AdGroups,
    #[sea_orm(string_value = "ads")]
    #[serde(rename = "ads", alias = "Ads")]
    Ads,
    #[sea_orm(string_value = "images")]
    #[serde(rename = "images", alias = "Images")]
    Images,
    #[sea_orm(string_value = "videos")]
    #[serde(rename = "videos", alias = "Videos")]
    Videos,
    #[sea_orm(string_value = "audiences")]
    #[serde(rename = "audiences", alias = "Audiences")]
    Audiences,
    #[sea_orm(string_value = "pixels")]
    #[serde(rename = "pixels", alias = "Pixels")]
    Pixels,
    #[sea_orm(string_value = "pixel_stats")]
    #[serde(rename = "pixel_stats", alias = "PixelStats")]
    PixelStats,
    #[sea_orm(string_value = "insights")]
    #[serde(rename = "insights", alias = "Insights")]
    Insights,
    #[sea_orm(string_value = "data_check")]
    #[serde(rename = "data_check", alias = "DataCheck")]
    DataCheck,
    #[sea_orm(string_value = "hours")]
    #[serde(rename = "hours")]
    Hours,
    #[sea_orm(string_value = "breakdowns")]
    #[serde(rename = "breakdowns")]
    Breakdowns,
    #[sea_orm(string_value = "backfill")]
    #[serde(rename = "backfill")]
    Backfill,
    #[sea_orm(string_value = "done")]
    #[serde(rename = "done", alias = "Done")]
    Done,
}

impl Step {
    /// What the step reads, in words ("ad groups", "daily results").
    pub fn label(self) -> &'static str {
        match self {
            Step::Advertiser => "advertiser info",
            Step::Campaigns => "campaigns",
            Step::AdGroups => "ad groups",
            Step::Ads => "ads",
            Step::Images => "images",
            Step::Videos => "videos",
            Step::Audiences => "audiences",
            Step::Pixels => "pixels",
            Step::PixelStats => "pixel event counts",
            Step::Insights => "daily results",
            Step::DataCheck => "totals check",
            Step::Hours => "results by hour",
            Step::Breakdowns => "audience breakdowns",
            Step::Backfill => "older daily results",
            Step::Done => "the last step",
        }
    }

    /// The stable name stored on the run (and used as a log field and metrics label).
    pub fn key(self) -> &'static str {
        self.into()
    }
}

/// Why a run failed or was put back, or why one of its steps was skipped: TikTok's kinds of
/// answer, and the causes that are the app's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// TikTok's rate limit (passes by itself).
    #[sea_orm(string_value = "rate_limited")]
    RateLimited,
    /// TikTok did not answer, or answered with an outage (passes by itself).
    #[sea_orm(string_value = "transient")]
    Transient,
    #[sea_orm(string_value = "token_invalid")]
    TokenInvalid,
    #[sea_orm(string_value = "refresh_token_invalid")]
    RefreshTokenInvalid,
    /// TikTok did not grant this data, or no longer gives access to the advertiser.
    #[sea_orm(string_value = "permission")]
    Permission,
    #[sea_orm(string_value = "query_too_large")]
    QueryTooLarge,
    #[sea_orm(string_value = "bad_request")]
    BadRequest,
    /// No connection that reaches the account has a token TikTok accepts.
    #[sea_orm(string_value = "needs_reconnect")]
    NeedsReconnect,
    /// The token is sealed under a key this server's settings lack.
    #[sea_orm(string_value = "key_missing")]
    KeyMissing,
    /// A bug met by the run (it panicked).
    #[sea_orm(string_value = "internal_error")]
    InternalError,
    /// A person stopped it after no progress for over an hour.
    #[sea_orm(string_value = "stuck")]
    Stuck,
    /// The database refused to store a page (not an outage), again and again.
    #[sea_orm(string_value = "database_refused")]
    DatabaseRefused,
    /// Replaced by another run when connections were merged (written by a migration).
    #[sea_orm(string_value = "superseded")]
    Superseded,
}

impl FailureKind {
    /// Failures that pass by themselves (TikTok's rate limit, an outage).
    pub fn passes_by_itself(self) -> bool {
        matches!(self, FailureKind::RateLimited | FailureKind::Transient)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub trigger: RunTrigger,
    pub status: RunStatus,
    pub step: Option<Step>,
    pub progress_done: i32,
    pub progress_total: i32,
    /// Rows written per step.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub counts: Option<Counts>,
    pub requests: i32,
    pub rate_limit_waits: i32,
    pub retry_at: Option<ChronoDateTimeUtc>,
    pub error_kind: Option<FailureKind>,
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
    /// Where to resume: step, page, remaining report windows.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub cursor: Option<Cursor>,
    /// Steps that failed while the others completed, with TikTok's evidence.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub step_errors: Option<StepErrors>,
    /// Campaigns whose stored daily spend differs from TikTok's total for the days.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub data_check: Option<DataCheck>,
    /// Waiting out a TikTok rate limit until then.
    pub waiting_until: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn step_errors(&self) -> &[crate::db::run_queue::cursor::StepError] {
        self.step_errors.as_ref().map_or(&[], |e| &e.0)
    }

    pub fn counts(&self) -> Counts {
        self.counts.clone().unwrap_or_default()
    }

    /// The page of its step the run is on, and how many the step has (when known).
    pub fn step_pages(&self) -> (u32, u32) {
        self.cursor.as_ref().map_or((0, 0), |c| (c.page, c.pages))
    }

    /// Running, with no progress since `STUCK_AFTER` before `now`: since when.
    pub fn stuck_since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let since = self.last_progress_at.or(self.started_at)?;
        (self.status == RunStatus::Running && since <= now - STUCK_AFTER).then_some(since)
    }
}

/// Each account's queued or running run and its last ended run.
#[derive(Debug, Default)]
pub struct RunsOf {
    pub active: Option<Model>,
    pub last: Option<Model>,
}

/// The active and last runs of these accounts, in one query, by account id.
pub async fn active_and_last(
    db: &impl ConnectionTrait,
    accounts: &[super::tiktok_ad_account::Model],
) -> Result<std::collections::HashMap<i32, RunsOf>, DbErr> {
    let last_ids: Vec<i32> = accounts.iter().filter_map(|a| a.last_run_id).collect();
    let wanted = Condition::any().add(Column::Id.is_in(last_ids)).add(
        Condition::all()
            .add(Column::AdAccountId.is_in(accounts.iter().map(|a| a.id)))
            .add(Column::Status.is_in(RunStatus::ACTIVE)),
    );
    let runs = match Entity::find().filter(wanted.clone()).all(db).await {
        Ok(runs) => runs,
        Err(e) => readable_runs(db, wanted, e).await?,
    };
    let mut by_account: std::collections::HashMap<i32, RunsOf> = std::collections::HashMap::new();
    for run in runs {
        let entry = by_account.entry(run.ad_account_id).or_default();
        if run.status.is_active() {
            entry.active = Some(run);
        } else {
            entry.last = Some(run);
        }
    }
    Ok(by_account)
}

/// The runs that can be read one by one, when reading them together failed: a row this build
/// cannot read (a state a newer version wrote) is left out with a warning rather than keeping
/// every card from loading. The first error stands when even the ids cannot be read.
async fn readable_runs(db: &impl ConnectionTrait, wanted: Condition, first: DbErr) -> Result<Vec<Model>, DbErr> {
    let Ok(ids) = Entity::find().select_only().column(Column::Id).filter(wanted).into_tuple::<i32>().all(db).await
    else {
        return Err(first);
    };
    let mut runs = Vec::with_capacity(ids.len());
    for id in ids {
        match Entity::find_by_id(id).one(db).await {
            Ok(Some(run)) => runs.push(run),
            Ok(None) => {}
            Err(e) if crate::error::is_connection_error(&e) => return Err(e),
            Err(e) => tracing::warn!(run.id = id, error = %e, "a sync run's stored state could not be read; left out"),
        }
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn a_steps_key_is_what_the_runs_table_stores() {
        for step in Step::iter() {
            assert_eq!(step.key(), step.to_value(), "{step:?}");
        }
    }
}
