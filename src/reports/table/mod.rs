//! Ads Manager's table: campaigns, ad groups or ads of the workspace with their results for a
//! date range, filtered, searched, sorted and paged in the database. One statement gives the
//! page of rows, the totals per currency and the counts, so the day rows are summed once.

mod statement;

use self::statement::{shape, statement, Answer, Kind};
use super::{cache::data_version, limits::ExportTurn, sql::Fragment, AccountHealth, ReportError, ReportsService, Sums};
use crate::model::{
    ids::AccountId,
    reports::{AdsQuery, Level, OperationStatus},
};
use chrono::{DateTime, NaiveDate, Utc};
use futures::{stream::BoxStream, StreamExt};
use sea_orm::FromQueryResult;
use std::sync::Arc;

/// Rows the export reads ahead of the client: its memory, whatever the table's size.
const EXPORT_AHEAD: usize = 256;
/// How long an export waits for its client to read on before it gives up.
const EXPORT_STALL: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Row {
    pub tiktok_id: String,
    pub name: Option<String>,
    pub operation_status: Option<String>,
    pub secondary_status: Option<String>,
    pub objective: Option<String>,
    pub budget_micros: Option<i64>,
    pub budget_mode: Option<String>,
    pub gone_at: Option<DateTime<Utc>>,
    pub account_id: i32,
    pub advertiser: String,
    pub currency: Option<String>,
    pub sums: Sums,
    pub ad_text: Option<String>,
    pub landing_page_url: Option<String>,
    pub ad_format: Option<String>,
    /// A video cover, else an image, when TikTok gave one.
    pub thumbnail: Option<String>,
}

impl Row {
    pub fn deleted(&self) -> bool {
        self.gone_at.is_some()
            || self.operation_status.as_deref().and_then(OperationStatus::parse) == Some(OperationStatus::Delete)
    }
}

#[derive(Debug, Clone)]
pub struct TableData {
    pub rows: Vec<Row>,
    pub total_rows: u64,
    /// Deleted rows the filter would otherwise show (0 when they are shown).
    pub hidden_deleted: u64,
    pub totals: Vec<(String, Sums)>,
    /// Drill-down: the campaign's and ad group's names, when they are part of the query.
    pub campaign_name: Option<String>,
    pub adgroup_name: Option<String>,
}

/// One line of the statement's answer: a row of the page, a currency's totals, or the counts.
#[derive(FromQueryResult)]
struct Line {
    part: String,
    pos: Option<i64>,
    tiktok_id: Option<String>,
    name: Option<String>,
    operation_status: Option<String>,
    secondary_status: Option<String>,
    objective: Option<String>,
    budget_micros: Option<i64>,
    budget_mode: Option<String>,
    gone_at: Option<DateTime<Utc>>,
    account_id: Option<i32>,
    advertiser: Option<String>,
    currency: Option<String>,
    ad_text: Option<String>,
    landing_page_url: Option<String>,
    ad_format: Option<String>,
    thumbnail: Option<String>,
    n: Option<i64>,
    deleted: Option<i64>,
}

/// A line with its sums, which are read by their aliases beside the line's other columns.
struct Summed(Line, Sums);

impl FromQueryResult for Summed {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self(Line::from_query_result(res, pre)?, Sums::from_query_result(res, pre)?))
    }
}

impl Summed {
    fn row(self) -> Row {
        let Summed(line, sums) = self;
        line.row(sums)
    }
}

impl Line {
    fn row(self, sums: Sums) -> Row {
        Row {
            sums,
            tiktok_id: self.tiktok_id.unwrap_or_default(),
            name: self.name,
            operation_status: self.operation_status,
            secondary_status: self.secondary_status,
            objective: self.objective,
            budget_micros: self.budget_micros,
            budget_mode: self.budget_mode,
            gone_at: self.gone_at,
            account_id: self.account_id.unwrap_or_default(),
            advertiser: self.advertiser.unwrap_or_default(),
            currency: self.currency,
            ad_text: self.ad_text,
            landing_page_url: self.landing_page_url,
            ad_format: self.ad_format,
            thumbnail: self.thumbnail,
        }
    }
}

