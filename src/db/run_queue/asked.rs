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

impl RunQueue {
    /// Sync now on `accounts`: a run put back until TikTok answers again is asked to try now,
    /// and as a person's run (it reads the whole attribution window, unless it is already past
    /// planning its days); an account with none gets a manual run. Returns how many were queued.
    pub async fn ask_now(&self, accounts: &[AccountId]) -> Result<u64, DbErr> {
        let ids: Vec<i32> = accounts.iter().map(|a| a.0).collect();
        sync_run::Entity::update_many()
            .col_expr(sync_run::Column::RetryAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(sync_run::Column::Trigger, Expr::value(RunTrigger::Manual))
            .filter(sync_run::Column::AdAccountId.is_in(ids))
            .filter(sync_run::Column::Status.eq(RunStatus::Queued))
            .exec(&self.db)
            .await?;
        enqueue(&self.db, accounts.iter().copied(), RunTrigger::Manual, self.clock.now()).await
    }

    /// Retry on a stuck sync: the account's running run that made no progress for
    /// [`STUCK_AFTER`] stops, saying `stopped_by` stopped it, and a manual run takes its place.
    /// A queued run (waiting out TikTok, say) is not stuck, and asking again must not end it.
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
            if stopped.rows_affected == 1 {
                tiktok_ad_account::Entity::update_many()
                    .col_expr(tiktok_ad_account::Column::LastRunId, Expr::value(run_id))
                    .col_expr(tiktok_ad_account::Column::UpdatedAt, Expr::value(now))
                    .filter(tiktok_ad_account::Column::Id.eq(account.0))
                    .exec(&txn)
                    .await?;
            }
        }
        enqueue(&txn, [account], RunTrigger::Manual, now).await?;
        txn.commit().await
    }
}
