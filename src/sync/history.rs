//! What is kept of finished runs: the last [`KEEP_RUNS`] of each account (the card reads the
//! last one; the rest are the account's recent history for whoever looks into a failure). The
//! housekeeping deletes the older ones, so `sync_run` stays bounded however long syncs go on.

use super::{SyncEngine, SyncError};
use crate::db::entities::sync_run::RunStatus;
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseBackend, DbErr, Statement, TransactionTrait};

/// Finished runs kept per account.
pub const KEEP_RUNS: u32 = 100;

impl SyncEngine {
    /// Deletes the finished runs past each account's last [`KEEP_RUNS`]; returns how many. One
    /// instance at a time prunes (the others skip their turn rather than wait on its deletes).
    pub async fn prune_runs(&self) -> Result<u64, SyncError> {
        let txn = self.db.begin().await?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            let lock =
                Statement::from_string(DatabaseBackend::Postgres, "SELECT pg_try_advisory_xact_lock(7166002) AS got");
            let got: bool = match txn.query_one_raw(lock).await? {
                Some(row) => row.try_get("", "got")?,
                None => false,
            };
            if !got {
                txn.commit().await?;
                return Ok(0);
            }
        }
        let pruned = prune_runs(&txn, KEEP_RUNS).await?;
        txn.commit().await?;
        if pruned > 0 {
            tracing::info!(pruned, keep = KEEP_RUNS, "deleted old finished sync runs");
        }
        Ok(pruned)
    }
}

/// Deletes each account's finished runs but the newest `keep`, never a queued or running one
/// nor one an account names as its last.
pub async fn prune_runs(db: &impl ConnectionTrait, keep: u32) -> Result<u64, DbErr> {
    let [queued, running] = RunStatus::ACTIVE.map(|s| s.to_value());
    // Values are ours (the enum's stored names and a constant), never a caller's.
    let sql = format!(
        "DELETE FROM sync_run WHERE id IN (\
           SELECT id FROM (\
             SELECT id, ROW_NUMBER() OVER (PARTITION BY ad_account_id ORDER BY id DESC) AS n \
             FROM sync_run WHERE status NOT IN ('{queued}', '{running}')\
           ) ranked WHERE n > {keep}\
         ) AND id NOT IN (SELECT last_run_id FROM tiktok_ad_account WHERE last_run_id IS NOT NULL)"
    );
    Ok(db.execute_unprepared(&sql).await?.rows_affected())
}
