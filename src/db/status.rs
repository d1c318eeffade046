//! One place decides what state an ad account and a connection are in, from their rows alone:
//! the connector cards, the attention lines of Ads Manager and the Dashboard, and `/metrics`
//! all read these. Pure functions (the time is an argument), so every state has a unit test.
//!
//! It sits in the data layer rather than in the sync engine because the report queries, which
//! must not know the engine, read it too.

use crate::db::{
    entities::{
        sync_run::{self, FailureKind, RunStatus, RunTrigger, Step},
        tiktok_ad_account::{self, SyncState},
        tiktok_connection::{self, AuthStatus},
    },
    run_queue::cursor::{Counts, DataCheck, StepError},
};
use chrono::{DateTime, Utc};

/// What TikTok said, and when, for people to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub text: String,
    pub at: Option<DateTime<Utc>>,
}

/// A connection's auth axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Its tokens work; a refresh problem that does not need Reconnect (yet) is kept apart.
    Connected { warning: Option<Evidence> },
    /// TikTok refused the refresh or a long-term token: only its owner signing in again helps.
    Reconnect { evidence: Option<Evidence> },
}

impl ConnectionState {
    pub fn of(c: &tiktok_connection::Model) -> Self {
        let evidence = |text: &Option<String>, at| text.clone().map(|text| Evidence { text, at });
        match c.auth_status {
            AuthStatus::NeedsReconnect => {
                ConnectionState::Reconnect { evidence: evidence(&c.auth_error, c.auth_error_at) }
            }
            // A disconnected connection never reaches a card (the overview and every access
            // path leave it out); its state as it stood is all there is to say.
            AuthStatus::Healthy | AuthStatus::Disconnected => {
                ConnectionState::Connected { warning: evidence(&c.auth_warning, c.auth_warning_at) }
            }
        }
    }
}

/// An account's auth axis: can this server read it through some connection?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Connected,
    /// No connection that reaches it has a token TikTok accepts.
    Reconnect,
    /// Its token is sealed under a key this server's settings lack (the token itself is fine).
    KeyMissing,
    /// No live connection reaches it any more: not synced, its data kept.
    Disconnected,
}

/// Where a run is among its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepProgress {
    pub step: Step,
    /// 1-based, of `steps`.
    pub step_no: i32,
    pub steps: i32,
    /// The page of the step, of `pages` (0 when TikTok has not said yet).
    pub page: u32,
    pub pages: u32,
}

impl StepProgress {
    /// 0 to 100: whole steps done, plus the share of the current step's pages.
    pub fn percent(&self) -> u8 {
        let within = if self.pages > 0 {
            f64::from(self.page.saturating_sub(1).min(self.pages)) / f64::from(self.pages)
        } else {
            0.0
        };
        ((f64::from(self.step_no - 1) + within) / f64::from(self.steps.max(1)) * 100.0).clamp(0.0, 100.0) as u8
    }
}

/// Why a queued run waits before it tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holdup {
    /// TikTok was not answering (or kept answering with an outage).
    TikTok,
    /// The database refused to store the last page.
    Database,
}

/// What the account's queued or running sync is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    Idle,
    /// Waiting for a worker; `resumes_at` when it was put back to try again later, and why.
    Queued {
        resumes_at: Option<(DateTime<Utc>, Holdup)>,
    },
    Syncing(StepProgress),
    /// Waiting out TikTok's rate limit (neutral, not an error).
    RateLimited {
        progress: StepProgress,
        until: DateTime<Utc>,
    },
    /// Running with no progress for over an hour: a person may Retry.
    Stuck {
        progress: StepProgress,
        since: DateTime<Utc>,
    },
}

/// How the last sync that ended went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastSync {
    Never,
    Succeeded {
        counts: Counts,
    },
    /// With its cause and TikTok's evidence.
    Failed {
        kind: Option<FailureKind>,
        evidence: Option<String>,
    },
}

