//! Ads Manager's table: campaigns, ad groups or ads of the workspace with their results for a
//! date range, filtered, searched, sorted and paged in the database. Three queries: the page of
//! rows, their count, and the totals per currency.

use super::{sql, AccountHealth, ReportError, ReportsService, Sums};
use crate::model::reports::{AdsQuery, Level, SortKey, StatusFilter};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{FromQueryResult, Value};

#[derive(Debug, Clone, FromQueryResult)]
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
    pub spend: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub ad_text: Option<String>,
    pub landing_page_url: Option<String>,
    pub ad_format: Option<String>,
    /// A video cover, else an image, when TikTok gave one.
    pub thumbnail: Option<String>,
}

impl Row {
    pub fn sums(&self) -> Sums {
        Sums { spend_micros: self.spend, impressions: self.impressions, clicks: self.clicks, conversions: self.conversions }
    }

    pub fn deleted(&self) -> bool {
        self.gone_at.is_some() || self.operation_status.as_deref() == Some("DELETE")
    }
}

#[derive(Debug, Clone)]
pub struct TableData {
    pub rows: Vec<Row>,
    pub total_rows: u64,
    pub totals: Vec<(String, Sums)>,
    /// Drill-down: the campaign's and ad group's names, when they are part of the query.
    pub campaign_name: Option<String>,
    pub adgroup_name: Option<String>,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

#[derive(FromQueryResult)]
struct CurrencySums {
    currency: Option<String>,
    spend: Option<i64>,
    impressions: Option<i64>,
    clicks: Option<i64>,
    conversions: Option<i64>,
}

#[derive(FromQueryResult)]
struct Name {
    name: Option<String>,
}

/// The entity table, its TikTok id column and the insight level of a table level.
fn shape(level: Level) -> (&'static str, &'static str, &'static str) {
    match level {
        Level::Campaigns => ("tiktok_campaign", "campaign_id", "campaign"),
        Level::AdGroups => ("tiktok_adgroup", "adgroup_id", "adgroup"),
        Level::Ads => ("tiktok_ad", "ad_id", "ad"),
    }
}

fn order(sort: SortKey, desc: bool, objective: &str) -> String {
    let spend = "COALESCE(m.spend, 0)";
    let expr = match sort {
        SortKey::Name => "LOWER(e.name)".to_owned(),
        SortKey::Advertiser => "LOWER(a.name)".to_owned(),
        SortKey::Status => "e.operation_status".to_owned(),
        SortKey::Objective => objective.to_owned(),
        SortKey::Budget => "e.budget_micros".to_owned(),
        SortKey::Spend => spend.to_owned(),
        SortKey::Impressions => "COALESCE(m.impressions, 0)".to_owned(),
        SortKey::Clicks => "COALESCE(m.clicks, 0)".to_owned(),
        SortKey::Conversions => "COALESCE(m.conversions, 0)".to_owned(),
        // Ratios from the summed parts; none without a denominator.
        SortKey::Ctr => "CASE WHEN m.impressions > 0 THEN m.clicks * 1.0 / m.impressions END".to_owned(),
        SortKey::Cpc => format!("CASE WHEN m.clicks > 0 THEN {spend} * 1.0 / m.clicks END"),
        SortKey::Cpm => format!("CASE WHEN m.impressions > 0 THEN {spend} * 1000.0 / m.impressions END"),
        SortKey::CostPerConversion => format!("CASE WHEN m.conversions > 0 THEN {spend} * 1.0 / m.conversions END"),
    };
    format!("{expr} {} NULLS LAST, e.id", if desc { "DESC" } else { "ASC" })
}

impl ReportsService {
    /// The table for `query` over `from..=to` in `workspace_id`; `all` lifts paging (CSV).
    pub async fn table(
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

        // Which entities: the same conditions for the rows, their count and their totals.
        let mut filter = String::from("a.workspace_id = ?");
        let mut values: Vec<Value> = vec![workspace_id.into()];
        if let Some(account) = query.account {
            filter.push_str(" AND a.id = ?");
            values.push(account.into());
        }
        if let (Some(c), Level::AdGroups | Level::Ads) = (&query.campaign, query.level) {
            filter.push_str(" AND e.campaign_id = ?");
            values.push(c.clone().into());
        }
        if let (Some(g), Level::Ads) = (&query.adgroup, query.level) {
            filter.push_str(" AND e.adgroup_id = ?");
            values.push(g.clone().into());
        }
        if !query.show_deleted {
            filter.push_str(" AND e.gone_at IS NULL AND (e.operation_status IS NULL OR e.operation_status <> 'DELETE')");
        }
        match query.status {
            Some(StatusFilter::Active) => filter.push_str(" AND e.operation_status = 'ENABLE'"),
            Some(StatusFilter::Paused) => filter.push_str(" AND e.operation_status = 'DISABLE'"),
            None => {}
        }
        if !query.search.trim().is_empty() {
            filter.push_str(" AND LOWER(e.name) LIKE ? ESCAPE '\\'");
            values.push(sql::contains(query.search.trim()).into());
        }

        // The entities' results for the days, summed per entity in the database; only the
        // entities the filter keeps are read (the index on account, level, object, date).
        let metrics = format!(
            "SELECT i.ad_account_id, i.object_id, {spend} AS spend, {imp} AS impressions, {clk} AS clicks, {conv} AS conversions \
             FROM tiktok_insight_daily i JOIN {table} e ON e.ad_account_id = i.ad_account_id AND e.{id_col} = i.object_id \
             JOIN tiktok_ad_account a ON a.id = e.ad_account_id \
             WHERE i.level = ? AND i.date >= ? AND i.date <= ? AND {filter} \
             GROUP BY i.ad_account_id, i.object_id",
            spend = sql::sum("i.spend_micros"),
            imp = sql::sum("i.impressions"),
            clk = sql::sum("i.clicks"),
            conv = sql::sum("i.conversions"),
        );
        let mut metric_values: Vec<Value> = vec![level.into(), from.into(), to.into()];
        metric_values.extend(values.iter().cloned());

        let (objective, ad_columns) = match query.level {
            Level::Campaigns => ("e.objective_type", "NULL AS ad_text, NULL AS landing_page_url, NULL AS ad_format, NULL AS thumbnail"),
            Level::AdGroups => ("e.optimization_goal", "NULL AS ad_text, NULL AS landing_page_url, NULL AS ad_format, NULL AS thumbnail"),
            Level::Ads => (
                "NULL",
                "e.ad_text, e.landing_page_url, e.ad_format, \
                 COALESCE((SELECT v.cover_url FROM tiktok_video v WHERE v.ad_account_id = e.ad_account_id AND v.video_id = e.video_id), \
                          (SELECT im.image_url FROM tiktok_image im WHERE im.ad_account_id = e.ad_account_id AND e.image_ids LIKE '%\"' || im.image_id || '\"%' LIMIT 1)) AS thumbnail",
            ),
        };
        let (budget, budget_mode) = match query.level {
            Level::Ads => ("NULL", "NULL"),
            _ => ("e.budget_micros", "e.budget_mode"),
        };
        // Ads have no budget of their own: sorting them by it keeps TikTok's order.
        let query = &AdsQuery { sort: if query.level == Level::Ads && query.sort == SortKey::Budget { SortKey::Name } else { query.sort }, ..query.clone() };
        let limit = if all { String::new() } else { format!(" LIMIT {} OFFSET {}", AdsQuery::PAGE_SIZE, (query.page.max(1) - 1) * AdsQuery::PAGE_SIZE) };
        let rows_sql = format!(
            "SELECT e.{id_col} AS tiktok_id, e.name, e.operation_status, e.secondary_status, {objective} AS objective, \
             {budget} AS budget_micros, {budget_mode} AS budget_mode, e.gone_at, a.id AS account_id, a.name AS advertiser, a.currency, \
             COALESCE(m.spend, 0) AS spend, COALESCE(m.impressions, 0) AS impressions, COALESCE(m.clicks, 0) AS clicks, \
             COALESCE(m.conversions, 0) AS conversions, {ad_columns} \
             FROM {table} e JOIN tiktok_ad_account a ON a.id = e.ad_account_id \
             LEFT JOIN ({metrics}) m ON m.ad_account_id = e.ad_account_id AND m.object_id = e.{id_col} \
             WHERE {filter} ORDER BY {order}{limit}",
            order = order(query.sort, query.desc, objective),
        );
        let mut row_values = metric_values.clone();
        row_values.extend(values.iter().cloned());
        let rows = Row::find_by_statement(sql::statement(backend, &rows_sql, row_values)).all(&self.db).await?;

        let count_sql = format!("SELECT COUNT(*) AS n FROM {table} e JOIN tiktok_ad_account a ON a.id = e.ad_account_id WHERE {filter}");
        let total_rows = Count::find_by_statement(sql::statement(backend, &count_sql, values.clone()))
            .one(&self.db)
            .await?
            .map_or(0, |c| c.n.max(0) as u64);

        let totals_sql = format!(
            "SELECT a.currency, {spend} AS spend, {imp} AS impressions, {clk} AS clicks, {conv} AS conversions \
             FROM ({metrics}) m JOIN tiktok_ad_account a ON a.id = m.ad_account_id GROUP BY a.currency ORDER BY a.currency",
            spend = sql::sum("m.spend"),
            imp = sql::sum("m.impressions"),
            clk = sql::sum("m.clicks"),
            conv = sql::sum("m.conversions"),
        );
        let totals = CurrencySums::find_by_statement(sql::statement(backend, &totals_sql, metric_values))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| {
                let sums = Sums {
                    spend_micros: t.spend.unwrap_or(0),
                    impressions: t.impressions.unwrap_or(0),
                    clicks: t.clicks.unwrap_or(0),
                    conversions: t.conversions.unwrap_or(0),
                };
                (t.currency.unwrap_or_else(|| "?".into()), sums)
            })
            .collect();
        Ok(TableData { rows, total_rows, totals, campaign_name, adgroup_name })
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
