//! Runs a person asks for: Sync now, and Retry on a stuck sync.

use super::{enqueue, AccountId, RunQueue};
use crate::db::{
    entities::{
        sync_run::{self, FailureKind, RunStatus, RunTrigger, STUCK_AFTER},
        tiktok_ad_account,
    },
    locks,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use std::collections::HashSet;

/// How often a person's Sync now reads an account's whole attribution window, at most.
pub const SYNC_NOW_EVERY: chrono::Duration = chrono::Duration::minutes(5);

/// What a Sync now did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    /// Runs queued (an account with a run already queued or running gets none).
    pub queued: u64,
    /// Accounts left as they were: a person asked for them within [`SYNC_NOW_EVERY`].
    pub asked_lately: usize,
    /// When a person last asked for (or started) one of those.
    pub last_asked: Option<DateTime<Utc>>,
}

impl RunQueue {
    /// Sync now on `accounts`: a run put back until TikTok answers again is asked to try now,
    /// and as a person's run (it reads the whole attribution window, unless it is already past
    /// planning its days); an account with none gets a manual run. An account whose last manual
    /// run was asked for, started or claimed within [`SYNC_NOW_EVERY`] (and did not fail) is left
    /// as it is: clicking again reads nothing twice and spends none of TikTok's budget.
    pub async fn ask_now(&self, accounts: &[AccountId]) -> Result<Asked, DbErr> {
        let now = self.clock.now();
        let since = now - SYNC_NOW_EVERY;
        let ids: Vec<i32> = accounts.iter().map(|a| a.0).collect();
        let recent: Vec<(i32, DateTime<Utc>, Option<DateTime<Utc>>)> = sync_run::Entity::find()
            .select_only()
            .columns([sync_run::Column::AdAccountId, sync_run::Column::QueuedAt, sync_run::Column::StartedAt])
            .filter(sync_run::Column::AdAccountId.is_in(ids.clone()))
            .filter(sync_run::Column::Trigger.eq(RunTrigger::Manual))
            // One that failed or was stopped read nothing a person could use: asking again reads.
            .filter(sync_run::Column::Status.is_in([RunStatus::Queued, RunStatus::Running, RunStatus::Succeeded]))
            // Queued, started or last claimed lately (a run put back to wait keeps its old times).
            .filter(
                Condition::any()
                    .add(sync_run::Column::QueuedAt.gt(since))
                    .add(sync_run::Column::StartedAt.gt(since))
                    .add(sync_run::Column::HeartbeatAt.gt(since)),
            )
            .into_tuple()
            .all(&self.db)
            .await?;
        let last_asked = recent.iter().map(|(_, queued, started)| started.map_or(*queued, |s| s.max(*queued))).max();
        let asked_lately: HashSet<i32> = recent.iter().map(|(id, ..)| *id).collect();
        let due: Vec<AccountId> = accounts.iter().copied().filter(|a| !asked_lately.contains(&a.0)).collect();
        let due_ids: Vec<i32> = due.iter().map(|a| a.0).collect();
        sync_run::Entity::update_many()
            .col_expr(sync_run::Column::RetryAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::Trigger, Expr::value(RunTrigger::Manual))
            .filter(sync_run::Column::AdAccountId.is_in(due_ids))
            .filter(sync_run::Column::Status.eq(RunStatus::Queued))
            .exec(&self.db)
            .await?;
        let queued = enqueue(&self.db, due.iter().copied(), RunTrigger::Manual, now).await?;
        Ok(Asked { queued, asked_lately: asked_lately.len(), last_asked })
    }

    /// Retry on a stuck sync: the account's running run that made no progress for
    /// [`STUCK_AFTER`] stops, saying `stopped_by` stopped it, and a manual run takes its place.
    /// A queued run (waiting out TikTok, say) is not stuck, and asking again must not end it; with
    /// no stuck run it is a Sync now, with its limit (clicking Retry again reads nothing twice).
    pub async fn retry_stuck(&self, account: AccountId, stopped_by: &str) -> Result<(), DbErr> {
        let now = self.clock.now();
        let stuck = || {
            Condition::all()
                .add(sync_run::Column::AdAccountId.eq(account.0))
                .add(sync_run::Column::Status.eq(RunStatus::Running))
                .add(sync_run::Column::LastProgressAt.lte(now - STUCK_AFTER))
        };
        let txn = self.db.begin().await?;
        locks::lock_accounts(&txn, [account.0]).await?;
        let stuck_run: Option<i32> = sync_run::Entity::find()
            .select_only()
            .column(sync_run::Column::Id)
            .filter(stuck())
            .into_tuple()
            .one(&txn)
            .await?;
        let mut replaced = false;
        if let Some(run_id) = stuck_run {
            let stopped = sync_run::Entity::update_many()
                .col_expr(sync_run::Column::Status, Expr::value(RunStatus::Failed))
                .col_expr(sync_run::Column::FinishedAt, Expr::value(now))
                .col_expr(sync_run::Column::Holder, Expr::value(Option::<String>::None))
                .col_expr(sync_run::Column::LeaseExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(sync_run::Column::WaitingUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(sync_run::Column::ErrorKind, Expr::value(FailureKind::Stuck))
                .col_expr(
                    sync_run::Column::ErrorMessage,
                    Expr::value(format!("Stopped by {stopped_by} after no progress for over an hour.")),
                )
                .filter(sync_run::Column::Id.eq(run_id))
                .filter(stuck())
                .exec(&txn)
                .await?;
            // The stopped run is the account's last one, as any ended run is.
            replaced = stopped.rows_affected == 1;
            if replaced {
                tiktok_ad_account::Entity::update_many()
                    .col_expr(tiktok_ad_account::Column::LastRunId, Expr::value(run_id))
                    .col_expr(tiktok_ad_account::Column::UpdatedAt, Expr::value(now))
                    .filter(tiktok_ad_account::Column::Id.eq(account.0))
                    .exec(&txn)
                    .await?;
            }
        }
        if !replaced {
            txn.commit().await?;
            return self.ask_now(&[account]).await.map(drop);
        }
        enqueue(&txn, [account], RunTrigger::Manual, now).await?;
        txn.commit().await
    }
}
