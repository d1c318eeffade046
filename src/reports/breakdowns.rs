//! Who saw the ads, summed for people: a campaign's results by age and gender, platform or
//! country over a range, from the split rows the sync stores (`tiktok_insight_breakdown`, the
//! daily rows' columns, so the same sums and formulas apply).

use super::{sql::Fragment, ReportError, ReportsService, Sums};
use crate::model::reports::{Breakdown, Dimension, Level, Metric};
use chrono::NaiveDate;
use sea_orm::{DbErr, FromQueryResult, QueryResult};
use strum::VariantArray;

/// One bucket of a breakdown, summed over the days: TikTok's values (empty for the dimensions
/// the breakdown has not) and the sums of every part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub age: String,
    pub gender: String,
    pub platform: String,
    pub country: String,
    pub currency: Option<String>,
    pub sums: Sums,
}

impl FromQueryResult for Bucket {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            age: res.try_get(pre, "age")?,
            gender: res.try_get(pre, "gender")?,
            platform: res.try_get(pre, "platform")?,
            country: res.try_get(pre, "country_code")?,
            currency: res.try_get(pre, "currency")?,
            sums: Sums::from_query_result(res, pre)?,
        })
    }
}

/// The Dashboard's figures by who saw the ads: spend charted, and what it bought.
pub const PANEL_FIGURES: [Metric; 6] =
    [Metric::Spend, Metric::Impressions, Metric::Clicks, Metric::Results, Metric::CostPerResult, Metric::Conversions];

/// A bucket of one of the breakdowns.
pub struct Split(pub Breakdown, pub Bucket);

impl FromQueryResult for Split {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let key: String = res.try_get(pre, "breakdown")?;
        let by = Breakdown::parse(&key).ok_or_else(|| DbErr::Type(format!("no breakdown is named {key}")))?;
        Ok(Self(by, Bucket::from_query_result(res, pre)?))
    }
}

/// Campaigns' results for one value of a dimension, summed over the days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSums {
    pub campaign_id: String,
    /// TikTok's value: `AGE_25_34`, `FEMALE`, `IOS`, `DE`.
    pub value: String,
    pub sums: Sums,
}

impl FromQueryResult for ValueSums {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            campaign_id: res.try_get(pre, "object_id")?,
            value: res.try_get(pre, "value")?,
            sums: Sums::from_query_result(res, pre)?,
        })
    }
}

/// The stored column holding a dimension's values.
fn column(d: Dimension) -> &'static str {
    match d {
        Dimension::Age => "i.age",
        Dimension::Gender => "i.gender",
        Dimension::Country => "i.country_code",
        Dimension::Platform => "i.platform",
    }
}

/// Campaigns a split query names at most (a table's page, or a chunk of an export).
pub const MAX_SPLIT_CAMPAIGNS: usize = 200;

impl ReportsService {
    /// Each of `campaigns` (TikTok's ids, at most [`MAX_SPLIT_CAMPAIGNS`]) of `workspace_id`
    /// split by `by` over `from..=to`. The caller holds its turn (a page's, or an export's slot).
    pub async fn split_by(
        &self,
        workspace_id: i32,
        campaigns: &[String],
        by: Dimension,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ValueSums>, ReportError> {
        let campaigns = &campaigns[..campaigns.len().min(MAX_SPLIT_CAMPAIGNS)];
        if campaigns.is_empty() {
            return Ok(Vec::new());
        }
        let ids = Fragment::join(", ", campaigns.iter().map(|c| Fragment::default().bind(c.clone())));
        let sums = super::sql::sums(super::Part::VARIANTS);
        let col = column(by);
        let stmt = Fragment::sql(format!(
            "SELECT i.object_id, {col} AS value, {sums} \
             FROM tiktok_insight_breakdown i JOIN tiktok_ad_account a ON a.id = i.ad_account_id \
             WHERE a.workspace_id = "
        ))
        .bind(workspace_id)
        .push(" AND i.level = ")
        .bind(Level::Campaign)
        .push(" AND i.breakdown = ")
        .bind(by.breakdown())
        .push(" AND i.date >= ")
        .bind(from)
        .push(" AND i.date <= ")
        .bind(to)
        .push(" AND i.object_id IN (")
        .append(ids)
        .push(format!(") GROUP BY i.object_id, {col}"))
        .statement(self.db.get_database_backend());
        Ok(ValueSums::find_by_statement(stmt).all(&self.db).await?)
    }

    /// The buckets of breakdown `by` of campaign `campaign_id` (TikTok's id) in `workspace_id`
    /// over `from..=to`; none when the campaign is not this workspace's.
    pub async fn campaign_buckets(
        &self,
        workspace_id: i32,
        campaign_id: &str,
        by: Breakdown,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Bucket>, ReportError> {
        let _turn = self.query_turn((to - from).num_days() >= super::LONG_RANGE_DAYS).await?;
        let sums = super::sql::sums(super::Part::VARIANTS);
        let stmt = Fragment::sql(format!(
            "SELECT i.age, i.gender, i.platform, i.country_code, a.currency, {sums} \
             FROM tiktok_insight_breakdown i JOIN tiktok_ad_account a ON a.id = i.ad_account_id \
             WHERE a.workspace_id = "
        ))
        .bind(workspace_id)
        .push(" AND i.level = ")
        .bind(Level::Campaign)
        .push(" AND i.object_id = ")
        .bind(campaign_id)
        .push(" AND i.breakdown = ")
        .bind(by)
        .push(" AND i.date >= ")
        .bind(from)
        .push(" AND i.date <= ")
        .bind(to)
        .push(" GROUP BY i.age, i.gender, i.platform, i.country_code, a.currency")
        .statement(self.db.get_database_backend());
        Ok(Bucket::find_by_statement(stmt).all(&self.db).await?)
    }
}
