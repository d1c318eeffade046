//! The lease store: every write of a held run goes through here, and only while this instance
//! still holds it (the claim's name is on the row). Progress renews the lease with each page;
//! a heartbeat renews it while a call waits on TikTok; [`SyncEngine::release`] is the one way a
//! held run is let go (ended, or handed back to the queue).

use super::{
    run::{RunCtx, Stop},
    SyncEngine, SyncError,
};
use crate::{
    db::{
        entities::{
            sync_run::{self, FailureKind, RunStatus, RunTrigger},
            tiktok_access_path, tiktok_ad_account,
        },
        locks,
    },
    tiktok::TikTokClient,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How a held run is let go.
pub(super) enum Release {
    /// Back to the queue with its cursor, for any instance to resume. `queued_at` puts it behind
    /// the runs already waiting; `retry` keeps it unclaimed until then, saying why.
    Requeue { queued_at: Option<DateTime<Utc>>, retry: Option<(DateTime<Utc>, FailureKind, String)> },
    /// The run ended, failed with a cause and evidence or not.
    End { status: RunStatus, failure: Option<(FailureKind, String)> },
}

impl SyncEngine {
    fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::seconds(60))
    }

    fn next_sync_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.settings.interval).unwrap_or(chrono::Duration::minutes(15))
    }

    /// Lets the run go if `holder` still holds it; true when it did. An ended run also moves
    /// the account's next sync on and names itself the account's last run: a caller ending a
    /// run has locked the account first (`db::locks`).
    pub(super) async fn release(
        &self,
        db: &impl ConnectionTrait,
        run_id: i32,
        account_id: i32,
        holder: &str,
        how: Release,
    ) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let mut update = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Holder, Expr::value(Option::<String>::None))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::WaitingUntil, Expr::value(Option::<DateTime<Utc>>::None));
        let ended = match &how {
            Release::Requeue { queued_at, retry } => {
                update = update.col_expr(sync_run::Column::Status, Expr::value(RunStatus::Queued));
                if let Some(at) = queued_at {
                    update = update.col_expr(sync_run::Column::QueuedAt, Expr::value(*at));
                }
                if let Some((at, kind, evidence)) = retry {
                    update = update
                        .col_expr(sync_run::Column::RetryAt, Expr::value(*at))
                        .col_expr(sync_run::Column::ErrorKind, Expr::value(*kind))
                        .col_expr(sync_run::Column::ErrorMessage, Expr::value(evidence.clone()));
                }
                None
            }
            Release::End { status, failure } => {
                let (kind, message) = failure.clone().unzip();
                update = update
                    .col_expr(sync_run::Column::Status, Expr::value(*status))
                    .col_expr(sync_run::Column::FinishedAt, Expr::value(now))
                    .col_expr(sync_run::Column::ErrorKind, Expr::value(kind))
                    .col_expr(sync_run::Column::ErrorMessage, Expr::value(message));
                Some(*status)
            }
        };
        let released = update
            .filter(sync_run::Column::Id.eq(run_id))
            .filter(sync_run::Column::Holder.eq(holder))
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if let (true, Some(status)) = (released, ended) {
            let mut account = tiktok_ad_account::Entity::update_many()
                .col_expr(tiktok_ad_account::Column::NextSyncAt, Expr::value(self.next_sync_at(now)))
                .col_expr(tiktok_ad_account::Column::LastRunId, Expr::value(run_id))
                .col_expr(tiktok_ad_account::Column::UpdatedAt, Expr::value(now));
            if status == RunStatus::Succeeded {
                account = account.col_expr(tiktok_ad_account::Column::LastSyncedAt, Expr::value(now));
            }
            account.filter(tiktok_ad_account::Column::Id.eq(account_id)).exec(db).await?;
        }
        Ok(released)
    }

    /// A bug met by the run (it panicked): it fails with that said, rather than being taken
    /// over and meeting the same bug again and again.
    pub(super) async fn fail_after_panic(&self, run_id: i32, account_id: i32, holder: &str) -> Result<(), DbErr> {
        let failure = (
            FailureKind::InternalError,
            "The sync stopped on an internal error (logged on the server); the next sync starts afresh.".to_owned(),
        );
        let txn = self.db.begin().await?;
        locks::lock_accounts(&txn, [account_id]).await?;
        self.release(
            &txn,
            run_id,
            account_id,
            holder,
            Release::End { status: RunStatus::Failed, failure: Some(failure) },
        )
        .await?;
        txn.commit().await
    }

    /// A claimed run whose row this build cannot read (a state written by a newer version, say)
    /// fails with that said, so the account's next sync starts afresh instead of the run being
    /// claimed and dropped again and again.
    pub(super) async fn end_unreadable(&self, run_id: i32, account_id: i32, holder: &str) -> Result<(), DbErr> {
        let failure = (
            FailureKind::InternalError,
            "This sync's saved progress could not be read (logged on the server); the next sync starts afresh."
                .to_owned(),
        );
        let txn = self.db.begin().await?;
        locks::lock_accounts(&txn, [account_id]).await?;
        // Its unreadable progress goes with it: the next run must not meet it again.
        sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Cursor, Expr::value(Option::<crate::db::run_progress::Cursor>::None))
            .col_expr(sync_run::Column::Step, Expr::value(Option::<sync_run::Step>::None))
            .filter(sync_run::Column::Id.eq(run_id))
            .filter(sync_run::Column::Holder.eq(holder))
            .exec(&txn)
            .await?;
        self.release(
            &txn,
            run_id,
            account_id,
            holder,
            Release::End { status: RunStatus::Failed, failure: Some(failure) },
        )
        .await?;
        txn.commit().await
    }

    /// Ends a run: its status and evidence with its last progress, the account's last sync and
    /// next one, and the path that worked. False when the run is no longer this claim's (nothing
    /// was written).
    pub(super) async fn finish(
        &self,
        ctx: &RunCtx,
        status: RunStatus,
        failure: Option<(FailureKind, String)>,
    ) -> Result<bool, DbErr> {
        let txn = self.db.begin().await?;
        // The account before the run, as everything that stops accounts takes them.
        locks::lock_accounts(&txn, [ctx.account.id]).await?;
        // The counts and evidence go with the ending, whoever holds the run's progress row.
        if !self.save_progress(&txn, ctx, true).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        let how = Release::End { status, failure };
        if !self.release(&txn, ctx.run_id, ctx.account.id, &ctx.holder, how).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        if status == RunStatus::Succeeded {
            if let Some(path) = ctx.paths.first() {
                tiktok_access_path::Entity::update_many()
                    .col_expr(tiktok_access_path::Column::LastSuccessAt, Expr::value(self.clock.now()))
                    .filter(tiktok_access_path::Column::Id.eq(path.path_id))
                    .exec(&txn)
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(true)
    }

    /// TikTok could not answer: the run goes back to the queue with its cursor and progress,
    /// not to be claimed before `retry_at`; the card says why and when. False when the run is
    /// no longer this claim's.
    pub(super) async fn defer(
        &self,
        ctx: &RunCtx,
        retry_at: DateTime<Utc>,
        kind: FailureKind,
        evidence: String,
    ) -> Result<bool, DbErr> {
        let txn = self.db.begin().await?;
        if !self.save_progress(&txn, ctx, true).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        let how = Release::Requeue { queued_at: None, retry: Some((retry_at, kind, evidence)) };
        let released = self.release(&txn, ctx.run_id, ctx.account.id, &ctx.holder, how).await?;
        txn.commit().await?;
        Ok(released)
    }

    /// Hands the run back: as if queued now (`to_queue_end`, so the runs already waiting go
    /// first), or with its place kept (shutdown, an outage). False when the run is no longer
    /// this claim's.
    pub(super) async fn hand_back(&self, run_id: i32, holder: &str, to_queue_end: bool) -> Result<bool, DbErr> {
        let queued_at = to_queue_end.then(|| self.clock.now());
        // An account id is needed only by an ending; a hand-back leaves the account as it is.
        self.release(&self.db, run_id, 0, holder, Release::Requeue { queued_at, retry: None }).await
    }

    /// Hands back the runs the database went away under (only those still ours).
    pub(super) async fn release_orphans(&self) -> Result<(), DbErr> {
        let orphans = std::mem::take(&mut *self.orphans.lock().unwrap_or_else(|p| p.into_inner()));
        for (i, (run_id, holder)) in orphans.iter().enumerate() {
            match self.hand_back(*run_id, holder, false).await {
                Ok(true) => tracing::info!(
                    run.id = run_id,
                    "the database is back; the run it went away under is queued to resume"
                ),
                // Its lease lapsed meanwhile and another worker took it over: nothing to hand back.
                Ok(false) => {}
                Err(e) => {
                    self.orphans.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(&orphans[i..]);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Whether another run is waiting that a claim would take before this one (first syncs and
    /// manual runs go before scheduled ones, so a first sync yields only to its peers).
    pub(super) async fn others_waiting(&self, run_id: i32, trigger: RunTrigger) -> Result<bool, DbErr> {
        let mut waiting =
            sync_run::Entity::find().filter(Self::claimable(self.clock.now())).filter(sync_run::Column::Id.ne(run_id));
        if trigger != RunTrigger::Scheduled {
            waiting = waiting.filter(sync_run::Column::Trigger.ne(RunTrigger::Scheduled));
        }
        let waiting = waiting.select_only().column(sync_run::Column::Id).into_tuple::<i32>().one(&self.db).await?;
        Ok(waiting.is_some())
    }

    /// Writes the run's progress inside the page's transaction, then commits; nothing is
    /// written when another instance holds the run now.
    pub(super) async fn commit_page(&self, txn: DatabaseTransaction, ctx: &RunCtx) -> Result<(), Stop> {
        // A page read: the count of waits for TikTok starts afresh.
        if self.save_progress(&txn, ctx, false).await? {
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

    /// The cursor, counts and evidence, and a renewed lease; false when this instance no longer
    /// holds the run. `waited`: no page was read since the last save, so deferrals and refusals
    /// keep counting.
    async fn save_progress(&self, txn: &DatabaseTransaction, ctx: &RunCtx, waited: bool) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let mut cursor = ctx.cursor.clone();
        if !waited {
            cursor.deferrals = 0;
            cursor.refusals = 0;
        }
        let (done, total) = ctx.cursor.step.position();
        let (requests, rate_limited) = ctx.totals();
        let step_errors = (!ctx.step_errors.0.is_empty()).then(|| ctx.step_errors.clone());
        let updated = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Step, Expr::value(ctx.cursor.step))
            .col_expr(sync_run::Column::Cursor, Expr::value(cursor))
            .col_expr(sync_run::Column::ProgressDone, Expr::value(done - 1))
            .col_expr(sync_run::Column::ProgressTotal, Expr::value(total))
            .col_expr(sync_run::Column::Counts, Expr::value(ctx.counts.clone()))
            .col_expr(sync_run::Column::StepErrors, Expr::value(step_errors))
            .col_expr(sync_run::Column::DataCheck, Expr::value(ctx.data_check.clone()))
            .col_expr(sync_run::Column::Requests, Expr::value(requests))
            .col_expr(sync_run::Column::RateLimitWaits, Expr::value(rate_limited))
            .col_expr(sync_run::Column::LastProgressAt, Expr::value(now))
            .col_expr(sync_run::Column::HeartbeatAt, Expr::value(now))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(self.lease_until(now)))
            .col_expr(sync_run::Column::WaitingUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(sync_run::Column::Id.eq(ctx.run_id))
            .filter(sync_run::Column::Holder.eq(ctx.holder.clone()))
            .filter(sync_run::Column::Status.eq(RunStatus::Running))
            .exec(txn)
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// Keeps the lease while the run waits on TikTok, and says when it waits on a rate limit:
    /// it looks every 2 s, and writes when the lease is a third through or the wait changed.
    pub(super) async fn heartbeat(self, run_id: i32, holder: String, client: TikTokClient, lost: CancellationToken) {
        let renew_every = (self.settings.lease / 3).max(Duration::from_millis(200));
        let look_every = renew_every.min(Duration::from_secs(2));
        let (mut since_renewal, mut shown_wait) = (Duration::ZERO, None);
        loop {
            tokio::time::sleep(look_every).await;
            since_renewal += look_every;
            let waiting = client.paused_until();
            // Minutes are what the card shows; a wait moving by seconds is not news.
            let wait_key = waiting.map(|t| t.timestamp() / 30);
            if since_renewal < renew_every && wait_key == shown_wait {
                continue;
            }
            let now = self.clock.now();
            let beat = sync_run::Entity::update_many()
                .col_expr(sync_run::Column::HeartbeatAt, Expr::value(now))
                .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(self.lease_until(now)))
                .col_expr(sync_run::Column::WaitingUntil, Expr::value(waiting))
                .filter(sync_run::Column::Id.eq(run_id))
                .filter(sync_run::Column::Holder.eq(holder.clone()))
                .filter(sync_run::Column::Status.eq(RunStatus::Running))
                .exec(&self.db)
                .await;
            match beat {
                Ok(r) if r.rows_affected == 0 => {
                    lost.cancel();
                    return;
                }
                Ok(_) => {
                    since_renewal = Duration::ZERO;
                    shown_wait = wait_key;
                }
                // The database is away: the next page write will say whether the run is still ours.
                Err(e) => tracing::warn!(error = %e, "sync heartbeat could not reach the database"),
            }
        }
    }
}

/// Stops the heartbeat when the run's task ends, however it ends.
pub(super) struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
