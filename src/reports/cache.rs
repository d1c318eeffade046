//! Report answers kept between syncs. Synced data changes only when a sync commits, so an
//! answer is keyed by the state of the workspace's accounts and their runs (the data version):
//! any commit, finished run or new account makes a new key, and old ones age out. Instances
//! share nothing here; each finds the version in the database. The cache is bounded by the
//! bytes its answers hold (an every-ad table outweighs a hundred small ones), not by their count.

use super::{breakdowns::ValueSums, pacing::HourRow, table::Row, AccountHealth, DashboardData, ReportError, TableData};
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

/// The smaller answers read beside a table or a dashboard: the workspace, its data version and a
/// digest of the question (see [`digest`]).
pub type AnswerKey = (i32, u64, u64);

#[derive(Clone)]
pub struct ReportCache {
    tables: Option<Cache<TableKey, Arc<TableData>>>,
    dashboards: Option<Cache<DashboardKey, Arc<DashboardData>>>,
    /// The Dashboard's today by hour.
    hours: Option<Cache<AnswerKey, Arc<Vec<HourRow>>>>,
    /// A table page's split lines.
    splits: Option<Cache<AnswerKey, Arc<Vec<ValueSums>>>>,
}

/// A question's digest, for [`AnswerKey`].
pub fn digest(question: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    question.hash(&mut h);
    h.finish()
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
    /// Answers of up to `bytes` in all, for each kind (0: none kept), each for at most 15 minutes.
    pub fn new(bytes: u64) -> Self {
        let ttl = Duration::from_secs(900);
        Self {
            tables: (bytes > 0).then(|| {
                Cache::builder()
                    .max_capacity(bytes)
                    .weigher(|key: &TableKey, data: &Arc<TableData>| weight(key.2.len() + table_bytes(data)))
                    .time_to_live(ttl)
                    .build()
            }),
            dashboards: (bytes > 0).then(|| {
                Cache::builder()
                    .max_capacity(bytes)
                    .weigher(|_: &DashboardKey, data: &Arc<DashboardData>| weight(dashboard_bytes(data)))
                    .time_to_live(ttl)
                    .build()
            }),
            hours: (bytes > 0).then(|| {
                Cache::builder()
                    .max_capacity(bytes)
                    .weigher(|_: &AnswerKey, rows: &Arc<Vec<HourRow>>| weight(std::mem::size_of_val(&rows[..])))
                    .time_to_live(ttl)
                    .build()
            }),
            splits: (bytes > 0).then(|| {
                Cache::builder()
                    .max_capacity(bytes)
                    .weigher(|_: &AnswerKey, values: &Arc<Vec<ValueSums>>| {
                        weight(
                            values.iter().map(|v| std::mem::size_of_val(v) + v.campaign_id.len() + v.value.len()).sum(),
                        )
                    })
                    .time_to_live(ttl)
                    .build()
            }),
        }
    }

    pub async fn hours<F>(&self, key: AnswerKey, compute: F) -> Result<Arc<Vec<HourRow>>, ReportError>
    where
        F: Future<Output = Result<Vec<HourRow>, ReportError>>,
    {
        kept(&self.hours, key, compute).await
    }

    pub async fn splits<F>(&self, key: AnswerKey, compute: F) -> Result<Arc<Vec<ValueSums>>, ReportError>
    where
        F: Future<Output = Result<Vec<ValueSums>, ReportError>>,
    {
        kept(&self.splits, key, compute).await
    }

    /// The table for `key`, computed once however many ask at the same time.
    pub async fn table<F>(&self, key: TableKey, compute: F) -> Result<Arc<TableData>, ReportError>
    where
        F: Future<Output = Result<TableData, ReportError>>,
    {
        kept(&self.tables, key, compute).await
    }

    pub async fn dashboard<F>(&self, key: DashboardKey, compute: F) -> Result<Arc<DashboardData>, ReportError>
    where
        F: Future<Output = Result<DashboardData, ReportError>>,
    {
        kept(&self.dashboards, key, compute).await
    }
}

/// A weight in moka's terms (u32), saturating.
/// The answer kept under `key`, else `compute`d (once for concurrent askers) and kept; with no
/// cache, computed.
async fn kept<K, V, F>(cache: &Option<Cache<K, Arc<V>>>, key: K, compute: F) -> Result<Arc<V>, ReportError>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    F: Future<Output = Result<V, ReportError>>,
{
    match cache {
        Some(cache) => cache.try_get_with(key, async { compute.await.map(Arc::new) }).await.map_err(unshare),
        None => compute.await.map(Arc::new),
    }
}

