//! Taking one claimed run through its steps, a page at a time. Each page's rows and the run's
//! progress (cursor, counts, heartbeat) are written in one transaction, and only while this
//! instance still holds the run: a run taken over elsewhere writes nothing more here.

use super::{
    cursor::{Cursor, Step},
    evidence::{to_json, DataCheck, StepError},
    queue::Claimed,
    store, Outcome, SyncEngine, SyncError,
};
use crate::{
    credentials::CredentialError,
    db::entities::{
        sync_run::{self, RunStatus, RunTrigger},
        tiktok_access_path, tiktok_ad_account,
        tiktok_connection::{self, AuthStatus},
    },
    telemetry::metrics,
    tiktok::{ErrorKind, TikTokClient, TikTokError},
};
use chrono::{DateTime, Utc};
use futures::FutureExt;
use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use secrecy::SecretString;
use std::{collections::BTreeMap, future::Future, panic::AssertUnwindSafe, time::Duration};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// A connection this run may read the account through.
#[derive(Debug, Clone)]
pub(super) struct Path {
    pub path_id: i32,
    pub connection_id: i32,
}

/// Everything a run carries from page to page.
pub(super) struct RunCtx {
    pub run_id: i32,
    /// The claim's name on the run row; every write of the run checks it.
    pub holder: String,
    pub account: tiktok_ad_account::Model,
    pub cursor: Cursor,
    pub counts: BTreeMap<String, u64>,
    pub step_errors: Vec<StepError>,
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
}

/// Times in a row a run is put back for later when TikTok is busy or failing, before it fails.
const DEFERRALS: u32 = 5;
/// How long a run keeps its worker while other runs wait.
const TURN: chrono::Duration = chrono::Duration::minutes(2);

/// Failures that pass by themselves (TikTok's rate limit, an outage).
fn is_passing(kind: &str) -> bool {
    kind == ErrorKind::RateLimited.as_str() || kind == ErrorKind::Transient.as_str()
}

impl RunCtx {
    /// Requests and rate-limit answers over every attempt of the run.
    pub fn totals(&self) -> (i32, i32) {
        let meter = self.client.meter();
        (self.earlier_requests + meter.requests as i32, self.earlier_rate_limited + meter.rate_limited as i32)
    }

