//! What is kept of finished runs: the last [`KEEP_RUNS`] of each account (the card reads the
//! last one; the rest are the account's recent history for whoever looks into a failure). The
//! housekeeping deletes the older ones, so `sync_run` stays bounded however long syncs go on.

use super::RunQueue;
use crate::db::entities::sync_run::RunStatus;
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseBackend, DbErr, Statement, TransactionTrait};

/// Finished runs kept per account.
pub const KEEP_RUNS: u32 = 100;
/// Runs deleted per statement, and statements per pass (a pass a minute).
const BATCH: u32 = 2_000;
const BATCHES_PER_PASS: u32 = 10;

impl RunQueue {
    /// Deletes the finished runs past each account's last [`KEEP_RUNS`]; returns how many. On
    /// Postgres one instance at a time prunes (the others skip their turn rather than wait on
    /// its deletes); SQLite commits each batch, so its write lock is never held for long.
    pub async fn prune(&self) -> Result<u64, DbErr> {
        let pruned = if self.db.get_database_backend() == DatabaseBackend::Postgres {
            let txn = self.db.begin().await?;
            let lock =
                Statement::from_string(DatabaseBackend::Postgres, "SELECT pg_try_advisory_xact_lock(7166002) AS got");
            let got: bool = match txn.query_one_raw(lock).await? {
                Some(row) => row.try_get("", "got")?,
                None => false,
            };
            let pruned = if got { in_batches(&txn).await? } else { 0 };
            txn.commit().await?;
            pruned
        } else {
            in_batches(&self.db).await?
        };
        if pruned > 0 {
            tracing::info!(pruned, keep = KEEP_RUNS, "deleted old finished sync runs");
        }
        Ok(pruned)
    }
}

/// A pass's batches: what is left after them goes at the next pass.
async fn in_batches(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let mut pruned = 0;
    for _ in 0..BATCHES_PER_PASS {
        let n = prune_runs(db, KEEP_RUNS, BATCH).await?;
        pruned += n;
        if n < u64::from(BATCH) {
            break;
        }
    }
    Ok(pruned)
}

/// Deletes up to `batch` finished runs that are past their account's newest `keep`, never a
/// queued or running one nor one an account names as its last.
pub async fn prune_runs(db: &impl ConnectionTrait, keep: u32, batch: u32) -> Result<u64, DbErr> {
    let [queued, running] = RunStatus::ACTIVE.map(|s| s.to_value());
    // Values are ours (the enum's stored names and a constant), never a caller's.
    let sql = format!(
        "DELETE FROM sync_run WHERE id IN (\
           SELECT id FROM (\
             SELECT id, ROW_NUMBER() OVER (PARTITION BY ad_account_id ORDER BY id DESC) AS n \
             FROM sync_run WHERE status NOT IN ('{queued}', '{running}')\
           ) ranked WHERE n > {keep} \
             AND id NOT IN (SELECT last_run_id FROM tiktok_ad_account WHERE last_run_id IS NOT NULL) \
           LIMIT {batch}\
         ) AND id NOT IN (SELECT last_run_id FROM tiktok_ad_account WHERE last_run_id IS NOT NULL)"
    );
    Ok(db.execute_unprepared(&sql).await?.rows_affected())
}
