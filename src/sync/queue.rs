//! The queue: due accounts get a scheduled run; runs are claimed with a lease (first syncs and
//! manual runs first); a paused run goes back; a finished one sets the account's next sync.
//! The database keeps one queued or running run per account (a partial unique index), so
//! queueing is an insert that does nothing when one exists.

use super::{SyncEngine, SyncError};
use crate::db::entities::{
    sync_run::{self, RunStatus, RunTrigger},
    tiktok_ad_account::{self, SyncState},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict, Query},
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Statement, TransactionTrait,
};

/// A run this instance holds, and its account.
pub(super) struct Claimed {
    pub run: sync_run::Model,
    pub account: tiktok_ad_account::Model,
    /// This claim's name on the run: the instance plus a nonce, so that a worker whose lease
    /// lapsed (a long database outage) cannot go on writing beside the worker that took over,
    /// even in the same process.
    pub holder: String,
}

/// What a claim reads of a run: id, account, and when it started and last moved.
type ClaimRow = (i32, i32, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Queues a run of `trigger` for each account that has none queued or running; returns how
/// many were queued.
pub async fn queue_runs(
    db: &impl ConnectionTrait,
    account_ids: impl IntoIterator<Item = i32>,
    trigger: RunTrigger,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let rows: Vec<sync_run::ActiveModel> = account_ids
        .into_iter()
        .map(|id| sync_run::ActiveModel {
            ad_account_id: Set(id),
            trigger: Set(trigger),
            status: Set(RunStatus::Queued),
            queued_at: Set(now),
            ..Default::default()
        })
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    sync_run::Entity::insert_many(rows)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await
}

impl SyncEngine {
    /// Queues a scheduled run for every active account whose next sync is due.
    pub(super) async fn schedule_due(&self) -> Result<u64, SyncError> {
        let now = self.clock.now();
        let due: Vec<i32> = tiktok_ad_account::Entity::find()
            .select_only()
            .column(tiktok_ad_account::Column::Id)
            .filter(tiktok_ad_account::Column::SyncState.eq(SyncState::Active))
            .filter(tiktok_ad_account::Column::NextSyncAt.lte(now))
            // Accounts already queued or running are left out: re-inserting them would do nothing
            // but take a sequence number each time on Postgres, and crowd the 500 out.
            // (Correlated, so the (account, status) index answers it.)
            .filter(
                Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(sync_run::Entity)
                        .and_where(
                            Expr::col((sync_run::Entity, sync_run::Column::AdAccountId))
                                .equals((tiktok_ad_account::Entity, tiktok_ad_account::Column::Id)),
                        )
                        .and_where(sync_run::Column::Status.is_in([RunStatus::Queued, RunStatus::Running]))
                        .to_owned(),
                )
                .not(),
            )
            .order_by_asc(tiktok_ad_account::Column::NextSyncAt)
            .limit(500)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(queue_runs(&self.db, due, RunTrigger::Scheduled, now).await?)
    }

    pub(super) fn claimable(now: DateTime<Utc>) -> Condition {
        // The status is said once more on its own so that both planners reach the rows through
        // the (status, queued_at) index however many finished runs the table keeps.
        let active = sync_run::Column::Status.is_in(RunStatus::ACTIVE);
        let queued = Condition::all()
            .add(sync_run::Column::Status.eq(RunStatus::Queued))
            .add(Condition::any().add(sync_run::Column::RetryAt.is_null()).add(sync_run::Column::RetryAt.lte(now)));
        Condition::all().add(active).add(
            Condition::any().add(queued).add(
                Condition::all()
                    .add(sync_run::Column::Status.eq(RunStatus::Running))
                    .add(sync_run::Column::LeaseExpiresAt.lt(now)),
            ),
        )
    }

    /// The next claimable run, first syncs and manual runs before scheduled ones, oldest first.
    fn next_claimable(now: DateTime<Utc>) -> Select<sync_run::Entity> {
        sync_run::Entity::find()
            .filter(Self::claimable(now))
            .order_by(
                Into::<Expr>::into(Expr::case(sync_run::Column::Trigger.eq(RunTrigger::Scheduled), 1).finally(0)),
                Order::Asc,
            )
            .order_by_asc(sync_run::Column::QueuedAt)
            // Runs queued at the same instant go in the order they were made, on both
            // databases (Postgres would otherwise return whichever row it updated last).
            .order_by_asc(sync_run::Column::Id)
            .limit(1)
    }

    /// Claims the next run: first syncs and manual runs before scheduled ones, oldest first; a
    /// running run whose lease expired (its instance died) is taken over and resumes.
    pub(super) async fn claim(&self) -> Result<Option<Claimed>, SyncError> {
        let postgres = self.db.get_database_backend() == DatabaseBackend::Postgres;
        for _ in 0..3 {
            let now = self.clock.now();
            let lease_until =
                now + chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::seconds(60));
            let next = Self::next_claimable(now);
            // Postgres: several instances each skip the rows another is claiming right now. SQLite
            // (one instance) needs no lock, and a read-then-write transaction there could not
            // wait for the write lock: the conditional update below is the claim on both.
            let txn = if postgres { Some(self.db.begin().await?) } else { None };
            // Only the columns the claim needs: a row this build cannot read whole must not
            // keep every worker from claiming (it is ended below instead).
            let next = next.select_only().columns([
                sync_run::Column::Id,
                sync_run::Column::AdAccountId,
                sync_run::Column::StartedAt,
                sync_run::Column::LastProgressAt,
            ]);
            let run = match &txn {
                Some(txn) => {
                    next.lock_with_behavior(
                        sea_orm::sea_query::LockType::Update,
                        sea_orm::sea_query::LockBehavior::SkipLocked,
                    )
                    .into_tuple::<ClaimRow>()
                    .one(txn)
                    .await?
                }
                None => next.into_tuple::<ClaimRow>().one(&self.db).await?,
            };
            let Some((run_id, account_id, started_at, last_progress_at)) = run else {
                if let Some(txn) = txn {
                    txn.commit().await?;
                }
                return Ok(None);
            };
            let holder = format!("{}/{:012x}", self.settings.instance_id, rand::random::<u64>() >> 16);
            let update = sync_run::Entity::update_many()
                .col_expr(sync_run::Column::Status, Expr::value(RunStatus::Running))
                .col_expr(sync_run::Column::Holder, Expr::value(holder.clone()))
                .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(lease_until))
                .col_expr(sync_run::Column::HeartbeatAt, Expr::value(now))
                .col_expr(sync_run::Column::RetryAt, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(sync_run::Column::Attempt, Expr::col(sync_run::Column::Attempt).add(1))
                .col_expr(sync_run::Column::StartedAt, Expr::value(started_at.unwrap_or(now)))
                .col_expr(sync_run::Column::LastProgressAt, Expr::value(last_progress_at.unwrap_or(now)))
                .filter(sync_run::Column::Id.eq(run_id))
                .filter(Self::claimable(now));
            let taken = match txn {
                Some(txn) => {
                    let taken = update.exec(&txn).await?;
                    txn.commit().await?;
                    taken
                }
                None => update.exec(&self.db).await?,
            };
            if taken.rows_affected != 1 {
                continue; // another worker got it first
            }
            let Some(account) = tiktok_ad_account::Entity::find_by_id(account_id).one(&self.db).await? else {
                continue;
            };
            let run = match sync_run::Entity::find_by_id(run_id).one(&self.db).await {
                Ok(Some(run)) => run,
                Ok(None) => continue,
                Err(e) if crate::error::is_connection_error(&e) => return Err(e.into()),
                Err(e) => {
                    tracing::error!(run.id = run_id, account.id = account_id, error = %e, "a sync run's stored state could not be read; it ends failed");
                    self.end_unreadable(run_id, account_id, &holder).await?;
                    continue;
                }
            };
            if run.attempt > 1 {
                tracing::info!(
                    run.id = run.id,
                    account.id = account.id,
                    attempt = run.attempt,
                    "took over a sync run whose lease expired; resuming"
                );
            }
            return Ok(Some(Claimed { run, account, holder }));
        }
        Ok(None)
    }
}

/// How the database plans the claim query (`EXPLAIN`), one line per plan row: the claim must
/// reach its rows through an index whatever the number of finished runs.
pub async fn explain_claim(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<String, DbErr> {
    let backend = db.get_database_backend();
    let query = SyncEngine::next_claimable(now).build(backend);
    let (prefix, column) = match backend {
        DatabaseBackend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
        _ => ("EXPLAIN QUERY PLAN ", "detail"),
    };
    let explain = Statement { sql: format!("{prefix}{}", query.sql), ..query };
    let mut lines = Vec::new();
    for row in db.query_all_raw(explain).await? {
        lines.push(row.try_get::<String>("", column)?);
    }
    Ok(lines.join("\n"))
}
