//! Writes of a held run, each only while the claim's name is still on the row: progress (which
//! renews the lease with each page), the heartbeat (which renews it while a call waits on
//! TikTok), and the one way a held run is let go: ended, or handed back to the queue.

use super::{
    cursor::{Counts, Cursor, DataCheck, StepErrors},
    Lease, RunQueue,
};
use crate::db::{
    entities::{
        sync_run::{self, FailureKind, RunStatus},
        tiktok_access_path, tiktok_ad_account,
    },
    locks,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};

/// A run's progress as its worker saves it.
pub struct Progress<'a> {
    pub cursor: &'a Cursor,
    /// The cursor's step's 1-based position among the run's steps, and how many there are.
    pub position: (i32, i32),
    pub counts: &'a Counts,
    pub step_errors: &'a StepErrors,
    pub data_check: Option<&'a DataCheck>,
    /// Requests and rate-limit answers over every attempt of the run.
    pub requests: i32,
    pub rate_limit_waits: i32,
}

/// How a held run is let go.
enum Release {
    /// Back to the queue with its cursor, for any instance to resume. `queued_at` puts it behind
    /// the runs already waiting; `retry` keeps it unclaimed until then, saying why.
    Requeue { queued_at: Option<DateTime<Utc>>, retry: Option<(DateTime<Utc>, FailureKind, String)> },
    /// The run ended, failed with a cause and evidence or not.
    End { status: RunStatus, failure: Option<(FailureKind, String)> },
}

