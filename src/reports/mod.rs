//! Reading the synced data for people: Ads Manager's tables and the Dashboard's totals, series
//! and top campaigns. Every query is scoped to the workspace, aggregates in the database, and a
//! page makes a fixed number of them whatever the data's size.

mod accounts;
mod cache;
mod dashboard;
mod sql;
mod sums;
mod table;
mod view;

pub use crate::db::status::Problem;
pub use accounts::AccountHealth;
pub use dashboard::{DailyPoint, DashboardData, TopRow};
pub use sums::{Part, Sums};
pub use table::{Row, TableData};
pub use view::Export;

use crate::{
    clock::Clock,
    model::reports::{Preset, Range},
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The campaign or ad group of a drill-down is not this workspace's.
    #[error("no such campaign or ad group in this workspace")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Clone)]
pub struct ReportsService {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    cache: cache::ReportCache,
    /// Exports being written: each holds a database connection while its client reads.
    exports: Arc<tokio::sync::Semaphore>,
}

/// Exports written at once by one instance, so slow downloads never hold the connection pool.
pub const EXPORTS_AT_ONCE: usize = 2;

impl ReportsService {
    /// `cache_bytes`: answers of each kind kept between syncs, up to this many bytes (0 keeps none).
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, cache_bytes: u64) -> Self {
        let exports = Arc::new(tokio::sync::Semaphore::new(EXPORTS_AT_ONCE));
        Self { db, clock, cache: cache::ReportCache::new(cache_bytes), exports }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The days a range covers. Presets count back from the advertiser's today (the latest
    /// among the accounts shown, when there are several).
    pub fn days(&self, range: &Range, accounts: &[AccountHealth]) -> (NaiveDate, NaiveDate) {
        let now = self.clock.now();
        let today = accounts.iter().map(|a| a.today(now)).max().unwrap_or_else(|| now.date_naive());
        let back = |n: i64| (today - Duration::days(n - 1), today);
        match range.preset {
            Preset::Today => (today, today),
            Preset::Yesterday => (today - Duration::days(1), today - Duration::days(1)),
            Preset::Last7 => back(7),
            Preset::Last30 => back(30),
            Preset::Last90 => back(90),
            Preset::Custom => {
                // Queries also arrive as JSON, past the URL parser's checks: days far outside any
                // delivery would overflow the date arithmetic below.
                let sane = |d: Option<NaiveDate>| d.filter(|d| (2000..=2100).contains(&d.year()));
                let (from, to) = match (sane(range.from), sane(range.to)) {
                    (Some(f), Some(t)) => (f, t),
                    (Some(f), None) => (f, today),
                    (None, Some(t)) => (t - Duration::days(6), t),
                    (None, None) => back(7),
                };
                // A backwards range is read the right way round; a year at most.
                let (from, to) = if from <= to { (from, to) } else { (to, from) };
                (from.max(to - Duration::days(365)), to)
            }
        }
    }
}
