//! The sync engine: a loop inside the server process that claims due ad accounts and brings
//! their TikTok data in, step by step, page by page, resumable at every page.
//!
//! The unit of work is [`SyncEngine::sync_next`]: schedule what is due, claim one run (a lease
//! on its row; on Postgres `FOR UPDATE SKIP LOCKED`, so several instances never run the same
//! account), run it to its end or until told to stop, and say what happened. The loop
//! ([`SyncEngine::run`]) only repeats it on a few workers; tests call it directly.

mod backfill;
mod breakdowns;
mod connections;
mod ctx;
mod daily_rows;
mod data_check;
mod entities;
mod evidence;
mod failover;
mod heartbeat;
mod hours;
mod insights;
mod instances;
mod run;
mod split_check;
mod split_rows;
mod steps;
mod store;
pub mod tiers;

pub use crate::db::run_queue::{explain_claim, KEEP_RUNS};
pub use crate::db::{
    entities::sync_run::{FailureKind, Step},
    run_queue::cursor::{Counts, Cursor, DataCheck, Mismatch, StepError},
};
pub use connections::{SyncRequestError, STUCK_AFTER};
pub use insights::today_of;
pub use instances::SYNCING_WEIGHT;

use crate::{
    clock::Clock,
    credentials::Credentials,
    db::run_queue::{Lease, RunQueue, Terms},
    settings::Settings,
    tiktok::TikTokClient,
};
use futures::FutureExt;
use sea_orm::{DatabaseConnection, DbErr};
use std::{panic::AssertUnwindSafe, sync::Arc, time::Duration};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// How the engine paces itself.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Time between syncs of one account.
    pub interval: Duration,
    /// Runs in flight at once in this instance.
    pub concurrency: usize,
    /// How long a claimed run is this instance's before another may take it over; heartbeats
    /// renew it.
    pub lease: Duration,
    /// This instance's name on the runs it holds.
    pub instance_id: String,
    /// Days of insights a first sync brings.
    pub history_days: u32,
    /// The days later syncs read again, and how often (see [`tiers`]).
    pub attribution: tiers::Attribution,
}

impl From<&Settings> for SyncSettings {
    fn from(s: &Settings) -> Self {
        Self {
            interval: s.sync_interval,
            concurrency: s.sync_concurrency,
            lease: s.sync_lease,
            instance_id: s.instance_id.clone(),
            history_days: s.history_days,
            attribution: tiers::Attribution {
                window_days: s.attribution_window_days,
                week_every: s.attribution_week_every,
                window_every: s.attribution_window_every,
            },
        }
    }
}

/// What one call of [`SyncEngine::sync_next`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was due.
    Idle,
    /// A run ended: succeeded (maybe with step errors) or failed with evidence.
    Finished { run_id: i32, account_id: i32, succeeded: bool },
    /// Told to stop: the page in flight was written and the run handed back to the queue.
    Paused { run_id: i32 },
    /// The run had its turn while others waited: it went back to the queue behind them, its
    /// place kept.
    Yielded { run_id: i32 },
    /// Another instance took the run over (this one lost its lease); nothing more was written.
    LostLease { run_id: i32 },
    /// The account stopped syncing while the run ran (Disconnect, Manage accounts): it ended at
    /// its next write, which was not made.
    Stopped { run_id: i32 },
}

/// How a claimed run let go of its worker (the `/metrics` label of a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum RunEnding {
    Succeeded,
    Failed,
    Paused,
    Yielded,
    LostLease,
    Stopped,
}

impl RunEnding {
    pub fn key(self) -> &'static str {
        self.into()
    }
}

impl Outcome {
    /// How the run ended, when there was one.
    pub fn ended(&self) -> Option<RunEnding> {
        match self {
            Outcome::Idle => None,
            Outcome::Finished { succeeded: true, .. } => Some(RunEnding::Succeeded),
            Outcome::Finished { succeeded: false, .. } => Some(RunEnding::Failed),
            Outcome::Paused { .. } => Some(RunEnding::Paused),
            Outcome::Yielded { .. } => Some(RunEnding::Yielded),
            Outcome::LostLease { .. } => Some(RunEnding::LostLease),
            Outcome::Stopped { .. } => Some(RunEnding::Stopped),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Clone)]
pub struct SyncEngine {
    db: DatabaseConnection,
    /// The background client: keeps to its share of the app budget.
    tiktok: TikTokClient,
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    settings: Arc<SyncSettings>,
    /// Import and Sync now wake the workers at once instead of at their next poll.
    wake: Arc<Notify>,
    /// The one writer of the runs table.
    queue: RunQueue,
    /// Runs this instance held when the database went away: handed back as soon as it
    /// answers again, so they resume at once rather than after their lease.
    orphans: Arc<std::sync::Mutex<Vec<Lease>>>,
}

impl SyncEngine {
    pub fn new(
        db: DatabaseConnection,
        tiktok: TikTokClient,
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        settings: SyncSettings,
        wake: Arc<Notify>,
    ) -> Self {
        let queue = RunQueue::new(db.clone(), clock.clone(), queue_terms(&settings));
        Self { db, tiktok, credentials, clock, settings: Arc::new(settings), wake, queue, orphans: Arc::default() }
    }