#[derive(FromQueryResult)]
struct Name {
    name: Option<String>,
}

impl ReportsService {
    /// The page of the table for `query` over `from..=to` in `workspace_id`, whose `accounts`
    /// are given.
    pub async fn table(
        &self,
        workspace_id: i32,
        accounts: &[AccountHealth],
        query: &AdsQuery,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Arc<TableData>, ReportError> {
        let key = (workspace_id, data_version(accounts), query.to_query(), from, to);
        let heavy = reads_everything(query, from, to);
        self.cache
            .table(key, async move {
                let _turn = self.query_turn(heavy).await?;
                self.compute_table(workspace_id, query, from, to).await
            })
            .await
    }

    /// Every row of the table, in its order, as the database sends them: a few hundred rows
    /// are read ahead of the caller, however many the table has. `turn` (one of the export
    /// slots) is held until the last row is read. Ends early when the caller drops the stream
    /// (the client went away), and with an error when it stops reading for [`EXPORT_STALL`] or
    /// the export runs past its time limit, so a slow download does not hold a database
    /// connection for long.
    pub fn every_row(
        &self,
        workspace_id: i32,
        query: &AdsQuery,
        from: NaiveDate,
        to: NaiveDate,
        turn: Arc<ExportTurn>,
    ) -> BoxStream<'static, Result<Row, ReportError>> {
        let backend = self.db.get_database_backend();
        let stmt = statement(backend, workspace_id, query, from, to, Answer::EveryRow).statement(backend);
        let db = self.db.clone();
        let slots = self.exports.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(EXPORT_AHEAD);
        let stalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stalled.clone();
        tokio::spawn(async move {
            let (cut, time_left) = (turn.cut.clone(), slots.left(&turn));
            let cut_short = |why: &str| {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
                tracing::warn!(reason = why, "an export ends before its last line");
            };
            let work = async {
                let lines = match Summed::find_by_statement(stmt).stream(&db).await {
                    Ok(lines) => lines,
                    Err(e) => {
                        let _ = tx.send(Err(ReportError::Db(e))).await;
                        return;
                    }
                };
                futures::pin_mut!(lines);
                loop {
                    // A client gone while the database still sorts frees its turn at once.
                    let line = tokio::select! {
                        line = lines.next() => line,
                        () = tx.closed() => return,
                    };
                    let Some(line) = line else { return };
                    if slots.overdue(&turn) {
                        return cut_short("its time limit");
                    }
                    let failed = line.is_err();
                    match tokio::time::timeout(EXPORT_STALL, tx.send(line.map(Summed::row).map_err(ReportError::Db)))
                        .await
                    {
                        Ok(Ok(())) if !failed => {}
                        Ok(_) => return, // the caller went away, or the error is on its way
                        Err(_) => return cut_short("its client stopped reading"),
                    }
                }
            };
            // Its time ends it wherever it is: waiting for the database, or for its client.
            tokio::select! {
                () = work => {}
                () = cut.cancelled() => cut_short("its time limit"),
                () = tokio::time::sleep(time_left) => cut_short("its time limit"),
            }
        });
        futures::stream::unfold(Some(rx), move |rx| {
            let stalled = stalled.clone();
            async move {
                let mut rx = rx?;
                match rx.recv().await {
                    Some(row) => Some((row, Some(rx))),
                    // Cut off, not finished: the body must not end as if it were whole.
                    None if stalled.load(std::sync::atomic::Ordering::Relaxed) => {
                        Some((Err(ReportError::Db(sea_orm::DbErr::Custom("the export was cut short".into()))), None))
                    }
                    None => None,
                }
            }
        })
        .boxed()
    }