/// Everything the screens show about one ad account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountState {
    pub access: Access,
    pub activity: Activity,
    /// The active run is the account's first sync (queued by Import, or it never synced).
    pub first_sync: bool,
    pub last: LastSync,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Steps of the last sync TikTok did not give, with its answer.
    pub gaps: Vec<StepError>,
    /// The last data check, when TikTok's totals differ from the stored days.
    pub data_check: Option<DataCheck>,
}

/// A thing that needs someone's attention (the attention lines link it to the card).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Reconnect,
    KeyMissing,
    SyncFailed,
    Stuck,
    /// TikTok did not grant these steps.
    PermissionGap(Vec<Step>),
    DataMismatch,
}

/// One word per state, for `/metrics` labels: the headline a card would show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Headline {
    Disconnected,
    Reconnect,
    KeyMissing,
    Stuck,
    RateLimited,
    Syncing,
    FirstSync,
    Failed,
    Fresh,
    NeverSynced,
}

impl Headline {
    pub fn key(self) -> &'static str {
        self.into()
    }
}

impl AccountState {
    /// Decides the account's state. `reachable`: some connection that reaches it is healthy.
    /// `active`: its queued or running run; `last`: the last run that ended.
    pub fn decide(
        account: &tiktok_ad_account::Model,
        reachable: bool,
        active: Option<&sync_run::Model>,
        last: Option<&sync_run::Model>,
        now: DateTime<Utc>,
    ) -> Self {
        let active = active.filter(|r| r.status.is_active());
        let last = last.filter(|r| !r.status.is_active());
        let failed_for = |kind| last.is_some_and(|r| r.status == RunStatus::Failed && r.error_kind == Some(kind));
        let access = if account.sync_state == SyncState::Disconnected {
            Access::Disconnected
        } else if !reachable {
            Access::Reconnect
        } else if failed_for(FailureKind::KeyMissing) {
            Access::KeyMissing
        } else {
            Access::Connected
        };
        AccountState {
            access,
            activity: active.map_or(Activity::Idle, |run| activity(run, now)),
            first_sync: active.is_some_and(|r| r.trigger == RunTrigger::First || account.last_synced_at.is_none()),
            last: last.map_or(LastSync::Never, |run| match run.status {
                RunStatus::Succeeded => LastSync::Succeeded { counts: run.counts() },
                _ => LastSync::Failed { kind: run.error_kind, evidence: run.error_message.clone() },
            }),
            last_synced_at: account.last_synced_at,
            gaps: last.map(|r| r.step_errors().to_vec()).unwrap_or_default(),
            data_check: last
                .and_then(|r| r.data_check.clone())
                .filter(|c| c.mismatched_campaigns > 0 || c.split_mismatches > 0),
        }
    }

    /// What needs attention, most pressing first.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        match self.access {
            Access::Reconnect => problems.push(Problem::Reconnect),
            Access::KeyMissing => problems.push(Problem::KeyMissing),
            Access::Connected | Access::Disconnected => {
                if matches!(self.last, LastSync::Failed { .. }) {
                    problems.push(Problem::SyncFailed);
                }
            }
        }
        if !self.gaps.is_empty() {
            problems.push(Problem::PermissionGap(self.gaps.iter().map(|g| g.step).collect()));
        }
        if self.data_check.as_ref().is_some_and(|c| c.spend_differs() || c.split_mismatches > 0) {
            problems.push(Problem::DataMismatch);
        }
        if matches!(self.activity, Activity::Stuck { .. }) {
            problems.push(Problem::Stuck);
        }
        problems
    }

    /// The first sync's progress, while it is queued or running.
    pub fn first_sync_progress(&self) -> Option<Option<StepProgress>> {
        self.first_sync.then(|| self.activity.progress())
    }

    /// The one word a card's headline would say.
    pub fn headline(&self) -> Headline {
        match (&self.access, &self.activity) {
            (Access::Disconnected, _) => Headline::Disconnected,
            (Access::Reconnect, _) => Headline::Reconnect,
            (Access::KeyMissing, _) => Headline::KeyMissing,
            (_, Activity::Stuck { .. }) => Headline::Stuck,
            (_, Activity::RateLimited { .. }) => Headline::RateLimited,
            (_, Activity::Queued { .. } | Activity::Syncing(_)) if self.first_sync => Headline::FirstSync,
            (_, Activity::Queued { .. } | Activity::Syncing(_)) => Headline::Syncing,
            (_, Activity::Idle) => match self.last {
                LastSync::Failed { .. } => Headline::Failed,
                LastSync::Succeeded { .. } => Headline::Fresh,
                LastSync::Never => Headline::NeverSynced,
            },
        }
    }
}

