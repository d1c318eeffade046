//! Report answers kept between syncs. Synced data changes only when a sync commits, so an
//! answer is keyed by the state of the workspace's accounts and their runs (the data version):
//! any commit, finished run or new account makes a new key, and old ones age out. Instances
//! share nothing here; each finds the version in the database.

use super::{AccountHealth, DashboardData, ReportError, TableData};
use crate::model::ids::AccountId;
use chrono::NaiveDate;
use moka::future::Cache;
use std::{
    future::Future,
    hash::{DefaultHasher, Hash, Hasher},
    sync::Arc,
    time::Duration,
};

/// A table: the workspace, its data version, the query string, the days.
pub type TableKey = (i32, u64, String, NaiveDate, NaiveDate);
/// A dashboard: the workspace, its data version, the account, the days and the advertiser's today.
pub type DashboardKey = (i32, u64, Option<AccountId>, NaiveDate, NaiveDate, NaiveDate);

#[derive(Clone)]
pub struct ReportCache {
    tables: Option<Cache<TableKey, Arc<TableData>>>,
    dashboards: Option<Cache<DashboardKey, Arc<DashboardData>>>,
}

/// What the synced data of these accounts looks like right now, in one number.
pub fn data_version(accounts: &[AccountHealth]) -> u64 {
    let mut h = DefaultHasher::new();
    for a in accounts {
        (a.account.id, a.account.last_synced_at, a.account.last_run_id, a.account.updated_at).hash(&mut h);
        a.activity.hash(&mut h);
    }
    h.finish()
}

impl ReportCache {
    /// Up to `entries` answers of each kind (0: none kept), each for at most 15 minutes.
    pub fn new(entries: u64) -> Self {
        let ttl = Duration::from_secs(900);
        Self {
            tables: (entries > 0).then(|| Cache::builder().max_capacity(entries).time_to_live(ttl).build()),
            dashboards: (entries > 0).then(|| Cache::builder().max_capacity(entries).time_to_live(ttl).build()),
        }
    }

    /// The table for `key`, computed once however many ask at the same time.
    pub async fn table<F>(&self, key: TableKey, compute: F) -> Result<Arc<TableData>, ReportError>
    where
        F: Future<Output = Result<TableData, ReportError>>,
    {
        match &self.tables {
            Some(cache) => cache.try_get_with(key, async { compute.await.map(Arc::new) }).await.map_err(unshare),
            None => compute.await.map(Arc::new),
        }
    }

    pub async fn dashboard<F>(&self, key: DashboardKey, compute: F) -> Result<Arc<DashboardData>, ReportError>
    where
        F: Future<Output = Result<DashboardData, ReportError>>,
    {
        match &self.dashboards {
            Some(cache) => cache.try_get_with(key, async { compute.await.map(Arc::new) }).await.map_err(unshare),
            None => compute.await.map(Arc::new),
        }
    }
}

/// Callers that waited on another's computation share its error; each gets its own copy.
fn unshare(e: Arc<ReportError>) -> ReportError {
    Arc::try_unwrap(e).unwrap_or_else(|shared| match &*shared {
        ReportError::NotFound => ReportError::NotFound,
        ReportError::Db(db) => ReportError::Db(sea_orm::DbErr::Custom(db.to_string())),
    })
}
