//! What Ads Manager and the Dashboard get back: rows, totals, KPIs, charts and empty states,
//! with their figures already in words.

use super::{AdsQuery, BreakdownSection, DashboardQuery, Metric};
use crate::model::{
    ids::AccountId,
    tone::{Tone, Trend},
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Summed results in words, ratios computed from the sums (never averaged), as a person reads
/// them; the delivery sums travel too (millionths for money).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Figures {
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    /// Each figure in words (money without its currency), in [`Metric::VARIANTS`] order; `None` where
    /// TikTok gave no value or the sums cannot give it (no clicks: no cost per click). The page
    /// shows a dash, the CSV an empty cell — never a 0 TikTok did not say.
    pub values: Vec<Option<String>>,
}

impl Figures {
    pub fn get(&self, m: Metric) -> Option<&str> {
        self.values.get(m.index()).and_then(Option::as_deref)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdsRow {
    /// TikTok's id.
    pub id: String,
    pub name: String,
    pub advertiser: String,
    pub currency: String,
    pub status: Badge,
    pub deleted: bool,
    pub objective: Option<String>,
    pub budget: Option<String>,
    pub figures: Figures,
    /// The next level down, when there is one.
    pub drill: Option<String>,
    /// Ads: what the ad shows.
    pub creative: Option<Creative>,
    /// Campaigns broken down (`breakdown=`): a line per value, sorted like the table.
    pub split: Vec<SplitLine>,
}

/// A campaign's results for one value of a breakdown: `25–34`, `iOS`, `Germany (DE)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitLine {
    pub value: String,
    pub figures: Figures,
}

/// A status in words, and its colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Badge {
    pub label: String,
    pub tone: Tone,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Creative {
    pub thumbnail: Option<String>,
    pub text: Option<String>,
    pub landing_page: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crumb {
    pub label: String,
    pub href: String,
}

/// The totals of one currency (money is never summed across currencies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrencyTotals {
    pub currency: String,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountOption {
    pub id: AccountId,
    pub name: String,
    pub currency: String,
    pub pending_review: bool,
}

/// A line about an account that needs attention, linking to its connector card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attention {
    pub text: String,
    pub href: String,
}

/// Nothing to show yet, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Empty {
    /// No TikTok connection: connect one.
    NotConnected,
    /// Accounts are imported but their first sync is not done: its progress.
    FirstSync { progress: String },
    /// No account has data and no first sync is running: it stopped (the card says why).
    FirstSyncStopped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdsTable {
    pub query: AdsQuery,
    pub empty: Option<Empty>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub crumbs: Vec<Crumb>,
    pub rows: Vec<AdsRow>,
    pub total_rows: u64,
    /// Deleted rows hidden by the "Show deleted" toggle.
    pub hidden_deleted: u64,
    pub pages: u32,
    pub totals: Vec<CurrencyTotals>,
    pub accounts: Vec<AccountOption>,
    pub attention: Vec<Attention>,
    pub pending_review: Vec<String>,
    /// A campaign's page: its results by age and gender, platform or country.
    pub breakdowns: Option<BreakdownSection>,
    /// The table broken down (`breakdown=`): up to which day its lines are complete, or that they
    /// could not be read.
    pub split_notes: Vec<String>,
}

/// A total and its change against the previous period of the same length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub label: String,
    /// None when the period's sums cannot give it (a CTR without impressions).
    pub value: Option<String>,
    /// "+12.5%", "−3.0%", or None when the previous period had nothing to compare.
    pub change: Option<String>,
    pub trend: Trend,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrencyKpis {
    pub currency: String,
    pub kpis: Vec<Kpi>,
    pub figures: Figures,
}

/// A chart, drawn on the server as SVG, with its numbers as a table too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    pub svg: String,
    /// Day, then one value per series.
    pub table_head: Vec<String>,
    pub table: Vec<Vec<String>>,
}

/// One currency's results by who saw the ads, on the Dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownPanel {
    pub currency: String,
    pub charts: Vec<Chart>,
    pub notes: Vec<String>,
}

/// One currency's today by hour against yesterday: "Spend: 12% ahead of yesterday at 14:00".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pacing {
    pub currency: String,
    pub charts: Vec<Chart>,
    pub lines: Vec<String>,
}

/// The Dashboard's totals in the workspace's reporting currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reporting {
    /// Every advertiser's totals converted at daily rates, and how.
    Converted { totals: CurrencyKpis, notes: Vec<String> },
    /// The totals stay per currency, and why.
    PerCurrency { why: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopCampaign {
    pub name: String,
    pub advertiser: String,
    pub spend: String,
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub query: DashboardQuery,
    pub empty: Option<Empty>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub totals: Vec<CurrencyKpis>,
    pub charts: Vec<Chart>,
    pub top: Vec<TopCampaign>,
    /// Per currency: the range's results by age and gender, country and platform.
    pub panels: Vec<BreakdownPanel>,
    /// Per currency: today by hour against yesterday.
    pub pacing: Vec<Pacing>,
    /// The totals in the workspace's reporting currency, when it has one and several
    /// advertisers are in view.
    pub reporting: Option<Reporting>,
    pub accounts: Vec<AccountOption>,
    /// "Last synced 3 min ago".
    pub freshness: Option<String>,
    pub attention: Vec<Attention>,
}
