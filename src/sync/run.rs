//! Taking one claimed run through its steps, a page at a time. Each page's rows and the run's
//! progress (cursor, counts, heartbeat) are written in one transaction, and only while this
//! instance still holds the run: a run taken over elsewhere writes nothing more here.

use super::{
    ctx::{Page, RunCtx, Stop},
    heartbeat::AbortOnDrop,
    steps, store, FailureKind, Outcome, RunEnding, Step, StepError, SyncEngine, SyncError,
};
use crate::{
    db::{
        entities::{
            sync_run::{self, RunStatus, RunTrigger},
            tiktok_ad_account,
        },
        run_queue::{Claimed, Lease, RunId},
    },
    telemetry::metrics,
};
use chrono::{DateTime, Utc};
use futures::FutureExt;
use sea_orm::DbErr;
use std::panic::AssertUnwindSafe;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Times in a row a run is put back for later when TikTok is busy or failing, before it fails.
const DEFERRALS: u32 = 5;
/// Times in a row the database may refuse a page (not an outage: a value it will not store, a
/// constraint) before the run fails, so one such page never holds its account's syncs forever.
const REFUSALS: u32 = 3;
/// How long a run keeps its worker while other runs wait.
const TURN: chrono::Duration = chrono::Duration::minutes(2);

