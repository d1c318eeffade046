//! One lock order for the rows a sync and the connect flow both write, so that on Postgres no
//! two of them ever wait on each other (a deadlock, 40P01): a connection first, then accounts
//! (ascending id), then those accounts' queued and running runs, then their access paths.
//!
//! A sync's page steps already take their account before their run (a finishing daily-results
//! step updates the account, then saves the run's progress); whatever ends a run or stops an
//! account (Disconnect, Manage accounts, Retry, a run's end) locks the account first with these
//! helpers. SQLite has one writer at a time and needs none of this.

use super::entities::{
    sync_run::{self, RunStatus},
    tiktok_ad_account,
};
use sea_orm::{
    sea_query::LockType, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

fn ids(account_ids: impl IntoIterator<Item = i32>) -> Vec<i32> {
    let mut ids: Vec<i32> = account_ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn needs_locks(txn: &impl ConnectionTrait) -> bool {
    txn.get_database_backend() == DatabaseBackend::Postgres
}

/// Locks these accounts' rows in id order. `FOR NO KEY UPDATE`, what a plain `UPDATE` of the
/// account takes: it leaves alone the key-share locks a page's rows take through their foreign
/// key, so a page being written never waits on it.
pub async fn lock_accounts(
    txn: &impl ConnectionTrait,
    account_ids: impl IntoIterator<Item = i32>,
) -> Result<(), DbErr> {
    let ids = ids(account_ids);
    if !needs_locks(txn) || ids.is_empty() {
        return Ok(());
    }
    tiktok_ad_account::Entity::find()
        .select_only()
        .column(tiktok_ad_account::Column::Id)
        .filter(tiktok_ad_account::Column::Id.is_in(ids))
        .order_by_asc(tiktok_ad_account::Column::Id)
        .lock(LockType::NoKeyUpdate)
        .into_tuple::<i32>()
        .all(txn)
        .await?;
    Ok(())
}

/// Locks these accounts, then their queued and running runs, before their paths and the
/// accounts themselves are written.
pub async fn lock_accounts_then_runs(
    txn: &impl ConnectionTrait,
    account_ids: impl IntoIterator<Item = i32>,
) -> Result<(), DbErr> {
    let ids = ids(account_ids);
    if !needs_locks(txn) || ids.is_empty() {
        return Ok(());
    }
    lock_accounts(txn, ids.iter().copied()).await?;
    sync_run::Entity::find()
        .select_only()
        .column(sync_run::Column::Id)
        .filter(sync_run::Column::AdAccountId.is_in(ids))
        .filter(sync_run::Column::Status.is_in(RunStatus::ACTIVE))
        .order_by_asc(sync_run::Column::Id)
        .lock_exclusive()
        .into_tuple::<i32>()
        .all(txn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_locked_once_each_in_id_order() {
        assert_eq!(ids([7, 3, 7, 1]), vec![1, 3, 7]);
    }
}
