//! Which run goes next: due accounts get a scheduled run, and runs are claimed with a lease
//! (first syncs, manual runs and scheduled runs waiting since [`AHEAD_FOR`] before the other
//! scheduled ones, oldest first; a running run whose lease lapsed is taken over and resumes).

use super::{enqueue, Claimed, Lease, RunQueue};
use crate::{
    db::{
        entities::{
            sync_run::{self, FailureKind, RunStatus, RunTrigger},
            tiktok_ad_account::{self, SyncState},
        },
        locks,
    },
    model::ids::{AccountId, RunId},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Statement, TransactionTrait,
};

/// How long a scheduled run waits behind first syncs and manual runs before it joins them.
pub const AHEAD_FOR: chrono::Duration = chrono::Duration::minutes(2);

/// What a claim reads of a run: id, account, and when it started and last moved.
type ClaimRow = (i32, i32, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl RunQueue {
    /// Queues a scheduled run for every active account whose next sync is due.
    pub async fn schedule_due(&self) -> Result<u64, DbErr> {
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
            // Accounts due at the same instant are queued in one order on both databases.
            .order_by_asc(tiktok_ad_account::Column::Id)
            .limit(500)
            .into_tuple()
            .all(&self.db)
            .await?;
        enqueue(&self.db, due.into_iter().map(AccountId), RunTrigger::Scheduled, now).await
    }

    fn claimable(now: DateTime<Utc>) -> Condition {
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

    /// Runs that go first: first syncs and manual runs, and scheduled runs that have waited
    /// [`AHEAD_FOR`] (a person's runs have priority but not all of it: a workspace asking
    /// again and again never keeps another's accounts waiting past their time).
    fn first_in_line(now: DateTime<Utc>) -> Condition {
        Condition::any()
            .add(sync_run::Column::Trigger.ne(RunTrigger::Scheduled))
            .add(sync_run::Column::QueuedAt.lte(now - AHEAD_FOR))
    }

    /// The next claimable run: those first in line before the others, oldest first.
    fn next_claimable(now: DateTime<Utc>) -> Select<sync_run::Entity> {
        sync_run::Entity::find()
            .filter(Self::claimable(now))
            .order_by(Into::<Expr>::into(Expr::case(Self::first_in_line(now), 0).finally(1)), Order::Asc)
            .order_by_asc(sync_run::Column::QueuedAt)
            // Runs queued at the same instant go in the order they were made, on both
            // databases (Postgres would otherwise return whichever row it updated last).
            .order_by_asc(sync_run::Column::Id)
            .limit(1)
    }

    /// Claims the next run: first syncs, manual runs and scheduled runs waiting since
    /// [`AHEAD_FOR`] before the others, oldest first; a
    /// running run whose lease expired (its instance died) is taken over and resumes.
    pub async fn claim(&self) -> Result<Option<Claimed>, DbErr> {
        let postgres = self.db.get_database_backend() == DatabaseBackend::Postgres;
        for _ in 0..3 {
            let now = self.clock.now();
            let lease_until = self.lease_until(now);
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
            let holder = format!("{}/{:012x}", self.terms.instance_id, rand::random::<u64>() >> 16);
            let update = sync_run::Entity::update_many()
                .col_expr(sync_run::Column::Status, Expr::value(RunStatus::Running))
                .col_expr(sync_run::Column::Holder, Expr::value(holder.clone()))
                .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(lease_until))
                .col_expr(sync_run::Column::HeartbeatAt, Expr::value(now))
                .col_expr(sync_run::Column::RetryAt, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(sync_run::Column::Attempt, Expr::col(sync_run::Column::Attempt).add(1))
                .col_expr(sync_run::Column::ProgressTotal, Expr::value(self.terms.steps))
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
                Err(e) if crate::error::is_connection_error(&e) => return Err(e),
                Err(e) => {
                    tracing::error!(run.id = run_id, account.id = account_id, error = %e, "a sync run's stored state could not be read; it ends failed");
                    let lease = Lease { run: RunId(run_id), account: AccountId(account_id), holder };
                    self.end_unreadable(&lease).await?;
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
            let lease = Lease { run: RunId(run.id), account: AccountId(account.id), holder };
            return Ok(Some(Claimed { run, account, lease }));
        }
        Ok(None)
    }

    /// Whether another run is waiting that should have this run's worker at the end of its turn:
    /// any, for a scheduled run; a first sync or a person's run, for one of those (a long first
    /// sync keeps its worker while only scheduled runs wait: the other workers take them).
    pub async fn others_waiting(&self, lease: &Lease, trigger: RunTrigger) -> Result<bool, DbErr> {
        let mut waiting = sync_run::Entity::find()
            .filter(Self::claimable(self.clock.now()))
            .filter(sync_run::Column::Id.ne(lease.run.0));
        if trigger != RunTrigger::Scheduled {
            waiting = waiting.filter(sync_run::Column::Trigger.ne(RunTrigger::Scheduled));
        }
        let waiting = waiting.select_only().column(sync_run::Column::Id).into_tuple::<i32>().one(&self.db).await?;
        Ok(waiting.is_some())
    }

    /// A run's status now (why a run stopped being a claim's: cancelled, or taken over).
    pub async fn status(&self, run: RunId) -> Result<Option<RunStatus>, DbErr> {
        sync_run::Entity::find_by_id(run.0)
            .select_only()
            .column(sync_run::Column::Status)
            .into_tuple::<RunStatus>()
            .one(&self.db)
            .await
    }

    /// A claimed run whose row this build cannot read (a state written by a newer version, say)
    /// fails with that said, so the account's next sync starts afresh instead of the run being
    /// claimed and dropped again and again.
    async fn end_unreadable(&self, lease: &Lease) -> Result<(), DbErr> {
        let failure = (
            FailureKind::InternalError,
            "This sync's saved progress could not be read (logged on the server); the next sync starts afresh."
                .to_owned(),
        );
        let txn = self.db.begin().await?;
        locks::lock_accounts(&txn, [lease.account.0]).await?;
        // Its unreadable progress goes with it: the next run must not meet it again.
        sync_run::Entity::update_many()
            .col_expr(sync_run::Column::Cursor, Expr::value(Option::<super::cursor::Cursor>::None))
            .col_expr(sync_run::Column::Step, Expr::value(Option::<sync_run::Step>::None))
            .filter(sync_run::Column::Id.eq(lease.run.0))
            .filter(sync_run::Column::Holder.eq(&lease.holder))
            .exec(&txn)
            .await?;
        self.end(&txn, lease, RunStatus::Failed, Some(failure)).await?;
        txn.commit().await
    }
}

/// How the database plans the claim query (`EXPLAIN`), one line per plan row: the claim must
/// reach its rows through an index whatever the number of finished runs.
pub async fn explain_claim(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<String, DbErr> {
    let backend = db.get_database_backend();
    let query = RunQueue::next_claimable(now).build(backend);
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