    /// The same engine under other settings: what an instance restarted with them does.
    pub fn with_settings(&self, settings: SyncSettings) -> Self {
        let queue = RunQueue::new(self.db.clone(), self.clock.clone(), queue_terms(&settings));
        Self { settings: Arc::new(settings), queue, ..self.clone() }
    }

    pub fn settings(&self) -> &SyncSettings {
        &self.settings
    }

    /// Schedules what is due, then claims one run and takes it to its end (or until `stop`).
    pub async fn sync_next(&self) -> Result<Outcome, SyncError> {
        self.sync_next_until(&CancellationToken::new()).await
    }

    pub async fn sync_next_until(&self, stop: &CancellationToken) -> Result<Outcome, SyncError> {
        self.release_orphans().await?;
        self.queue.schedule_due().await?;
        let Some(claimed) = self.queue.claim().await? else { return Ok(Outcome::Idle) };
        self.execute(claimed, stop, None).await
    }

    /// Like [`Self::sync_next`], but the run reads at most `pages` pages (or steps without
    /// pages), then goes back to the queue with its place kept ([`Outcome::Paused`]): a test
    /// stops a run exactly where it wants, with no race against TikTok's answer times.
    pub async fn sync_pages(&self, pages: u32) -> Result<Outcome, SyncError> {
        self.release_orphans().await?;
        self.queue.schedule_due().await?;
        let Some(claimed) = self.queue.claim().await? else { return Ok(Outcome::Idle) };
        self.execute(claimed, &CancellationToken::new(), Some(pages)).await
    }

    /// Deletes the finished runs past each account's last [`KEEP_RUNS`]; returns how many.
    pub async fn prune_runs(&self) -> Result<u64, SyncError> {
        Ok(self.queue.prune().await?)
    }

    /// Runs until `stop` is cancelled: `concurrency` workers calling [`Self::sync_next_until`],
    /// and a look at each connection's advertisers every interval. A run in flight finishes its
    /// current page and goes back to the queue.
    pub async fn run(self, stop: CancellationToken) {
        tracing::info!(instance = %self.settings.instance_id, workers = self.settings.concurrency, "sync engine started");
        // Joining busy instances: start once they have all re-read their share (a beat and a
        // margin for the beat itself), so together they never go over TIKTOK_QPS meanwhile.
        if self.beat().await.is_ok_and(|live| live > 1) {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(instances::BEAT_EVERY + Duration::from_secs(2)) => {},
            }
        }
        let mut workers = tokio::task::JoinSet::new();
        for worker in 0..self.settings.concurrency {
            let (engine, stop) = (self.clone(), stop.clone());
            workers.spawn(async move { engine.work(worker, stop).await });
        }
        let (engine, checks_stop) = (self.clone(), stop.clone());
        workers.spawn(async move { engine.watch_connections(checks_stop).await });
        while workers.join_next().await.is_some() {}
        tracing::info!(instance = %self.settings.instance_id, "sync engine stopped");
    }

    async fn work(&self, worker: usize, stop: CancellationToken) {
        let mut backoff = Duration::from_secs(1);
        while !stop.is_cancelled() {
            // A bug met by one run must not take a worker away for good: log it, wait, go on
            // (the run's lease lapses and it is taken over).
            let Ok(next) = AssertUnwindSafe(self.sync_next_until(&stop)).catch_unwind().await else {
                tracing::error!(worker, retry_in_s = backoff.as_secs(), "a sync run panicked; the worker carries on");
                tokio::select! {
                    () = stop.cancelled() => {},
                    () = tokio::time::sleep(backoff) => {},
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            };
            match next {
                Ok(Outcome::Idle) => {
                    backoff = Duration::from_secs(1);
                    tokio::select! {
                        () = stop.cancelled() => {},
                        () = self.wake.notified() => {},
                        () = tokio::time::sleep(Duration::from_secs(1)) => {},
                    }
                }
                Ok(_) => backoff = Duration::from_secs(1),
                Err(e) => {
                    // The database is down or refusing: say so once per attempt, wait, retry.
                    tracing::warn!(worker, error = %e, retry_in_s = backoff.as_secs(), "sync worker could not reach the database");
                    tokio::select! {
                        () = stop.cancelled() => {},
                        () = tokio::time::sleep(backoff) => {},
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    async fn watch_connections(&self, stop: CancellationToken) {
        while !stop.is_cancelled() {
            if let Err(e) = self.check_connections().await {
                tracing::warn!(error = %e, "could not look for new advertisers; trying again in a minute");
            }
            tokio::select! {
                () = stop.cancelled() => {},
                () = tokio::time::sleep(Duration::from_secs(60)) => {},
            }
        }
    }
}

/// What the run queue needs of the engine's settings.
fn queue_terms(settings: &SyncSettings) -> Terms {
    Terms {
        lease: settings.lease,
        interval: settings.interval,
        instance_id: settings.instance_id.clone(),
        steps: steps::STEPS.len() as i32,
    }
}
