//! The Dashboard: totals for a range and the period before it (per currency), daily series for
//! the last 90 days, and the top campaigns by spend. TikTok's own advertiser-level rows give the
//! totals and series (one row per account and day), so they stay cheap however many ads there are.

use super::{
    breakdowns::{Bucket, Split, PANEL_FIGURES},
    cache::data_version,
    sql::{self, Fragment},
    sums::parts_of,
    AccountHealth, Part, ReportError, ReportsService, Sums,
};
use crate::{
    db::wide_sum,
    model::{
        ids::AccountId,
        reports::{Breakdown, Level, Metric},
    },
};
use chrono::{Duration, NaiveDate};
use sea_orm::{DbErr, FromQueryResult, QueryResult};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct DailyPoint {
    pub currency: Option<String>,
    pub date: NaiveDate,
    pub spend: Option<i64>,
    pub impressions: Option<i64>,
    pub clicks: Option<i64>,
    pub conversions: Option<i64>,
}

impl FromQueryResult for DailyPoint {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let sum = |p: Part| wide_sum::read(res, pre, p.alias());
        Ok(Self {
            currency: res.try_get(pre, "currency")?,
            date: res.try_get(pre, "date")?,
            spend: sum(Part::Spend)?,
            impressions: sum(Part::Impressions)?,
            clicks: sum(Part::Clicks)?,
            conversions: sum(Part::Conversions)?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct TopRow {
    pub campaign_id: String,
    pub name: Option<String>,
    pub account_id: i32,
    pub advertiser: String,
    pub currency: Option<String>,
    pub spend: Option<i64>,
}

impl FromQueryResult for TopRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            campaign_id: res.try_get(pre, "campaign_id")?,
            name: res.try_get(pre, "name")?,
            account_id: res.try_get(pre, "account_id")?,
            advertiser: res.try_get(pre, "advertiser")?,
            currency: res.try_get(pre, "currency")?,
            spend: wide_sum::read(res, pre, "spend")?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct DashboardData {
    /// Per currency: the range, then the period of the same length before it.
    pub totals: Vec<(String, Sums, Sums)>,
    pub series: Vec<DailyPoint>,
    pub series_from: NaiveDate,
    pub series_to: NaiveDate,
    pub top: Vec<TopRow>,
    /// Every breakdown's buckets over the campaigns in view, per currency.
    pub splits: Vec<(Breakdown, Bucket)>,
}

/// A currency's sums of every part.
struct CurrencySums {
    currency: Option<String>,
    sums: Sums,
}

impl FromQueryResult for CurrencySums {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self { currency: res.try_get(pre, "currency")?, sums: Sums::from_query_result(res, pre)? })
    }
}

impl ReportsService {
    /// The Dashboard of `workspace_id` (whose `accounts` are given) for one account or all.
    pub async fn dashboard(
        &self,
        workspace_id: i32,
        accounts: &[AccountHealth],
        account: Option<AccountId>,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<Arc<DashboardData>, ReportError> {
        let key = (workspace_id, data_version(accounts), account, from, to, today);
        let heavy = (to - from).num_days() >= super::LONG_RANGE_DAYS;
        self.cache
            .dashboard(key, async move {
                let _turn = self.query_turn(heavy).await?;
                self.compute_dashboard(workspace_id, account, from, to, today).await
            })
            .await
    }

    async fn compute_dashboard(
        &self,
        workspace_id: i32,
        account: Option<AccountId>,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<DashboardData, ReportError> {
        let backend = self.db.get_database_backend();
        let mut scope = Fragment::sql("a.workspace_id = ").bind(workspace_id);
        if let Some(id) = account {
            scope = scope.push(" AND a.id = ").bind(id);
        }
        // The rows of one level over some days, for the accounts in view.
        let rows_of = |level: Level, from: NaiveDate, to: NaiveDate| {
            scope
                .clone()
                .push(" AND i.level = ")
                .bind(level)
                .push(" AND i.date >= ")
                .bind(from)
                .push(" AND i.date <= ")
                .bind(to)
        };
        let shown = sql::sums(&parts_of(Metric::DASHBOARD));
        let charted = sql::sums(&[Part::Spend, Part::Impressions, Part::Clicks, Part::Conversions]);
        let from_days = "FROM tiktok_insight_daily i JOIN tiktok_ad_account a ON a.id = i.ad_account_id WHERE ";
        let totals_for = |from: NaiveDate, to: NaiveDate| {
            let stmt = Fragment::sql(format!("SELECT a.currency, {shown} {from_days}"))
                .append(rows_of(Level::Advertiser, from, to))
                .push(" GROUP BY a.currency ORDER BY a.currency")
                .statement(backend);
            CurrencySums::find_by_statement(stmt).all(&self.db)
        };
        let days = (to - from).num_days() + 1;
        let now = totals_for(from, to).await?;
        let before = totals_for(from - Duration::days(days), from - Duration::days(1)).await?;
        let mut totals: Vec<(String, Sums, Sums)> = now
            .iter()
            .map(|t| {
                let currency = t.currency.clone().unwrap_or_else(|| "?".into());
                let previous =
                    before.iter().find(|b| b.currency == t.currency).map_or_else(Sums::nothing_delivered, |b| b.sums);
                (currency, t.sums, previous)
            })
            .collect();
        for b in &before {
            if !now.iter().any(|t| t.currency == b.currency) {
                totals.push((b.currency.clone().unwrap_or_else(|| "?".into()), Sums::nothing_delivered(), b.sums));
            }
        }

        let (series_from, series_to) = (today - Duration::days(89), today);
        let stmt = Fragment::sql(format!("SELECT a.currency, i.date, {charted} {from_days}"))
            .append(rows_of(Level::Advertiser, series_from, series_to))
            .push(" GROUP BY a.currency, i.date ORDER BY i.date")
            .statement(backend);
        let series = DailyPoint::find_by_statement(stmt).all(&self.db).await?;

        // Spend is only comparable within one currency: the top 10 of each.
        let stmt = Fragment::sql(format!(
            "SELECT campaign_id, name, account_id, advertiser, currency, spend_hi, spend_lo FROM ( \
               SELECT m.object_id AS campaign_id, c.name, a.id AS account_id, a.name AS advertiser, a.currency, \
                      m.spend_hi, m.spend_lo, {spend} AS spend, \
                      ROW_NUMBER() OVER (PARTITION BY a.currency ORDER BY {spend} DESC, m.object_id) AS rank \
               FROM (SELECT i.ad_account_id, i.object_id, {sum} {from_days}",
            sum = wide_sum::sum("i.spend_micros", "spend"),
            spend = wide_sum::approx("m.", "spend"),
        ))
        .append(rows_of(Level::Campaign, from, to))
        .push(format!(
            " GROUP BY i.ad_account_id, i.object_id) m \
               JOIN tiktok_ad_account a ON a.id = m.ad_account_id \
               LEFT JOIN tiktok_campaign c ON c.ad_account_id = m.ad_account_id AND c.campaign_id = m.object_id \
               WHERE {spend} > 0) t \
             WHERE rank <= 10 ORDER BY currency, spend DESC, campaign_id",
            spend = wide_sum::approx("m.", "spend"),
        ))
        .statement(backend);
        let top = TopRow::find_by_statement(stmt).all(&self.db).await?;

        let stmt = Fragment::sql(format!(
            "SELECT i.breakdown, i.age, i.gender, i.platform, i.country_code, a.currency, {} \
             FROM tiktok_insight_breakdown i JOIN tiktok_ad_account a ON a.id = i.ad_account_id WHERE ",
            sql::sums(&parts_of(PANEL_FIGURES))
        ))
        .append(rows_of(Level::Campaign, from, to))
        .push(" GROUP BY i.breakdown, i.age, i.gender, i.platform, i.country_code, a.currency")
        .statement(backend);
        let splits = Split::find_by_statement(stmt).all(&self.db).await?.into_iter().map(|s| (s.0, s.1)).collect();
        Ok(DashboardData { totals, series, series_from, series_to, top, splits })
    }
}