    pub fn add_count(&mut self, step: Step, n: usize) {
        *self.counts.entry(step.key().to_owned()).or_default() += n as u64;
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
        kind: String,
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

/// Why a TikTok call of a run failed.
pub(super) enum CallFailure {
    TikTok(TikTokError),
    /// No connection reaching the account has working credentials.
    NoConnection(String),
    /// A token cannot be opened with the configured keys.
    KeyMissing(String),
    /// The server is shutting down.
    Stopped,
    Db(DbErr),
}

impl SyncEngine {
    pub(super) async fn execute(&self, claimed: Claimed, stop: &CancellationToken) -> Result<Outcome, SyncError> {
        let Claimed { run, account, holder } = claimed;
        let span = tracing::info_span!(
            "sync_run",
            run.id = run.id,
            account.id = account.id,
            advertiser.id = %account.advertiser_id,
            instance = %self.settings.instance_id
        );
        let (run_id, account_id) = (run.id, account.id);
        let claim = holder.clone();
        let started = std::time::Instant::now();
        let ran = AssertUnwindSafe(self.execute_in_span(run, account, holder, stop).instrument(span.clone()))
            .catch_unwind()
            .await;
        let ended = match &ran {
            Ok(Ok(Outcome::Finished { succeeded: true, .. })) => Some("succeeded"),
            Ok(Ok(Outcome::Finished { succeeded: false, .. })) | Err(_) => Some("failed"),
            Ok(Ok(Outcome::Paused { .. })) => Some("paused"),
            Ok(Ok(Outcome::Yielded { .. })) => Some("yielded"),
            Ok(Ok(Outcome::LostLease { .. })) => Some("lost_lease"),
            Ok(Ok(Outcome::Idle)) | Ok(Err(_)) => None,
        };
        if let Some(outcome) = ended {
            metrics::run_ended(outcome, started.elapsed().as_secs_f64());
        }
        // Only an outage: a statement that fails on its own would fail again at once, so that run
        // waits out its lease as before.
        if let Ok(Err(SyncError::Db(e))) = &ran {
            if crate::error::is_connection_error(e) {
                tracing::warn!(parent: &span, error = %e, "the database went away mid-run; the run resumes once it is back");
                self.orphans.lock().unwrap_or_else(|p| p.into_inner()).push((run_id, claim.clone()));
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
                self.fail_after_panic(run_id, account_id, &claim).instrument(span).await?;
                Ok(Outcome::Finished { run_id, account_id, succeeded: false })
            }
        }
    }

    async fn fail_after_panic(&self, run_id: i32, account_id: i32, holder: &str) -> Result<(), DbErr> {
        let now = self.clock.now();
        let next = now + chrono::Duration::from_std(self.settings.interval).unwrap_or(chrono::Duration::minutes(15));
        let txn = self.db.begin().await?;
        let ended = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Status, Expr::value(RunStatus::Failed))
            .col_expr(sync_run::Column::FinishedAt, Expr::value(now))
            .col_expr(sync_run::Column::Holder, Expr::value(Option::<String>::None))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::ErrorKind, Expr::value("internal_error"))
            .col_expr(
                sync_run::Column::ErrorMessage,
                Expr::value(
                    "The sync stopped on an internal error (logged on the server); the next sync starts afresh.",
                ),
            )
            .filter(sync_run::Column::Id.eq(run_id))
            .filter(sync_run::Column::Holder.eq(holder))
            .exec(&txn)
            .await?;
        if ended.rows_affected == 1 {
            tiktok_ad_account::Entity::update_many()
                .col_expr(tiktok_ad_account::Column::NextSyncAt, Expr::value(next))
                .col_expr(tiktok_ad_account::Column::LastRunId, Expr::value(run_id))
                .col_expr(tiktok_ad_account::Column::UpdatedAt, Expr::value(now))
                .filter(tiktok_ad_account::Column::Id.eq(account_id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await
    }

    async fn execute_in_span(
        &self,
        run: sync_run::Model,
        account: tiktok_ad_account::Model,
        holder: String,
        stop: &CancellationToken,
    ) -> Result<Outcome, SyncError> {
        let run_id = run.id;
        let mut ctx = RunCtx {
            run_id,
            holder,
            paths: self.paths_for(account.id).await?,
            account,
            cursor: Cursor::parse(run.cursor.as_deref()),
            counts: run.counts.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default(),
            step_errors: run.step_errors.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default(),
            data_check: run.data_check.as_deref().and_then(|c| serde_json::from_str(c).ok()),
            client: self.tiktok.metered(),
            path_errors: Vec::new(),
            earlier_requests: run.requests,
            earlier_rate_limited: run.rate_limit_waits,
            key_missing: None,
            stop: stop.clone(),
        };
        tracing::info!(trigger = ?run.trigger, step = ctx.cursor.step.key(), page = ctx.cursor.page, "sync run started");
        let lost = CancellationToken::new();
        let heartbeat =
            tokio::spawn(self.clone().heartbeat(run_id, ctx.holder.clone(), ctx.client.clone(), lost.clone()));
        let _stop_heartbeat = AbortOnDrop(heartbeat);

        let (turn_ends, trigger) = (self.clock.now() + TURN, run.trigger);
        loop {
            if lost.is_cancelled() {
                tracing::warn!("another instance took this sync run over; stopping here");
                return Ok(Outcome::LostLease { run_id });
            }
            // A big account must not hold this worker while others wait: after its turn it goes
            // back behind them, its place kept (progress is saved at every page).
            if self.clock.now() >= turn_ends && ctx.cursor.may_yield() && self.others_waiting(run_id, trigger).await? {
                self.hand_back_to_queue_end(run_id, &ctx.holder).await?;
                tracing::info!(
                    step = ctx.cursor.step.key(),
                    page = ctx.cursor.page,
                    "sync run gave its turn to waiting accounts"
                );
                return Ok(Outcome::Yielded { run_id });
            }
            if stop.is_cancelled() {
                self.hand_back(run_id, &ctx.holder).await?;
                tracing::info!(
                    step = ctx.cursor.step.key(),
                    page = ctx.cursor.page,
                    "sync run paused for shutdown; it resumes here"
                );
                return Ok(Outcome::Paused { run_id });
            }
            let step = ctx.cursor.step;
            if step == Step::Done {
                break;
            }
            let result = match step {
                Step::Advertiser => self.advertiser_step(&mut ctx).await,
                Step::Campaigns
                | Step::AdGroups
                | Step::Ads
                | Step::Images
                | Step::Videos
                | Step::Audiences
                | Step::Pixels => self.entity_page(&mut ctx).await,
                Step::PixelStats => self.pixel_stats_page(&mut ctx).await,
                Step::Insights => self.insights_page(&mut ctx).await,
                Step::DataCheck => self.data_check_step(&mut ctx).await,
                Step::Done => Ok(Page::StepDone),
            };
            match result {
                // Progress: an outage later starts its count of deferrals afresh.
                Ok(Page::More | Page::Advanced) => ctx.cursor.deferrals = 0,
                Ok(Page::StepDone) => {
                    ctx.cursor.deferrals = 0;
                    ctx.cursor.advance();
                    if !self.save_progress_alone(&ctx).await? {
                        tracing::warn!("another instance took this sync run over; stopping here");
                        return Ok(Outcome::LostLease { run_id });
                    }
                }
                Err(Stop::SkipStep(error)) => {
                    tracing::warn!(
                        step = step.key(),
                        code = error.code,
                        "{}: step skipped: {}",
                        step.key(),
                        error.message
                    );
                    ctx.step_errors.push(error);
                    ctx.cursor.advance();
                    if !self.save_progress_alone(&ctx).await? {
                        tracing::warn!("another instance took this sync run over; stopping here");
                        return Ok(Outcome::LostLease { run_id });
                    }
                }
                Err(Stop::Fail { kind, evidence }) if ctx.cursor.deferrals < DEFERRALS && is_passing(&kind) => {
                    // TikTok is busy or failing for now: keep the cursor, try again later.
                    ctx.cursor.deferrals += 1;
                    let retry_at = self.clock.now() + chrono::Duration::minutes(1 << ctx.cursor.deferrals.min(5));
                    tracing::warn!(step = step.key(), %retry_at, "sync run deferred: {evidence}");
                    return match self.defer(&ctx, retry_at, &kind, &evidence).await? {
                        true => Ok(Outcome::Paused { run_id }),
                        false => Ok(Outcome::LostLease { run_id }),
                    };
                }
                Err(Stop::Fail { kind, evidence }) => {
                    tracing::warn!(step = step.key(), "sync run failed: {evidence}");
                    self.finish(&ctx, RunStatus::Failed, Some((kind, evidence))).await?;
                    return Ok(Outcome::Finished { run_id, account_id: ctx.account.id, succeeded: false });
                }
                Err(Stop::LostLease) => {
                    tracing::warn!("another instance took this sync run over; stopping here");
                    return Ok(Outcome::LostLease { run_id });
                }
                // The loop's top hands the run back.
                Err(Stop::Shutdown) => {}
                Err(Stop::Db(e)) => return Err(e.into()),
            }
        }
        self.finish(&ctx, RunStatus::Succeeded, None).await?;
        if ctx.counts.values().sum::<u64>() >= store::BULK_ROWS {
            // Not worth failing a finished run for: the database's own upkeep catches up later.
            if let Err(e) = store::refresh_statistics(&self.db).await {
                tracing::warn!(error = %e, "could not refresh the planner's statistics after a large sync");
            }
        }
        let (requests, rate_limited) = ctx.totals();
        tracing::info!(
            requests,
            rate_limited,
            step_errors = ctx.step_errors.len(),
            counts = %to_json(&ctx.counts),
            "sync run succeeded"
        );
        Ok(Outcome::Finished { run_id, account_id: ctx.account.id, succeeded: true })
    }

    /// The connections that reach an account, healthy ones first, the one that worked last first.
    async fn paths_for(&self, account_id: i32) -> Result<Vec<Path>, DbErr> {
        let paths = tiktok_access_path::Entity::find()
            .filter(tiktok_access_path::Column::AdAccountId.eq(account_id))
            .find_also_related(tiktok_connection::Entity)
            .order_by_with_nulls(
                tiktok_access_path::Column::LastSuccessAt,
                sea_orm::Order::Desc,
                sea_orm::sea_query::NullOrdering::Last,
            )
            .all(&self.db)
            .await?;
        Ok(paths
            .into_iter()
            .filter(|(_, c)| c.as_ref().is_some_and(|c| c.auth_status == AuthStatus::Healthy))
            .map(|(p, _)| Path { path_id: p.id, connection_id: p.connection_id })
            .collect())
    }

    /// Calls TikTok for the run through its first working connection; a connection whose token
    /// TikTok no longer accepts is recorded on its path and the next one is tried (failover).
    pub(super) async fn call<T, F, Fut>(&self, ctx: &mut RunCtx, call: F) -> Result<T, CallFailure>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, TikTokError>>,
    {
        loop {
            let Some(path) = ctx.paths.first().cloned() else {
                if let Some(evidence) = ctx.key_missing.take() {
                    return Err(CallFailure::KeyMissing(evidence));
                }
                let evidence = match ctx.path_errors.last() {
                    Some(last) => {
                        format!("No connection with a working token reaches this advertiser (latest: {last}).")
                    }
                    None => "No connection reaches this advertiser any more.".to_owned(),
                };
                return Err(CallFailure::NoConnection(evidence));
            };
            // Reads only, and a refresh runs in its own task: dropping the call loses nothing.
            let stop = ctx.stop.clone();
            let answer = tokio::select! {
                biased;
                () = stop.cancelled() => return Err(CallFailure::Stopped),
                answer = self.credentials.with_token(path.connection_id, &call) => answer,
            };
            match answer {
                Ok(value) => return Ok(value),
                Err(CredentialError::TikTok(e)) => return Err(CallFailure::TikTok(e)),
                Err(CredentialError::Db(e)) => return Err(CallFailure::Db(e)),
                // Our settings lack that token's key: nothing to mark, but another connection may
                // still read the account.
                Err(CredentialError::KeyMissing(evidence)) => {
                    ctx.paths.remove(0);
                    ctx.key_missing = Some(evidence);
                }
                Err(CredentialError::NeedsReconnect { evidence }) => {
                    self.path_failed(&path, &evidence).await.map_err(CallFailure::Db)?;
                    ctx.path_errors.push(evidence);
                    ctx.paths.remove(0);
                }
                Err(CredentialError::Gone(_)) => {
                    ctx.paths.remove(0);
                }
            }
        }
    }

    async fn path_failed(&self, path: &Path, evidence: &str) -> Result<(), DbErr> {
        tracing::warn!(
            connection.id = path.connection_id,
            "a connection can no longer read this advertiser; trying the next one"
        );
        tiktok_access_path::Entity::update_many()
            .col_expr(tiktok_access_path::Column::LastError, Expr::value(evidence))
            .col_expr(tiktok_access_path::Column::LastErrorAt, Expr::value(self.clock.now()))
            .filter(tiktok_access_path::Column::Id.eq(path.path_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// What a failed call means for the step it was made in.
    pub(super) fn stop_for(&self, step: Step, failure: CallFailure) -> Stop {
        match failure {
            CallFailure::Db(e) => Stop::Db(e),
            CallFailure::Stopped => Stop::Shutdown,
            CallFailure::NoConnection(evidence) => Stop::Fail { kind: "needs_reconnect".into(), evidence },
            CallFailure::KeyMissing(evidence) => Stop::Fail { kind: "key_missing".into(), evidence },
            CallFailure::TikTok(err) if err.kind == ErrorKind::Permission => {
                Stop::SkipStep(super::evidence::step_error(step.key(), &err, self.clock.now()))
            }
            CallFailure::TikTok(err) => {
                Stop::Fail { kind: err.kind.as_str().to_owned(), evidence: evidence(&err, self.clock.now()) }
            }
        }
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
    async fn save_progress_alone(&self, ctx: &RunCtx) -> Result<bool, SyncError> {
        let txn = self.db.begin().await?;
        match self.commit_page(txn, ctx).await {
            Ok(()) => Ok(true),
            Err(Stop::LostLease) => Ok(false),
            Err(Stop::Db(e)) => Err(e.into()),
            Err(_) => Ok(true),
        }
    }

    /// The cursor, counts and evidence, and a renewed lease; false when this instance no longer
    /// holds the run.
    async fn save_progress(&self, txn: &DatabaseTransaction, ctx: &RunCtx, waited: bool) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let mut cursor = ctx.cursor.clone();
        if !waited {
            cursor.deferrals = 0;
        }
        let (done, total) = ctx.cursor.step.position();
        let (requests, rate_limited) = ctx.totals();
        let updated = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Step, Expr::value(ctx.cursor.step.key()))
            .col_expr(sync_run::Column::Cursor, Expr::value(cursor.to_json()))
            .col_expr(sync_run::Column::ProgressDone, Expr::value(done - 1))
            .col_expr(sync_run::Column::ProgressTotal, Expr::value(total))
            .col_expr(sync_run::Column::Counts, Expr::value(to_json(&ctx.counts)))
            .col_expr(sync_run::Column::StepErrors, Expr::value(errors_json(&ctx.step_errors)))
            .col_expr(sync_run::Column::DataCheck, Expr::value(ctx.data_check.as_ref().map(to_json)))
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

    fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::seconds(60))
    }

    /// Keeps the lease while the run waits on TikTok, and says when it waits on a rate limit:
    /// it looks every 2 s, and writes when the lease is a third through or the wait changed.
    async fn heartbeat(self, run_id: i32, holder: String, client: TikTokClient, lost: CancellationToken) {
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

    /// TikTok could not answer: the run goes back to the queue with its cursor and progress,
    /// not to be claimed before `retry_at`; the card says why and when.
    async fn defer(&self, ctx: &RunCtx, retry_at: DateTime<Utc>, kind: &str, evidence: &str) -> Result<bool, DbErr> {
        let txn = self.db.begin().await?;
        if !self.save_progress(&txn, ctx, true).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Status, Expr::value(RunStatus::Queued))
            .col_expr(sync_run::Column::Holder, Expr::value(Option::<String>::None))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::RetryAt, Expr::value(retry_at))
            .col_expr(sync_run::Column::ErrorKind, Expr::value(kind))
            .col_expr(sync_run::Column::ErrorMessage, Expr::value(evidence))
            .filter(sync_run::Column::Id.eq(ctx.run_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Hands back the runs the database went away under (only those still ours).
    pub(super) async fn release_orphans(&self) -> Result<(), DbErr> {
        let orphans = std::mem::take(&mut *self.orphans.lock().unwrap_or_else(|p| p.into_inner()));
        for (i, (run_id, holder)) in orphans.iter().enumerate() {
            if let Err(e) = self.hand_back(*run_id, holder).await {
                self.orphans.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(&orphans[i..]);
                return Err(e);
            }
            tracing::info!(run.id = run_id, "the database is back; the run it went away under is queued to resume");
        }
        Ok(())
    }

    /// Whether another run is waiting that a claim would take before this one (first syncs and
    /// manual runs go before scheduled ones, so a first sync yields only to its peers).
    async fn others_waiting(&self, run_id: i32, trigger: RunTrigger) -> Result<bool, DbErr> {
        let mut waiting =
            sync_run::Entity::find().filter(Self::claimable(self.clock.now())).filter(sync_run::Column::Id.ne(run_id));
        if trigger != RunTrigger::Scheduled {
            waiting = waiting.filter(sync_run::Column::Trigger.ne(RunTrigger::Scheduled));
        }
        let waiting = waiting.select_only().column(sync_run::Column::Id).into_tuple::<i32>().one(&self.db).await?;
        Ok(waiting.is_some())
    }

    /// Hands the run back as if queued now, so the runs already waiting go first.
    async fn hand_back_to_queue_end(&self, run_id: i32, holder: &str) -> Result<(), DbErr> {
        self.hand_back_with(run_id, holder, Some(self.clock.now())).await
    }

    /// Shutdown: the run goes back to the queue with its cursor, for any instance to resume.
    async fn hand_back(&self, run_id: i32, holder: &str) -> Result<(), DbErr> {
        self.hand_back_with(run_id, holder, None).await
    }

    async fn hand_back_with(&self, run_id: i32, holder: &str, queued_at: Option<DateTime<Utc>>) -> Result<(), DbErr> {
        let mut update = sync_run::Entity::update_many();
        if let Some(at) = queued_at {
            update = update.col_expr(sync_run::Column::QueuedAt, Expr::value(at));
        }
        update
            .col_expr(sync_run::Column::Status, Expr::value(RunStatus::Queued))
            .col_expr(sync_run::Column::Holder, Expr::value(Option::<String>::None))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::WaitingUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(sync_run::Column::Id.eq(run_id))
            .filter(sync_run::Column::Holder.eq(holder))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends a run: its status and evidence, the account's last sync and next one, and the
    /// path that worked.
    async fn finish(&self, ctx: &RunCtx, status: RunStatus, failure: Option<(String, String)>) -> Result<(), DbErr> {
        let now = self.clock.now();
        let next = now + chrono::Duration::from_std(self.settings.interval).unwrap_or(chrono::Duration::minutes(15));
        let (requests, rate_limited) = ctx.totals();
        let (kind, message) = failure.unzip();
        let txn = self.db.begin().await?;
        let ended = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Status, Expr::value(status))
            .col_expr(sync_run::Column::FinishedAt, Expr::value(now))
            .col_expr(sync_run::Column::Holder, Expr::value(Option::<String>::None))
            .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::WaitingUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::ErrorKind, Expr::value(kind))
            .col_expr(sync_run::Column::ErrorMessage, Expr::value(message))
            .col_expr(sync_run::Column::Counts, Expr::value(to_json(&ctx.counts)))
            .col_expr(sync_run::Column::StepErrors, Expr::value(errors_json(&ctx.step_errors)))
            .col_expr(sync_run::Column::DataCheck, Expr::value(ctx.data_check.as_ref().map(to_json)))
            .col_expr(sync_run::Column::Requests, Expr::value(requests))
            .col_expr(sync_run::Column::RateLimitWaits, Expr::value(rate_limited))
            .filter(sync_run::Column::Id.eq(ctx.run_id))
            .filter(sync_run::Column::Holder.eq(ctx.holder.clone()))
            .exec(&txn)
            .await?;
        if ended.rows_affected == 1 {
            let mut account = tiktok_ad_account::Entity::update_many()
                .col_expr(tiktok_ad_account::Column::NextSyncAt, Expr::value(next))
                .col_expr(tiktok_ad_account::Column::LastRunId, Expr::value(ctx.run_id))
                .col_expr(tiktok_ad_account::Column::UpdatedAt, Expr::value(now));
            if status == RunStatus::Succeeded {
                account = account.col_expr(tiktok_ad_account::Column::LastSyncedAt, Expr::value(now));
                if let Some(path) = ctx.paths.first() {
                    tiktok_access_path::Entity::update_many()
                        .col_expr(tiktok_access_path::Column::LastSuccessAt, Expr::value(now))
                        .filter(tiktok_access_path::Column::Id.eq(path.path_id))
                        .exec(&txn)
                        .await?;
                }
            }
            account.filter(tiktok_ad_account::Column::Id.eq(ctx.account.id)).exec(&txn).await?;
        }
        txn.commit().await
    }
}

fn errors_json(errors: &[StepError]) -> Option<String> {
    (!errors.is_empty()).then(|| to_json(&errors))
}

/// TikTok's words, code, request id and the time, for people to read on the card.
pub(super) fn evidence(err: &TikTokError, at: DateTime<Utc>) -> String {
    format!("{err} at {}", at.format("%Y-%m-%d %H:%M UTC"))
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
