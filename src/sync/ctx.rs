//! What a run carries from page to page, how a page ends, and its progress saved with the page.

use super::{Counts, Cursor, DataCheck, FailureKind, Step, StepError, SyncEngine, SyncError};
use crate::{
    db::{
        entities::{
            sync_run::{RunStatus, RunTrigger},
            tiktok_ad_account,
        },
        run_queue::{cursor::StepErrors, Lease},
    },
    telemetry::metrics,
    tiktok::TikTokClient,
};
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;

/// A connection this run may read the account through.
#[derive(Debug, Clone)]
pub(super) struct Path {
    pub path_id: i32,
    pub connection_id: i32,
}

/// Everything a run carries from page to page.
pub(super) struct RunCtx {
    /// The claim on the run; every write of the run checks it.
    pub lease: Lease,
    pub account: tiktok_ad_account::Model,
    pub cursor: Cursor,
    pub counts: Counts,
    pub step_errors: StepErrors,
    pub data_check: Option<DataCheck>,
    /// This run's client: its meter counts this run's requests and waits.
    pub client: TikTokClient,
    /// Healthy connections first, most recently successful first; a failing one is dropped.
    pub paths: Vec<Path>,
    pub path_errors: Vec<String>,
    /// Requests and rate-limit answers of earlier attempts (a resumed run keeps counting).
    pub earlier_requests: i32,
    pub earlier_rate_limited: i32,
    /// A connection was passed over because its token's key is missing (and why).
    pub key_missing: Option<String>,
    /// Shutdown: a TikTok call in flight (or waiting out a rate limit) is dropped.
    pub stop: CancellationToken,
    /// Pages still to read before the run goes back to the queue (`None`: no limit).
    pub pages_left: Option<u32>,
    /// What started the run: a person's (Sync now, Retry) re-reads the whole attribution window.
    pub trigger: RunTrigger,
}

impl RunCtx {
    pub fn run_id(&self) -> i32 {
        self.lease.run().0
    }

    /// Requests and rate-limit answers over every attempt of the run.
    pub fn totals(&self) -> (i32, i32) {
        let meter = self.client.meter();
        (self.earlier_requests + meter.requests as i32, self.earlier_rate_limited + meter.rate_limited as i32)
    }

    pub fn add_count(&mut self, step: Step, n: usize) {
        self.counts.add(step, n as u64);
        metrics::rows_written(step.key(), n as u64);
    }
}

/// How a page ended.
pub(super) enum Page {
    /// More pages (or windows) to read in this step.
    More,
    /// The step has read everything.
    StepDone,
    /// The step has read everything, wrote its ending and moved the cursor on, in one
    /// transaction with the lease check.
    Advanced,
}

/// Why a step stopped short.
pub(super) enum Stop {
    /// This step cannot be read (TikTok did not grant it, say): record it, go on.
    SkipStep(StepError),
    /// The run cannot go on: fail it with this evidence.
    Fail {
        kind: FailureKind,
        evidence: String,
    },
    /// Another instance holds the run now.
    LostLease,
    /// The server is shutting down: nothing of this page was written.
    Shutdown,
    Db(DbErr),
}

impl From<DbErr> for Stop {
    fn from(e: DbErr) -> Self {
        Stop::Db(e)
    }
}

impl SyncEngine {
    /// Writes the run's progress inside the page's transaction, then commits; nothing is
    /// written when another instance holds the run now.
    pub(super) async fn commit_page(&self, txn: DatabaseTransaction, ctx: &RunCtx) -> Result<(), Stop> {
        // A page read: the count of waits for TikTok starts afresh.
        if self.queue.save_progress(&txn, &ctx.lease, &ctx.progress(), false).await? {
            txn.commit().await?;
            Ok(())
        } else {
            txn.rollback().await?;
            Err(Stop::LostLease)
        }
    }

    /// Progress between pages; false when the run is no longer this claim's.
    pub(super) async fn save_progress_alone(&self, ctx: &RunCtx) -> Result<bool, SyncError> {
        let txn = self.db.begin().await?;
        match self.commit_page(txn, ctx).await {
            Ok(()) => Ok(true),
            Err(Stop::LostLease) => Ok(false),
            Err(Stop::Db(e)) => Err(e.into()),
            Err(_) => Ok(true),
        }
    }

    /// Ends the run with its last progress; false when it is no longer this claim's.
    pub(super) async fn finish(
        &self,
        ctx: &RunCtx,
        status: RunStatus,
        failure: Option<(FailureKind, String)>,
    ) -> Result<bool, DbErr> {
        let worked = ctx.paths.first().map(|p| p.path_id);
        self.queue.finish(&ctx.lease, &ctx.progress(), status, failure, worked).await
    }

    /// Puts the run back until `retry_at`, with its progress; false when it is no longer this claim's.
    pub(super) async fn defer(
        &self,
        ctx: &RunCtx,
        retry_at: DateTime<Utc>,
        kind: FailureKind,
        evidence: String,
    ) -> Result<bool, DbErr> {
        self.queue.defer(&ctx.lease, &ctx.progress(), retry_at, kind, evidence).await
    }
}