    async fn compute_table(
        &self,
        workspace_id: i32,
        query: &AdsQuery,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TableData, ReportError> {
        let campaign_name = match &query.campaign {
            Some(id) => Some(self.name_of(workspace_id, Level::Campaign, id).await?),
            None => None,
        };
        let adgroup_name = match &query.adgroup {
            Some(id) => Some(self.name_of(workspace_id, Level::AdGroup, id).await?),
            None => None,
        };
        let backend = self.db.get_database_backend();
        let stmt = statement(backend, workspace_id, query, from, to, Answer::Page).statement(backend);
        let lines = Summed::find_by_statement(stmt).all(&self.db).await?;

        let mut rows: Vec<(i64, Row)> = Vec::new();
        let mut totals = Vec::new();
        let (mut all_rows, mut deleted) = (0u64, 0u64);
        for Summed(line, sums) in lines {
            match Kind::parse(&line.part) {
                Some(Kind::Row) => rows.push((line.pos.unwrap_or(0), line.row(sums))),
                Some(Kind::Total) => totals.push((line.currency.clone().unwrap_or_else(|| "?".into()), sums)),
                Some(Kind::Count) | None => {
                    all_rows = line.n.unwrap_or(0).max(0) as u64;
                    deleted = line.deleted.unwrap_or(0).max(0) as u64;
                }
            }
        }
        // UNION ALL keeps no order of its own: the rows carry their place.
        rows.sort_by_key(|(pos, _)| *pos);
        totals.sort_by(|a, b| a.0.cmp(&b.0));
        let (total_rows, hidden_deleted) =
            if query.show_deleted { (all_rows, 0) } else { (all_rows - deleted.min(all_rows), deleted) };
        Ok(TableData {
            rows: rows.into_iter().map(|(_, r)| r).collect(),
            total_rows,
            hidden_deleted,
            totals,
            campaign_name,
            adgroup_name,
        })
    }

    /// The query's drill-down parents are this workspace's (`NotFound` otherwise).
    pub async fn check_parents(&self, workspace_id: i32, query: &AdsQuery) -> Result<(), ReportError> {
        if let Some(id) = &query.campaign {
            self.name_of(workspace_id, Level::Campaign, id).await?;
        }
        if let Some(id) = &query.adgroup {
            self.name_of(workspace_id, Level::AdGroup, id).await?;
        }
        Ok(())
    }

    /// A drill-down parent's name, checked to be this workspace's.
    async fn name_of(&self, workspace_id: i32, level: Level, id: &str) -> Result<String, ReportError> {
        let (table, id_col) = shape(level);
        let stmt = Fragment::sql(format!(
            "SELECT e.name FROM {table} e JOIN tiktok_ad_account a ON a.id = e.ad_account_id WHERE a.workspace_id = "
        ))
        .bind(workspace_id)
        .push(format!(" AND e.{id_col} = "))
        .bind(id)
        .push(" LIMIT 1")
        .statement(self.db.get_database_backend());
        let found = Name::find_by_statement(stmt).one(&self.db).await?.ok_or(ReportError::NotFound)?;
        Ok(found.name.unwrap_or_else(|| id.to_owned()))
    }

    /// The accounts a query may name: `None` when it names another workspace's.
    pub fn scope<'a>(&self, accounts: &'a [AccountHealth], only: Option<AccountId>) -> Option<Vec<&'a AccountHealth>> {
        match only {
            None => Some(accounts.iter().collect()),
            Some(AccountId(id)) => accounts.iter().find(|a| a.account.id == id).map(|a| vec![a]),
        }
    }
}

/// A query reading every ad or ad group of the workspace (not one campaign's or ad group's), or
/// more than a quarter's days: one of those can take seconds.
fn reads_everything(query: &AdsQuery, from: NaiveDate, to: NaiveDate) -> bool {
    let everything =
        matches!(query.level, Level::Ad | Level::AdGroup) && query.campaign.is_none() && query.adgroup.is_none();
    everything || (to - from).num_days() >= super::LONG_RANGE_DAYS
}
