//! Ads Manager's table: campaigns, ad groups or ads of the workspace with their results for a
//! date range, filtered, searched, sorted and paged in the database. One statement gives the
//! page of rows, the totals per currency and the counts, so the day rows are summed once.

mod statement;

use self::statement::{shape, statement, Part};
use super::{cache::data_version, sql::Fragment, AccountHealth, ReportError, ReportsService, Sums};
use crate::model::{
    ids::AccountId,
    reports::{AdsQuery, Level, OperationStatus},
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::FromQueryResult;
use std::sync::Arc;

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
    spend: Option<i64>,
    impressions: Option<i64>,
    clicks: Option<i64>,
    conversions: Option<i64>,
    ad_text: Option<String>,
    landing_page_url: Option<String>,
    ad_format: Option<String>,
    thumbnail: Option<String>,
    n: Option<i64>,
    deleted: Option<i64>,
}

impl Line {
    fn sums(&self) -> Sums {
        Sums {
            spend_micros: self.spend.unwrap_or(0),
            impressions: self.impressions.unwrap_or(0),
            clicks: self.clicks.unwrap_or(0),
            conversions: self.conversions.unwrap_or(0),
        }
    }
}

#[derive(FromQueryResult)]
struct Name {
    name: Option<String>,
}

impl ReportsService {
    /// The table for `query` over `from..=to` in `workspace_id`, whose `accounts` are given;
    /// `all` lifts paging (the CSV export, computed afresh each time).
    pub async fn table(
        &self,
        workspace_id: i32,
        accounts: &[AccountHealth],
        query: &AdsQuery,
        from: NaiveDate,
        to: NaiveDate,
        all: bool,
    ) -> Result<Arc<TableData>, ReportError> {
        if all {
            return self.compute_table(workspace_id, query, from, to, true).await.map(Arc::new);
        }
        let key = (workspace_id, data_version(accounts), query.to_query(), from, to);
        self.cache.table(key, self.compute_table(workspace_id, query, from, to, false)).await
    }

    async fn compute_table(
        &self,
        workspace_id: i32,
        query: &AdsQuery,
        from: NaiveDate,
        to: NaiveDate,
        all: bool,
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
        let stmt = statement(backend, workspace_id, query, from, to, all).statement(backend);
        let lines = Line::find_by_statement(stmt).all(&self.db).await?;

        let mut rows: Vec<(i64, Row)> = Vec::new();
        let mut totals = Vec::new();
        let (mut all_rows, mut deleted) = (0u64, 0u64);
        for line in lines {
            match Part::parse(&line.part) {
                Some(Part::Row) => rows.push((
                    line.pos.unwrap_or(0),
                    Row {
                        sums: line.sums(),
                        tiktok_id: line.tiktok_id.unwrap_or_default(),
                        name: line.name,
                        operation_status: line.operation_status,
                        secondary_status: line.secondary_status,
                        objective: line.objective,
                        budget_micros: line.budget_micros,
                        budget_mode: line.budget_mode,
                        gone_at: line.gone_at,
                        account_id: line.account_id.unwrap_or_default(),
                        advertiser: line.advertiser.unwrap_or_default(),
                        currency: line.currency,
                        ad_text: line.ad_text,
                        landing_page_url: line.landing_page_url,
                        ad_format: line.ad_format,
                        thumbnail: line.thumbnail,
                    },
                )),
                Some(Part::Total) => totals.push((line.currency.clone().unwrap_or_else(|| "?".into()), line.sums())),
                Some(Part::Count) | None => {
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