impl Activity {
    /// Where the sync is among its steps, once started.
    pub fn progress(&self) -> Option<StepProgress> {
        match self {
            Activity::Idle | Activity::Queued { .. } => None,
            Activity::Syncing(p) | Activity::RateLimited { progress: p, .. } | Activity::Stuck { progress: p, .. } => {
                Some(*p)
            }
        }
    }
}

fn activity(run: &sync_run::Model, now: DateTime<Utc>) -> Activity {
    if run.status == RunStatus::Queued {
        let holdup = match run.error_kind {
            Some(FailureKind::DatabaseRefused) => Holdup::Database,
            _ => Holdup::TikTok,
        };
        return Activity::Queued { resumes_at: run.retry_at.filter(|t| *t > now).map(|t| (t, holdup)) };
    }
    let (page, pages) = run.step_pages();
    let step = run.step.unwrap_or(Step::Advertiser);
    let step_no = run.progress_done + 1;
    let steps = run.progress_total.max(step_no);
    let progress = StepProgress { step, step_no, steps, page, pages };
    if let Some(since) = run.stuck_since(now) {
        Activity::Stuck { progress, since }
    } else if let Some(until) = run.waiting_until.filter(|t| *t > now) {
        Activity::RateLimited { progress, until }
    } else {
        Activity::Syncing(progress)
    }
}

/// An account's state with what the screens link it to.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub state: AccountState,
    /// A connection that reaches it (for the link to its card).
    pub connection_id: Option<i32>,
    /// Its queued or running run, and when that last committed.
    pub active_run: Option<(i32, Option<DateTime<Utc>>)>,
}

/// The states of these accounts, by account id: two queries however many there are.
pub async fn load(
    db: &impl sea_orm::ConnectionTrait,
    accounts: &[tiktok_ad_account::Model],
    now: DateTime<Utc>,
) -> Result<std::collections::HashMap<i32, Loaded>, sea_orm::DbErr> {
    use crate::db::entities::tiktok_access_path;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let runs = sync_run::active_and_last(db, accounts).await?;
    let paths = tiktok_access_path::Entity::find()
        .filter(tiktok_access_path::Column::AdAccountId.is_in(accounts.iter().map(|a| a.id)))
        .find_also_related(tiktok_connection::Entity)
        .all(db)
        .await?;
    let mut reach: std::collections::HashMap<i32, (bool, i32)> = std::collections::HashMap::new();
    for (path, c) in &paths {
        let healthy = c.as_ref().is_some_and(|c| c.auth_status == AuthStatus::Healthy);
        reach.entry(path.ad_account_id).or_insert((false, path.connection_id)).0 |= healthy;
    }
    Ok(accounts
        .iter()
        .map(|a| {
            let runs = runs.get(&a.id);
            let active = runs.and_then(|r| r.active.as_ref());
            let (reachable, connection_id) = reach.get(&a.id).map_or((false, None), |(h, c)| (*h, Some(*c)));
            let state = AccountState::decide(a, reachable, active, runs.and_then(|r| r.last.as_ref()), now);
            (a.id, Loaded { state, connection_id, active_run: active.map(|r| (r.id, r.last_progress_at)) })
        })
        .collect())
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