fn weight(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

fn text(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, String::len)
}

/// About the bytes a table holds: its rows and their text.
fn table_bytes(data: &TableData) -> usize {
    let row = |r: &Row| {
        std::mem::size_of::<Row>()
            + r.tiktok_id.len()
            + r.advertiser.len()
            + [&r.name, &r.operation_status, &r.secondary_status, &r.objective, &r.budget_mode, &r.currency]
                .into_iter()
                .chain([&r.ad_text, &r.landing_page_url, &r.ad_format, &r.thumbnail])
                .map(text)
                .sum::<usize>()
    };
    std::mem::size_of::<TableData>()
        + data.rows.iter().map(row).sum::<usize>()
        + data.totals.iter().map(|(c, _)| c.len() + std::mem::size_of::<(String, super::Sums)>()).sum::<usize>()
        + text(&data.campaign_name)
        + text(&data.adgroup_name)
}

/// About the bytes a dashboard holds.
fn dashboard_bytes(data: &DashboardData) -> usize {
    std::mem::size_of::<DashboardData>()
        + data.totals.len() * std::mem::size_of::<(String, super::Sums, super::Sums)>()
        + data.series.iter().map(|p| std::mem::size_of_val(p) + text(&p.currency)).sum::<usize>()
        + data
            .top
            .iter()
            .map(|t| std::mem::size_of_val(t) + t.campaign_id.len() + t.advertiser.len() + text(&t.name))
            .sum::<usize>()
        + data
            .splits
            .iter()
            .map(|(by, b)| {
                std::mem::size_of_val(by)
                    + std::mem::size_of_val(b)
                    + b.age.len()
                    + b.gender.len()
                    + b.platform.len()
                    + b.country.len()
                    + text(&b.currency)
            })
            .sum::<usize>()
}

/// Callers that waited on another's computation share its error; each gets its own copy.
fn unshare(e: Arc<ReportError>) -> ReportError {
    Arc::try_unwrap(e).unwrap_or_else(|shared| match &*shared {
        ReportError::NotFound => ReportError::NotFound,
        ReportError::Busy => ReportError::Busy,
        ReportError::Db(db) => ReportError::Db(sea_orm::DbErr::Custom(db.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> Row {
        Row {
            tiktok_id: "18001".into(),
            name: Some(name.into()),
            operation_status: None,
            secondary_status: None,
            objective: None,
            budget_micros: None,
            budget_mode: None,
            gone_at: None,
            account_id: 1,
            advertiser: "Acme".into(),
            currency: Some("USD".into()),
            sums: Default::default(),
            ad_text: None,
            landing_page_url: None,
            ad_format: None,
            thumbnail: None,
        }
    }

    fn table(rows: usize) -> TableData {
        TableData {
            rows: (0..rows).map(|i| row(&format!("campaign {i}"))).collect(),
            total_rows: rows as u64,
            hidden_deleted: 0,
            totals: vec![],
            campaign_name: None,
            adgroup_name: None,
        }
    }

    #[test]
    fn an_answer_weighs_what_its_rows_hold() {
        let small = table_bytes(&table(1));
        let big = table_bytes(&table(50_000));
        assert!(big > 40_000 * small / 2, "50,000 rows weigh about 50,000 times one: {small} vs {big}");
        assert!(table_bytes(&table(1)) < table_bytes(&TableData { rows: vec![row(&"x".repeat(10_000))], ..table(0) }));
    }

    #[tokio::test]
    async fn the_cache_keeps_answers_up_to_its_bytes_not_its_count() {
        let one = table_bytes(&table(100)) as u64;
        let cache = ReportCache::new(one * 3);
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day");
        for i in 0..10 {
            let key = (1, 1, format!("q={i}"), day, day);
            cache.table(key, async { Ok(table(100)) }).await.expect("an answer");
        }
        let tables = cache.tables.as_ref().expect("a cache");
        tables.run_pending_tasks().await;
        assert!(tables.weighted_size() <= one * 3, "{} > {}", tables.weighted_size(), one * 3);
        assert!(tables.entry_count() <= 3, "{} answers kept", tables.entry_count());
    }
}