impl SyncEngine {
    pub(super) async fn execute(
        &self,
        claimed: Claimed,
        stop: &CancellationToken,
        pages: Option<u32>,
    ) -> Result<Outcome, SyncError> {
        let Claimed { run, account, lease } = claimed;
        let span = tracing::info_span!(
            "sync_run",
            run.id = run.id,
            account.id = account.id,
            advertiser.id = %account.advertiser_id,
            instance = %self.settings.instance_id
        );
        let (run_id, account_id) = (run.id, account.id);
        let claim = lease.clone();
        let started = std::time::Instant::now();
        let mut ran = AssertUnwindSafe(self.execute_in_span(run, account, lease, stop, pages).instrument(span.clone()))
            .catch_unwind()
            .await;
        if let Ok(Ok(Outcome::LostLease { .. })) = &ran {
            ran = Ok(self.why_let_go(run_id).instrument(span.clone()).await);
        }
        let ended = match &ran {
            Ok(Ok(outcome)) => outcome.ended(),
            Ok(Err(_)) => None,
            Err(_) => Some(RunEnding::Failed),
        };
        if let Some(ending) = ended {
            metrics::run_ended(ending.key(), started.elapsed().as_secs_f64());
        }
        // Only an outage (a page the database refused is settled by the run itself): any other
        // statement of ours that fails would fail again at once, so that run waits out its lease.
        if let Ok(Err(SyncError::Db(e))) = &ran {
            if crate::error::is_connection_error(e) {
                tracing::warn!(parent: &span, error = %e, "the database went away mid-run; the run resumes once it is back");
                self.orphans.lock().unwrap_or_else(|p| p.into_inner()).push(claim.clone());
            }
        }
        match ran {
            Ok(outcome) => outcome,
            // A bug met by this run (data it cannot handle, say): it fails with that said, rather
            // than being taken over and meeting the same bug again and again.
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(parent: &span, panic = %what, "a sync run panicked; it ends failed");
                let failure = (
                    FailureKind::InternalError,
                    "The sync stopped on an internal error (logged on the server); the next sync starts afresh."
                        .to_owned(),
                );
                self.queue.fail(&claim, failure).instrument(span).await?;
                Ok(Outcome::Finished { run_id, account_id, succeeded: false })
            }
        }
    }

    async fn execute_in_span(
        &self,
        run: sync_run::Model,
        account: tiktok_ad_account::Model,
        lease: Lease,
        stop: &CancellationToken,
        pages_left: Option<u32>,
    ) -> Result<Outcome, SyncError> {
        let mut ctx = RunCtx {
            lease,
            paths: self.paths_for(account.id).await?,
            account,
            cursor: run.cursor.clone().unwrap_or_default(),
            counts: run.counts.clone().unwrap_or_default(),
            step_errors: run.step_errors.clone().unwrap_or_default(),
            data_check: run.data_check.clone(),
            client: self.tiktok.metered(),
            path_errors: Vec::new(),
            earlier_requests: run.requests,
            earlier_rate_limited: run.rate_limit_waits,
            key_missing: None,
            stop: stop.clone(),
            pages_left,
            trigger: run.trigger,
        };
        ctx.cursor.resumed();
        tracing::info!(trigger = ?run.trigger, step = ctx.cursor.step.key(), page = ctx.cursor.page, "sync run started");
        let lost = CancellationToken::new();
        let heartbeat = tokio::spawn(self.clone().heartbeat(ctx.lease.clone(), ctx.client.clone(), lost.clone()));
        let _stop_heartbeat = AbortOnDrop(heartbeat);

        let (turn_ends, trigger) = (self.clock.now() + TURN, run.trigger);
        loop {
            if let Some(outcome) = self.pause_point(&ctx, &lost, stop, turn_ends, trigger).await? {
                return Ok(outcome);
            }
            let step = ctx.cursor.step;
            if step == Step::Done {
                break;
            }
            let result = self.page(&mut ctx).await;
            if let Some(outcome) = self.settle(&mut ctx, step, result).await? {
                return Ok(outcome);
            }
        }
        self.succeed(&ctx).await
    }

    /// Between pages: whether the run stops here (its lease lost, its turn over while others
    /// wait, a shutdown or its page limit), and how.
    async fn pause_point(
        &self,
        ctx: &RunCtx,
        lost: &CancellationToken,
        stop: &CancellationToken,
        turn_ends: DateTime<Utc>,
        trigger: RunTrigger,
    ) -> Result<Option<Outcome>, SyncError> {
        let run_id = ctx.run_id();
        if lost.is_cancelled() {
            return Ok(Some(lost_lease(run_id)));
        }
        // A big account must not hold this worker while others wait: after its turn it goes
        // back behind them, its place kept (progress is saved at every page).
        if self.clock.now() >= turn_ends
            && ctx.cursor.may_yield()
            && self.queue.others_waiting(&ctx.lease, trigger).await?
        {
            if !self.queue.hand_back(&ctx.lease, true).await? {
                return Ok(Some(lost_lease(run_id)));
            }
            tracing::info!(
                step = ctx.cursor.step.key(),
                page = ctx.cursor.page,
                "sync run gave its turn to waiting accounts"
            );
            return Ok(Some(Outcome::Yielded { run_id }));
        }
        if stop.is_cancelled() || ctx.pages_left == Some(0) {
            if !self.queue.hand_back(&ctx.lease, false).await? {
                return Ok(Some(lost_lease(run_id)));
            }
            tracing::info!(
                step = ctx.cursor.step.key(),
                page = ctx.cursor.page,
                "{}; it resumes here",
                if stop.is_cancelled() { "sync run paused for shutdown" } else { "sync run paused at its page limit" }
            );
            return Ok(Some(Outcome::Paused { run_id }));
        }
        Ok(None)
    }

    /// One page of the current step. A page whose writes the database refused leaves the run's
    /// progress as it was, so the page is read again when the run tries again.
    async fn page(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let before = (ctx.cursor.clone(), ctx.counts.clone(), ctx.step_errors.clone(), ctx.data_check.clone());
        let (now, asked) = (self.clock.now(), ctx.trigger != RunTrigger::Scheduled);
        let result = match steps::spec(ctx.cursor.step) {
            Some(spec) if !spec.schedule.is_due(&ctx.account, asked, now, self.settings.interval) => Ok(Page::StepDone),
            Some(spec) => (spec.page)(self, ctx).await,
            None => Ok(Page::StepDone),
        };
        match &result {
            Ok(_) => ctx.pages_left = ctx.pages_left.map(|n| n.saturating_sub(1)),
            Err(Stop::Db(_)) => (ctx.cursor, ctx.counts, ctx.step_errors, ctx.data_check) = before,
            Err(_) => {}
        }
        result
    }

    /// What a page of `step` that ended in `result` means for the run: go on (`None`), or the
    /// run's outcome.
    async fn settle(
        &self,
        ctx: &mut RunCtx,
        step: Step,
        result: Result<Page, Stop>,
    ) -> Result<Option<Outcome>, SyncError> {
        let run_id = ctx.run_id();
        match result {
            // Progress: an outage later starts its count of deferrals afresh.
            Ok(Page::More | Page::Advanced) => (ctx.cursor.deferrals, ctx.cursor.refusals) = (0, 0),
            Ok(Page::StepDone) => {
                (ctx.cursor.deferrals, ctx.cursor.refusals) = (0, 0);
                ctx.next_step();
                if !self.save_progress_alone(ctx).await? {
                    return Ok(Some(lost_lease(run_id)));
                }
            }
            Err(Stop::SkipStep(error)) => {
                tracing::warn!(step = step.key(), code = error.code, "{}: step skipped: {}", step.key(), error.message);
                ctx.step_errors.0.push(error);
                ctx.next_step();
                if !self.save_progress_alone(ctx).await? {
                    return Ok(Some(lost_lease(run_id)));
                }
            }
            // TikTok is failing on a minor step: a gap at once, so the spend never waits on it;
            // the step is tried again at the account's next sync.
            Err(Stop::Fail { kind, evidence }) if kind.passes_by_itself() && !steps::is_core(step) => {
                tracing::warn!(step = step.key(), "{}: step skipped until the next sync: {evidence}", step.key());
                let at = self.clock.now();
                ctx.step_errors.0.push(StepError { step, kind, code: None, message: evidence, request_id: None, at });
                ctx.cursor.deferrals = 0;
                ctx.next_step();
                if !self.save_progress_alone(ctx).await? {
                    return Ok(Some(lost_lease(run_id)));
                }
            }
            Err(Stop::Fail { kind, evidence }) if ctx.cursor.deferrals < DEFERRALS && kind.passes_by_itself() => {
                // TikTok is busy or failing for now on a core step: keep the cursor, try again later.
                ctx.cursor.deferrals += 1;
                let retry_at = self.clock.now() + chrono::Duration::minutes(1 << ctx.cursor.deferrals.min(5));
                tracing::warn!(step = step.key(), %retry_at, "sync run deferred: {evidence}");
                return Ok(Some(match self.defer(ctx, retry_at, kind, evidence).await? {
                    true => Outcome::Paused { run_id },
                    false => Outcome::LostLease { run_id },
                }));
            }
            Err(Stop::Fail { kind, evidence }) => {
                tracing::warn!(step = step.key(), "sync run failed: {evidence}");
                if !self.finish(ctx, RunStatus::Failed, Some((kind, evidence))).await? {
                    return Ok(Some(lost_lease(run_id)));
                }
                return Ok(Some(Outcome::Finished { run_id, account_id: ctx.account.id, succeeded: false }));
            }
            Err(Stop::LostLease) => return Ok(Some(lost_lease(run_id))),
            // The next pause point hands the run back.
            Err(Stop::Shutdown) => {}
            Err(Stop::Db(e)) if !crate::error::is_connection_error(&e) => {
                return self.refused(ctx, step, e).await.map(Some)
            }
            Err(Stop::Db(e)) => return Err(e.into()),
        }
        Ok(None)
    }

    /// The database refused the page's writes (rolled back whole) though it is up. A passing
    /// cause (a deadlock, a lock timeout) goes away on a later try; one that stays (a value it
    /// will not store) fails the run after [`REFUSALS`] tries, so the account's syncs go on.
    async fn refused(&self, ctx: &mut RunCtx, step: Step, e: DbErr) -> Result<Outcome, SyncError> {
        let run_id = ctx.run_id();
        if ctx.cursor.refusals < REFUSALS {
            ctx.cursor.refusals += 1;
            let retry_at = self.clock.now() + chrono::Duration::seconds(30 << (ctx.cursor.refusals - 1));
            tracing::warn!(step = step.key(), refusals = ctx.cursor.refusals, %retry_at, error = %e, "the database refused a page of this sync run; it tries again later");
            let evidence = format!("The database did not store a page of {}; trying again", step.label());
            return Ok(match self.defer(ctx, retry_at, FailureKind::DatabaseRefused, evidence).await? {
                true => Outcome::Paused { run_id },
                false => lost_lease(run_id),
            });
        }
        tracing::error!(step = step.key(), error = %e, "the database refused a page of this sync run again; it ends failed");
        let evidence = format!(
            "The database refused to store what TikTok sent for {} {REFUSALS} times in a row (logged on the server); the next sync starts afresh.",
            step.label()
        );
        if !self.finish(ctx, RunStatus::Failed, Some((FailureKind::DatabaseRefused, evidence))).await? {
            return Ok(lost_lease(run_id));
        }
        Ok(Outcome::Finished { run_id, account_id: ctx.account.id, succeeded: false })
    }

    /// Every step done: the run succeeds.
    async fn succeed(&self, ctx: &RunCtx) -> Result<Outcome, SyncError> {
        if !self.finish(ctx, RunStatus::Succeeded, None).await? {
            return Ok(lost_lease(ctx.run_id()));
        }
        if ctx.counts.total() >= store::BULK_ROWS {
            // Not worth failing a finished run for: the database's own upkeep catches up later.
            if let Err(e) = store::refresh_statistics(&self.db).await {
                tracing::warn!(error = %e, "could not refresh the planner's statistics after a large sync");
            }
        }
        let (requests, rate_limited) = ctx.totals();
        tracing::info!(
            requests,
            rate_limited,
            step_errors = ctx.step_errors.0.len(),
            counts = %ctx.counts,
            "sync run succeeded"
        );
        Ok(Outcome::Finished { run_id: ctx.run_id(), account_id: ctx.account.id, succeeded: true })
    }
}

/// The run is no longer this claim's: nothing more is written here ([`SyncEngine::why_let_go`]
/// says why).
fn lost_lease(run_id: i32) -> Outcome {
    Outcome::LostLease { run_id }
}

impl SyncEngine {
    /// Hands back the runs the database went away under (only those still ours).
    pub(super) async fn release_orphans(&self) -> Result<(), DbErr> {
        let orphans = std::mem::take(&mut *self.orphans.lock().unwrap_or_else(|p| p.into_inner()));
        for (i, lease) in orphans.iter().enumerate() {
            match self.queue.hand_back(lease, false).await {
                Ok(true) => tracing::info!(
                    run.id = lease.run().0,
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

    /// Why a run stopped being this claim's: its account stopped syncing (the run was cancelled
    /// under it), or another instance took it over.
    async fn why_let_go(&self, run_id: i32) -> Result<Outcome, SyncError> {
        let status = self.queue.status(RunId(run_id)).await?;
        if status == Some(RunStatus::Cancelled) {
            tracing::info!("the account stopped syncing while this run ran; it ended here, writing nothing more");
            return Ok(Outcome::Stopped { run_id });
        }
        tracing::warn!("another instance took this sync run over; stopping here");
        Ok(Outcome::LostLease { run_id })
    }
}
