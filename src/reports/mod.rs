//! Reading the synced data for people: Ads Manager's tables and the Dashboard's totals, series
//! and top campaigns. Every query is scoped to the workspace, aggregates in the database, and a
//! page makes a fixed number of them whatever the data's size.

mod accounts;
mod breakdowns;
mod cache;
mod convert;
mod dashboard;
mod limits;
mod pacing;
mod sql;
mod sums;
mod table;
mod view;

pub use crate::db::status::Problem;
pub use accounts::AccountHealth;
pub use convert::{Conversion, Converted, ConvertedTotals, RateBook};
pub use dashboard::{DailyPoint, DashboardData, TopRow};
pub use limits::ReportLimits;
pub use sums::{Part, Sums};
pub use table::{Row, TableData};
pub use view::{bucket_labels, Export};

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
    /// Every turn for report queries is taken on this instance: try again in a moment.
    #[error("too many report queries at once")]
    Busy,
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Clone)]
pub struct ReportsService {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    cache: cache::ReportCache,
    /// Exports being written: each holds a database connection while its client reads.
    exports: limits::ExportSlots,
    queries: limits::QueryGate,
}

/// Days past which a range makes a query heavy.
const LONG_RANGE_DAYS: i64 = 92;

impl ReportsService {
    /// `cache_bytes`: answers of each kind kept between syncs, up to this many bytes (0 keeps none).
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, cache_bytes: u64, limits: ReportLimits) -> Self {
        let exports = limits::ExportSlots::new(clock.clone(), &limits);
        let queries = limits::QueryGate::new(&limits);
        Self { db, clock, cache: cache::ReportCache::new(cache_bytes), exports, queries }
    }

    /// A turn to work a query out in the database; `heavy` when it reads every ad or ad group
    /// of the workspace, or more than a quarter's days.
    async fn query_turn(&self, heavy: bool) -> Result<limits::QueryTurn, ReportError> {
        self.queries.enter(heavy).await.map_err(|limits::Busy| {
            tracing::warn!(heavy, "a report query was turned away: every turn is taken");
            ReportError::Busy
        })
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
