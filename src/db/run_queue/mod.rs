//! The run queue: the one owner of the `sync_run` table. Nothing else writes it.
//!
//! The connect flow asks it to [`enqueue`] a first sync and to [`cancel`] an account's runs; the
//! sync engine asks it for due runs ([`RunQueue::schedule_due`]), [`RunQueue::claim`]s one (a
//! [`Lease`] on its row; on Postgres `FOR UPDATE SKIP LOCKED`, so instances never run the same
//! account) and, while the lease is its own, saves progress, defers, hands back or finishes it.
//! Every write of a held run checks the claim's name on the row, so a worker whose lease lapsed
//! writes nothing beside the one that took over. The database keeps one queued or running run
//! per account (a partial unique index): queueing is an insert that does nothing when one exists.

mod asked;
mod claim;
pub mod cursor;
mod lease;
mod prune;

pub use crate::model::ids::{AccountId, RunId};
pub use asked::{Asked, SYNC_NOW_EVERY};
pub use claim::{explain_claim, AHEAD_FOR};
pub use lease::Progress;
pub use prune::{prune_runs, KEEP_RUNS};

use crate::{
    clock::Clock,
    db::entities::{
        sync_run::{self, RunStatus, RunTrigger},
        tiktok_ad_account,
    },
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};
use std::{sync::Arc, time::Duration};

/// How long leases last and how often accounts sync: the engine's settings, as the queue needs them.
#[derive(Debug, Clone)]
pub struct Terms {
    /// How long a claim holds a run without a word from its worker.
    pub lease: Duration,
    /// Time between the end of one run of an account and its next scheduled one.
    pub interval: Duration,
    /// This instance's name on the runs it claims.
    pub instance_id: String,
    /// How many steps a run has (shown as "3 of 12" from its claim on).
    pub steps: i32,
}

/// The queue as one instance's sync engine uses it. Cheap to clone.
#[derive(Clone)]
pub struct RunQueue {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    terms: Arc<Terms>,
}

/// A claim on a run: the run, its account, and the claim's name on the row (the instance plus
/// a nonce, so that a worker whose lease lapsed cannot write beside the one that took over, even
/// in the same process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    run: RunId,
    account: AccountId,
    holder: String,
}

impl Lease {
    pub fn run(&self) -> RunId {
        self.run
    }
}

/// A run this instance holds, and its account.
pub struct Claimed {
    pub run: sync_run::Model,
    pub account: tiktok_ad_account::Model,
    pub lease: Lease,
}

impl RunQueue {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, terms: Terms) -> Self {
        Self { db, clock, terms: Arc::new(terms) }
    }

    fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.terms.lease).unwrap_or(chrono::Duration::seconds(60))
    }

    fn next_sync_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + chrono::Duration::from_std(self.terms.interval).unwrap_or(chrono::Duration::minutes(15))
    }
}

/// Queues a run of `trigger` for each account that has none queued or running; returns how
/// many were queued. In the caller's transaction (Import selected queues first syncs in its own).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    accounts: impl IntoIterator<Item = AccountId>,
    trigger: RunTrigger,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let rows: Vec<sync_run::ActiveModel> = accounts
        .into_iter()
        .map(|id| sync_run::ActiveModel {
            ad_account_id: Set(id.0),
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

/// Ends the account's queued and running runs as cancelled (Disconnect, Manage accounts): a
/// running run's worker finds at its next write that the run is no longer its own and writes
/// nothing more, so the account's last sync and next one stay as they were. The caller holds the
/// account's lock, then its runs' (`db::locks::lock_accounts_then_runs`).
pub async fn cancel(db: &impl ConnectionTrait, account: AccountId, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let cancelled = sync_run::Entity::update_many()
        .col_expr(sync_run::Column::Status, Expr::value(RunStatus::Cancelled))
        .col_expr(sync_run::Column::FinishedAt, Expr::value(now))
        .col_expr(sync_run::Column::Holder, Expr::value(Option::<String>::None))
        .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(sync_run::Column::WaitingUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(sync_run::Column::AdAccountId.eq(account.0))
        .filter(sync_run::Column::Status.is_in(RunStatus::ACTIVE))
        .exec(db)
        .await?;
    Ok(cancelled.rows_affected)
}
