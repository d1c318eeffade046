//! Ads Manager's table: campaigns, ad groups or ads of the workspace with their results for a
//! date range, filtered, searched, sorted and paged in the database. One statement gives the
//! page of rows, the totals per currency and the counts, so the day rows are summed once.

use super::{cache::data_version, sql, AccountHealth, ReportError, ReportsService, Sums};
use crate::model::reports::{AdsQuery, Level, SortKey, StatusFilter};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{FromQueryResult, Value};
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
        self.gone_at.is_some() || self.operation_status.as_deref() == Some("DELETE")
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

/// Deleted at TikTok, or gone from its answers.
const DELETED: &str = "(e.gone_at IS NOT NULL OR COALESCE(e.operation_status, '') = 'DELETE')";

/// The entity table, its TikTok id column and the insight level of a table level.
fn shape(level: Level) -> (&'static str, &'static str, &'static str) {
    match level {
        Level::Campaigns => ("tiktok_campaign", "campaign_id", "campaign"),
        Level::AdGroups => ("tiktok_adgroup", "adgroup_id", "adgroup"),
        Level::Ads => ("tiktok_ad", "ad_id", "ad"),
    }
}

/// `ORDER BY` over the columns of `r` (the filtered rows with their sums).
fn order(sort: SortKey, desc: bool) -> String {
    let expr = match sort {
        SortKey::Name => "LOWER(name)",
        SortKey::Advertiser => "LOWER(advertiser)",
        SortKey::Status => "operation_status",
        SortKey::Objective => "objective",
        SortKey::Budget => "budget_micros",
        SortKey::Spend => "spend",
        SortKey::Impressions => "impressions",
        SortKey::Clicks => "clicks",
        SortKey::Conversions => "conversions",
        // Ratios from the summed parts; none without a denominator.
        SortKey::Ctr => "CASE WHEN impressions > 0 THEN clicks * 1.0 / impressions END",
        SortKey::Cpc => "CASE WHEN clicks > 0 THEN spend * 1.0 / clicks END",
        SortKey::Cpm => "CASE WHEN impressions > 0 THEN spend * 1000.0 / impressions END",
        SortKey::CostPerConversion => "CASE WHEN conversions > 0 THEN spend * 1.0 / conversions END",
    };
    format!("{expr} {} NULLS LAST, row_id", if desc { "DESC" } else { "ASC" })
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
        let backend = self.db.get_database_backend();
        let (table, id_col, level) = shape(query.level);
        let campaign_name = match &query.campaign {
            Some(id) => Some(self.name_of(workspace_id, "tiktok_campaign", "campaign_id", id).await?),
            None => None,
        };
        let adgroup_name = match &query.adgroup {
            Some(id) => Some(self.name_of(workspace_id, "tiktok_adgroup", "adgroup_id", id).await?),
            None => None,
        };

        // The accounts in view, and the entities under a drill-down's parent.
        let mut scope = String::from("a.workspace_id = ?");
        let mut scope_values: Vec<Value> = vec![workspace_id.into()];
        if let Some(account) = query.account {
            scope.push_str(" AND a.id = ?");
            scope_values.push(account.into());
        }
        let mut parent = String::new();
        let mut parent_values: Vec<Value> = Vec::new();
        if let (Some(c), Level::AdGroups | Level::Ads) = (&query.campaign, query.level) {
            parent.push_str(" AND e.campaign_id = ?");
            parent_values.push(c.clone().into());
        }
        if let (Some(g), Level::Ads) = (&query.adgroup, query.level) {
            parent.push_str(" AND e.adgroup_id = ?");
            parent_values.push(g.clone().into());
        }
        // What people narrow the list by (deleted ones are counted apart, below).
        let mut filter = String::new();
        let mut filter_values: Vec<Value> = Vec::new();
        match query.status {
            Some(StatusFilter::Active) => filter.push_str(" AND e.operation_status = 'ENABLE'"),
            Some(StatusFilter::Paused) => filter.push_str(" AND e.operation_status = 'DISABLE'"),
            None => {}
        }
        if !query.search.trim().is_empty() {
            filter.push_str(" AND LOWER(e.name) LIKE ? ESCAPE '\\'");
            filter_values.push(sql::contains(query.search.trim()).into());
        }

        // m: each entity's results summed over the days, in the database. Under a drill-down
        // only a few entities count: each one's days are looked up by key (CROSS JOIN keeps
        // SQLite's join order). A whole list reads the days from the covering index by day.
        let sums = format!(
            "{} AS spend, {} AS impressions, {} AS clicks, {} AS conversions",
            sql::sum("i.spend_micros"),
            sql::sum("i.impressions"),
            sql::sum("i.clicks"),
            sql::sum("i.conversions")
        );
        let mut values: Vec<Value> = Vec::new();
        let m = if parent.is_empty() {
            values.extend(scope_values.iter().cloned());
            format!(
                "SELECT i.ad_account_id, i.object_id, {sums} FROM tiktok_insight_daily i \
                 WHERE i.ad_account_id IN (SELECT a.id FROM tiktok_ad_account a WHERE {scope}) \
                 AND i.level = ? AND i.date >= ? AND i.date <= ? GROUP BY i.ad_account_id, i.object_id"
            )
        } else {
            values.extend(scope_values.iter().cloned());
            values.extend(parent_values.iter().cloned());
            format!(
                "SELECT i.ad_account_id, i.object_id, {sums} \
                 FROM {table} e CROSS JOIN tiktok_insight_daily i{} JOIN tiktok_ad_account a ON a.id = e.ad_account_id \
                 WHERE {scope}{parent} AND i.ad_account_id = e.ad_account_id AND i.object_id = e.{id_col} \
                 AND i.level = ? AND i.date >= ? AND i.date <= ? GROUP BY i.ad_account_id, i.object_id",
                sql::indexed_by(backend, "tiktok_insight_daily_key")
            )
        };
        values.extend([level.into(), from.into(), to.into()]);

        let (objective, budget, budget_mode) = match query.level {
            Level::Campaigns => ("e.objective_type", "e.budget_micros", "e.budget_mode"),
            Level::AdGroups => ("e.optimization_goal", "e.budget_micros", "e.budget_mode"),
            Level::Ads => ("NULL", "NULL", "NULL"),
        };
        // r: the rows the filter keeps, deleted ones flagged, with their sums.
        let r = format!(
            "SELECT e.id AS row_id, e.{id_col} AS tiktok_id, e.name, e.operation_status, e.secondary_status, \
             {objective} AS objective, {budget} AS budget_micros, {budget_mode} AS budget_mode, e.gone_at, \
             a.id AS account_id, a.name AS advertiser, a.currency, \
             COALESCE(m.spend, 0) AS spend, COALESCE(m.impressions, 0) AS impressions, COALESCE(m.clicks, 0) AS clicks, \
             COALESCE(m.conversions, 0) AS conversions, CASE WHEN {DELETED} THEN 1 ELSE 0 END AS is_deleted \
             FROM {table} e JOIN tiktok_ad_account a ON a.id = e.ad_account_id \
             LEFT JOIN m ON m.ad_account_id = e.ad_account_id AND m.object_id = e.{id_col} \
             WHERE {scope}{parent}{filter}"
        );
        values.extend(scope_values.iter().cloned());
        values.extend(parent_values);
        values.extend(filter_values);

        // Ads have no budget of their own: sorting them by it keeps the name order.
        let sort = if query.level == Level::Ads && query.sort == SortKey::Budget { SortKey::Name } else { query.sort };
        let order = order(sort, query.desc);
        let limit = if all {
            String::new()
        } else {
            format!(
                " LIMIT {} OFFSET {}",
                AdsQuery::PAGE_SIZE,
                u64::from(query.page.max(1) - 1) * u64::from(AdsQuery::PAGE_SIZE)
            )
        };
        let shown = if query.show_deleted { "SELECT * FROM r" } else { "SELECT * FROM r WHERE is_deleted = 0" };
        // The page's pictures are looked up for its rows only, after the sort.
        let creative = match query.level {
            Level::Ads => format!(
                "ad.ad_text, ad.landing_page_url, ad.ad_format, \
                 COALESCE((SELECT v.cover_url FROM tiktok_video v WHERE v.ad_account_id = ad.ad_account_id AND v.video_id = ad.video_id), \
                          (SELECT im.image_url FROM tiktok_image im WHERE im.ad_account_id = ad.ad_account_id AND im.image_id = {})) AS thumbnail",
                sql::first_of_json_array(backend, "ad.image_ids")
            ),
            _ => "NULL AS ad_text, NULL AS landing_page_url, NULL AS ad_format, NULL AS thumbnail".to_owned(),
        };
        let creative_join = if query.level == Level::Ads { " JOIN tiktok_ad ad ON ad.id = p.row_id" } else { "" };
        let none = "NULL AS tiktok_id, NULL AS name, NULL AS operation_status, NULL AS secondary_status, NULL AS objective, \
                    NULL AS budget_micros, NULL AS budget_mode, NULL AS gone_at, NULL AS account_id, NULL AS advertiser";
        let no_creative = "NULL AS ad_text, NULL AS landing_page_url, NULL AS ad_format, NULL AS thumbnail";
        let statement = format!(
            "WITH m AS ({m}), r AS ({r}), shown AS ({shown}) \
             SELECT 'row' AS part, p.pos, p.tiktok_id, p.name, p.operation_status, p.secondary_status, p.objective, \
                    p.budget_micros, p.budget_mode, p.gone_at, p.account_id, p.advertiser, p.currency, \
                    p.spend, p.impressions, p.clicks, p.conversions, {creative}, CAST(NULL AS BIGINT) AS n, \
                    CAST(NULL AS BIGINT) AS deleted \
             FROM (SELECT shown.*, ROW_NUMBER() OVER (ORDER BY {order}) AS pos FROM shown ORDER BY {order}{limit}) p{creative_join} \
             UNION ALL \
             SELECT 'total', NULL, {none}, currency, {spend}, {imp}, {clk}, {conv}, {no_creative}, COUNT(*), CAST(NULL AS BIGINT) \
             FROM shown GROUP BY currency \
             UNION ALL \
             SELECT 'count', NULL, {none}, NULL, NULL, NULL, NULL, NULL, {no_creative}, COUNT(*), {deleted} FROM r",
            spend = sql::sum("spend"),
            imp = sql::sum("impressions"),
            clk = sql::sum("clicks"),
            conv = sql::sum("conversions"),
            deleted = sql::sum("is_deleted"),
        );
        // Postgres types a UNION pairwise: NULLs that meet numbers later are cast up front.
        let lines = Line::find_by_statement(sql::statement(backend, &statement, values)).all(&self.db).await?;

        let mut rows: Vec<(i64, Row)> = Vec::new();
        let mut totals = Vec::new();
        let (mut all_rows, mut deleted) = (0u64, 0u64);
        for line in lines {
            match line.part.as_str() {
                "row" => rows.push((
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
                "total" => totals.push((line.currency.clone().unwrap_or_else(|| "?".into()), line.sums())),
                _ => {
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
    async fn name_of(&self, workspace_id: i32, table: &str, id_col: &str, id: &str) -> Result<String, ReportError> {
        let stmt = sql::statement(
            self.db.get_database_backend(),
            &format!(
                "SELECT e.name FROM {table} e JOIN tiktok_ad_account a ON a.id = e.ad_account_id \
                 WHERE a.workspace_id = ? AND e.{id_col} = ? LIMIT 1"
            ),
            vec![workspace_id.into(), id.into()],
        );
        let found = Name::find_by_statement(stmt).one(&self.db).await?.ok_or(ReportError::NotFound)?;
        Ok(found.name.unwrap_or_else(|| id.to_owned()))
    }

    /// The accounts a query may name: `None` when it names another workspace's.
    pub fn scope<'a>(&self, accounts: &'a [AccountHealth], only: Option<i32>) -> Option<Vec<&'a AccountHealth>> {
        match only {
            None => Some(accounts.iter().collect()),
            Some(id) => accounts.iter().find(|a| a.account.id == id).map(|a| vec![a]),
        }
    }
}