impl RunQueue {
    /// Lets the run go if the lease still holds it; true when it did. An ended run also moves
    /// the account's next sync on and names itself the account's last run: a caller ending a
    /// run has locked the account first (`db::locks`).
    async fn release(&self, db: &impl ConnectionTrait, lease: &Lease, how: Release) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let mut update = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Holder, Expr::value(Option::<String>::None))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::WaitingUntil, Expr::value(Option::<DateTime<Utc>>::None));
        let ended = match how {
            Release::Requeue { queued_at, retry } => {
                update = update.col_expr(sync_run::Column::Status, Expr::value(RunStatus::Queued));
                if let Some(at) = queued_at {
                    update = update.col_expr(sync_run::Column::QueuedAt, Expr::value(at));
                }
                if let Some((at, kind, evidence)) = retry {
                    update = update
                        .col_expr(sync_run::Column::RetryAt, Expr::value(at))
                        .col_expr(sync_run::Column::ErrorKind, Expr::value(kind))
                        .col_expr(sync_run::Column::ErrorMessage, Expr::value(evidence));
                }
                None
            }
            Release::End { status, failure } => {
                let (kind, message) = failure.unzip();
                update = update
                    .col_expr(sync_run::Column::Status, Expr::value(status))
                    .col_expr(sync_run::Column::FinishedAt, Expr::value(now))
                    .col_expr(sync_run::Column::ErrorKind, Expr::value(kind))
                    .col_expr(sync_run::Column::ErrorMessage, Expr::value(message));
                Some(status)
            }
        };
        let released = update
            .filter(sync_run::Column::Id.eq(lease.run.0))
            .filter(sync_run::Column::Holder.eq(&lease.holder))
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if let (true, Some(status)) = (released, ended) {
            let mut account = tiktok_ad_account::Entity::update_many()
                .col_expr(tiktok_ad_account::Column::NextSyncAt, Expr::value(self.next_sync_at(now)))
                .col_expr(tiktok_ad_account::Column::LastRunId, Expr::value(lease.run.0))
                .col_expr(tiktok_ad_account::Column::UpdatedAt, Expr::value(now));
            if status == RunStatus::Succeeded {
                account = account.col_expr(tiktok_ad_account::Column::LastSyncedAt, Expr::value(now));
            }
            account.filter(tiktok_ad_account::Column::Id.eq(lease.account.0)).exec(db).await?;
        }
        Ok(released)
    }

    /// Ends the run in `txn`, which has locked its account.
    pub(super) async fn end(
        &self,
        txn: &DatabaseTransaction,
        lease: &Lease,
        status: RunStatus,
        failure: Option<(FailureKind, String)>,
    ) -> Result<bool, DbErr> {
        self.release(txn, lease, Release::End { status, failure }).await
    }

    /// Ends the run failed with `failure`, without touching its progress (a bug met by the run).
    pub async fn fail(&self, lease: &Lease, failure: (FailureKind, String)) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        locks::lock_accounts(&txn, [lease.account.0]).await?;
        self.end(&txn, lease, RunStatus::Failed, Some(failure)).await?;
        txn.commit().await
    }

    /// Ends a run: its status and evidence with its last progress, the account's last sync and
    /// next one, and `worked_path` (the access path that read it) as the last that worked. False
    /// when the run is no longer this claim's (nothing was written).
    pub async fn finish(
        &self,
        lease: &Lease,
        progress: &Progress<'_>,
        status: RunStatus,
        failure: Option<(FailureKind, String)>,
        worked_path: Option<i32>,
    ) -> Result<bool, DbErr> {
        let txn = self.db.begin().await?;
        // The account before the run, as everything that stops accounts takes them.
        locks::lock_accounts(&txn, [lease.account.0]).await?;
        // The counts and evidence go with the ending, whoever holds the run's progress row.
        if !self.save_progress(&txn, lease, progress, true).await? || !self.end(&txn, lease, status, failure).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        if let (RunStatus::Succeeded, Some(path)) = (status, worked_path) {
            tiktok_access_path::Entity::update_many()
                .col_expr(tiktok_access_path::Column::LastSuccessAt, Expr::value(self.clock.now()))
                .filter(tiktok_access_path::Column::Id.eq(path))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// TikTok could not answer: the run goes back to the queue with its cursor and progress,
    /// not to be claimed before `retry_at`; the card says why and when. False when the run is
    /// no longer this claim's.
    pub async fn defer(
        &self,
        lease: &Lease,
        progress: &Progress<'_>,
        retry_at: DateTime<Utc>,
        kind: FailureKind,
        evidence: String,
    ) -> Result<bool, DbErr> {
        let txn = self.db.begin().await?;
        if !self.save_progress(&txn, lease, progress, true).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        let how = Release::Requeue { queued_at: None, retry: Some((retry_at, kind, evidence)) };
        let released = self.release(&txn, lease, how).await?;
        txn.commit().await?;
        Ok(released)
    }

    /// Hands the run back: as if queued now (`to_queue_end`, so the runs already waiting go
    /// first), or with its place kept (shutdown, an outage). False when the run is no longer
    /// this claim's.
    pub async fn hand_back(&self, lease: &Lease, to_queue_end: bool) -> Result<bool, DbErr> {
        let queued_at = to_queue_end.then(|| self.clock.now());
        self.release(&self.db, lease, Release::Requeue { queued_at, retry: None }).await
    }

    /// The cursor, counts and evidence, and a renewed lease, in the page's transaction; false
    /// when this instance no longer holds the run. `waited`: no page was read since the last
    /// save, so deferrals and refusals keep counting.
    pub async fn save_progress(
        &self,
        txn: &DatabaseTransaction,
        lease: &Lease,
        progress: &Progress<'_>,
        waited: bool,
    ) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let mut cursor = progress.cursor.clone();
        if !waited {
            cursor.deferrals = 0;
            cursor.refusals = 0;
        }
        let (done, total) = progress.position;
        let step_errors = (!progress.step_errors.0.is_empty()).then(|| progress.step_errors.clone());
        let updated = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Step, Expr::value(cursor.step))
            .col_expr(sync_run::Column::Cursor, Expr::value(cursor))
            .col_expr(sync_run::Column::ProgressDone, Expr::value(done - 1))
            .col_expr(sync_run::Column::ProgressTotal, Expr::value(total))
            .col_expr(sync_run::Column::Counts, Expr::value(progress.counts.clone()))
            .col_expr(sync_run::Column::StepErrors, Expr::value(step_errors))
            .col_expr(sync_run::Column::DataCheck, Expr::value(progress.data_check.cloned()))
            .col_expr(sync_run::Column::Requests, Expr::value(progress.requests))
            .col_expr(sync_run::Column::RateLimitWaits, Expr::value(progress.rate_limit_waits))
            .col_expr(sync_run::Column::LastProgressAt, Expr::value(now))
            .col_expr(sync_run::Column::HeartbeatAt, Expr::value(now))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(self.lease_until(now)))
            .col_expr(sync_run::Column::WaitingUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(sync_run::Column::Id.eq(lease.run.0))
            .filter(sync_run::Column::Holder.eq(&lease.holder))
            .filter(sync_run::Column::Status.eq(RunStatus::Running))
            .exec(txn)
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// Renews the lease while the run waits on TikTok, saying until when it waits on a rate
    /// limit; false when the run is no longer this claim's.
    pub async fn beat(&self, lease: &Lease, waiting_until: Option<DateTime<Utc>>) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let beat = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::HeartbeatAt, Expr::value(now))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(self.lease_until(now)))
            .col_expr(sync_run::Column::WaitingUntil, Expr::value(waiting_until))
            .filter(sync_run::Column::Id.eq(lease.run.0))
            .filter(sync_run::Column::Holder.eq(&lease.holder))
            .filter(sync_run::Column::Status.eq(RunStatus::Running))
            .exec(&self.db)
            .await?;
        Ok(beat.rows_affected == 1)
    }
}
