//! What Ads Manager and the Dashboard ask for and get back. The whole state of a view lives in
//! its URL, so these parse from and print to query strings.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A date range: a preset counted back from the advertiser's today, or explicit days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Preset {
    Today,
    Yesterday,
    #[default]
    Last7,
    Last30,
    Last90,
    Custom,
}

impl Preset {
    pub const ALL: [Preset; 6] =
        [Preset::Today, Preset::Yesterday, Preset::Last7, Preset::Last30, Preset::Last90, Preset::Custom];

    pub fn key(self) -> &'static str {
        match self {
            Preset::Today => "today",
            Preset::Yesterday => "yesterday",
            Preset::Last7 => "last_7",
            Preset::Last30 => "last_30",
            Preset::Last90 => "last_90",
            Preset::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Preset::Today => "Today",
            Preset::Yesterday => "Yesterday",
            Preset::Last7 => "Last 7 days",
            Preset::Last30 => "Last 30 days",
            Preset::Last90 => "Last 90 days",
            Preset::Custom => "Custom",
        }
    }

    pub fn parse(key: &str) -> Option<Preset> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Range {
    pub preset: Preset,
    /// Custom days (both inclusive).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Which rows a table lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Level {
    #[default]
    Campaigns,
    AdGroups,
    Ads,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SortKey {
    Name,
    Advertiser,
    Status,
    Objective,
    Budget,
    #[default]
    Spend,
    Impressions,
    Clicks,
    Conversions,
    Ctr,
    Cpc,
    Cpm,
    CostPerConversion,
}

impl SortKey {
    pub const ALL: [SortKey; 13] = [
        SortKey::Name,
        SortKey::Advertiser,
        SortKey::Status,
        SortKey::Objective,
        SortKey::Budget,
        SortKey::Spend,
        SortKey::Impressions,
        SortKey::Clicks,
        SortKey::Conversions,
        SortKey::Ctr,
        SortKey::Cpc,
        SortKey::Cpm,
        SortKey::CostPerConversion,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Advertiser => "advertiser",
            SortKey::Status => "status",
            SortKey::Objective => "objective",
            SortKey::Budget => "budget",
            SortKey::Spend => "spend",
            SortKey::Impressions => "impressions",
            SortKey::Clicks => "clicks",
            SortKey::Conversions => "conversions",
            SortKey::Ctr => "ctr",
            SortKey::Cpc => "cpc",
            SortKey::Cpm => "cpm",
            SortKey::CostPerConversion => "cpa",
        }
    }

    pub fn parse(key: &str) -> Option<SortKey> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Text columns read A→Z first; numbers largest first.
    pub fn descending_by_default(self) -> bool {
        !matches!(self, SortKey::Name | SortKey::Advertiser | SortKey::Status | SortKey::Objective)
    }
}

/// Status filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusFilter {
    Active,
    Paused,
}

impl StatusFilter {
    /// The switch the rows it keeps are set to.
    pub fn operation(self) -> OperationStatus {
        match self {
            StatusFilter::Active => OperationStatus::Enable,
            StatusFilter::Paused => OperationStatus::Disable,
        }
    }
}

/// TikTok's switch on a campaign, ad group or ad (its `operation_status`), stored as TikTok's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationStatus {
    Enable,
    Disable,
    Delete,
}

impl OperationStatus {
    pub const ALL: [OperationStatus; 3] = [OperationStatus::Enable, OperationStatus::Disable, OperationStatus::Delete];

    /// TikTok's code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            OperationStatus::Enable => "ENABLE",
            OperationStatus::Disable => "DISABLE",
            OperationStatus::Delete => "DELETE",
        }
    }

    pub fn parse(code: &str) -> Option<OperationStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Everything that decides what Ads Manager shows; the URL's query string, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdsQuery {
    pub level: Level,
    /// Drill-down: the campaign (for its ad groups) or ad group (for its ads), by TikTok id.
    pub campaign: Option<String>,
    pub adgroup: Option<String>,
    /// One ad account (our id), or all of the workspace's.
    pub account: Option<i32>,
    pub status: Option<StatusFilter>,
    pub search: String,
    pub sort: SortKey,
    pub desc: bool,
    /// 1-based.
    pub page: u32,
    pub show_deleted: bool,
    pub range: Range,
}

impl Default for AdsQuery {
    /// What `/ads` shows: campaigns by spend, largest first, the last 7 days.
    fn default() -> Self {
        Self::from_pairs([])
    }
}

impl AdsQuery {
    pub const PAGE_SIZE: u32 = 50;
    /// Beyond any table's end; keeps the offset arithmetic far from overflowing.
    pub const MAX_PAGE: u32 = 1_000_000;

    /// Reads a query string's pairs; anything unknown or malformed falls back to the default.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let map: BTreeMap<&str, &str> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let get = |k: &str| map.get(k).copied();
        // Days far outside any delivery would only overflow date arithmetic further on.
        let day = |k: &str| {
            get(k)
                .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
                .filter(|d| (2000..=2100).contains(&d.year()))
        };
        let sort = get("sort").and_then(SortKey::parse).unwrap_or_default();
        let level = match get("level") {
            Some("adgroups") => Level::AdGroups,
            Some("ads") => Level::Ads,
            _ => Level::Campaigns,
        };
        Self {
            level,
            campaign: get("campaign").map(str::to_owned),
            adgroup: get("adgroup").map(str::to_owned),
            account: get("account").and_then(|v| v.parse().ok()),
            status: match get("status") {
                Some("active") => Some(StatusFilter::Active),
                Some("paused") => Some(StatusFilter::Paused),
                _ => None,
            },
            search: get("q").unwrap_or_default().chars().take(200).collect(),
            sort,
            desc: match get("dir") {
                Some("asc") => false,
                Some("desc") => true,
                _ => sort.descending_by_default(),
            },
            page: get("page").and_then(|v| v.parse().ok()).filter(|p| (1..=Self::MAX_PAGE).contains(p)).unwrap_or(1),
            show_deleted: get("deleted") == Some("1"),
            range: Range {
                preset: get("range").and_then(Preset::parse).unwrap_or_default(),
                from: day("from"),
                to: day("to"),
            },
        }
    }

    /// The state as query pairs, defaults left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        match self.level {
            Level::Campaigns => {}
            Level::AdGroups => pairs.push(("level", "adgroups".into())),
            Level::Ads => pairs.push(("level", "ads".into())),
        }
        if let Some(c) = &self.campaign {
            pairs.push(("campaign", c.clone()));
        }
        if let Some(g) = &self.adgroup {
            pairs.push(("adgroup", g.clone()));
        }
        if let Some(a) = self.account {
            pairs.push(("account", a.to_string()));
        }
        if let Some(s) = self.status {
            pairs.push(("status", if s == StatusFilter::Active { "active" } else { "paused" }.into()));
        }
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        if self.sort != SortKey::default() {
            pairs.push(("sort", self.sort.key().into()));
        }
        if self.desc != self.sort.descending_by_default() {
            pairs.push(("dir", if self.desc { "desc" } else { "asc" }.into()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        if self.show_deleted {
            pairs.push(("deleted", "1".into()));
        }
        if self.range.preset != Preset::default() {
            pairs.push(("range", self.range.preset.key().into()));
        }
        if self.range.preset == Preset::Custom {
            if let Some(f) = self.range.from {
                pairs.push(("from", f.to_string()));
            }
            if let Some(t) = self.range.to {
                pairs.push(("to", t.to_string()));
            }
        }
        pairs
    }

    /// The query string for this state (without the leading `?`).
    pub fn to_query(&self) -> String {
        self.pairs().iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// `/ads` with this state.
    pub fn href(&self) -> String {
        let q = self.to_query();
        if q.is_empty() {
            "/ads".into()
        } else {
            format!("/ads?{q}")
        }
    }
}

/// Percent-encodes a query value (letters, digits and `-_.~` stay).
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Summed results, with the ratios computed from the sums (never averaged), as a person reads
/// them; the raw sums travel too (millionths for money).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Figures {
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub spend: String,
    pub ctr: String,
    pub cpc: String,
    pub cpm: String,
    pub cost_per_conversion: String,
}

impl Figures {
    pub fn impressions_text(&self) -> String {
        count(self.impressions)
    }

    pub fn clicks_text(&self) -> String {
        count(self.clicks)
    }

    pub fn conversions_text(&self) -> String {
        count(self.conversions)
    }
}

/// Millionths as money: `1234560000` → `1,234.56`.
pub fn money(micros: i64) -> String {
    let cents = (micros as i128 + if micros < 0 { -5_000 } else { 5_000 }) / 10_000;
    let (sign, cents) = if cents < 0 { ("-", -cents) } else { ("", cents) };
    format!("{sign}{}.{:02}", grouped((cents / 100) as u128), cents % 100)
}

/// `1234567` → `1,234,567`.
pub fn count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", grouped(n.unsigned_abs() as u128))
}

/// Digits in groups of three: `1234567` → `1,234,567`.
pub fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdsRow {
    /// TikTok's id.
    pub id: String,
    pub name: String,
    pub advertiser: String,
    pub currency: String,
    pub status: String,
    pub deleted: bool,
    pub objective: Option<String>,
    pub budget: Option<String>,
    pub figures: Figures,
    /// The next level down, when there is one.
    pub drill: Option<String>,
    /// Ads: what the ad shows.
    pub creative: Option<Creative>,
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
    pub id: i32,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardQuery {
    pub account: Option<i32>,
    pub range: Range,
}

impl DashboardQuery {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let ads = AdsQuery::from_pairs(pairs);
        Self { account: ads.account, range: ads.range }
    }

    fn as_ads(&self) -> AdsQuery {
        AdsQuery { account: self.account, range: self.range, ..AdsQuery::default() }
    }

    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        self.as_ads().pairs()
    }

    pub fn href(&self) -> String {
        let q = self.as_ads().to_query();
        if q.is_empty() {
            "/dashboard".into()
        } else {
            format!("/dashboard?{q}")
        }
    }
}

/// A total and its change against the previous period of the same length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub label: String,
    pub value: String,
    /// "+12.5%", "−3.0%", or None when the previous period had nothing to compare.
    pub change: Option<String>,
    /// Up is good (spend up is neutral).
    pub tone: String,
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
    pub accounts: Vec<AccountOption>,
    /// "Last synced 3 min ago".
    pub freshness: Option<String>,
    pub attention: Vec<Attention>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_survives_its_url() {
        let q = AdsQuery {
            level: Level::Ads,
            adgroup: Some("19001".into()),
            campaign: Some("18001".into()),
            account: Some(3),
            status: Some(StatusFilter::Paused),
            search: "spring sale & co".into(),
            sort: SortKey::Ctr,
            desc: false,
            page: 3,
            show_deleted: true,
            range: Range {
                preset: Preset::Custom,
                from: NaiveDate::from_ymd_opt(2026, 1, 1),
                to: NaiveDate::from_ymd_opt(2026, 1, 31),
            },
        };
        let url = url_pairs(&q.to_query());
        let back = AdsQuery::from_pairs(url.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, q);
        assert_eq!(AdsQuery::default().href(), "/ads");
        assert_eq!((AdsQuery::default().page, AdsQuery::default().desc), (1, true), "page 1, largest spend first");
    }

    #[test]
    fn nonsense_in_the_url_falls_back_to_defaults() {
        let q = AdsQuery::from_pairs([("page", "-2"), ("sort", "hack"), ("range", "forever"), ("account", "x")]);
        assert_eq!((q.page, q.sort, q.range.preset, q.account), (1, SortKey::Spend, Preset::Last7, None));
        assert!(q.desc, "spend sorts largest first");
    }

    #[test]
    fn days_and_pages_beyond_any_data_fall_back_to_defaults() {
        let q = AdsQuery::from_pairs([
            ("range", "custom"),
            ("from", "-262143-01-01"),
            ("to", "9999-12-31"),
            ("page", "4294967295"),
        ]);
        assert_eq!((q.range.from, q.range.to, q.page), (None, None, 1));
        let q = AdsQuery::from_pairs([("range", "custom"), ("from", "2026-01-01"), ("page", "3")]);
        assert_eq!((q.range.from, q.page), (NaiveDate::from_ymd_opt(2026, 1, 1), 3));
    }

    fn url_pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                let mut bytes = Vec::new();
                let mut it = v.bytes();
                while let Some(b) = it.next() {
                    if b == b'%' {
                        let h: String = [it.next().unwrap() as char, it.next().unwrap() as char].iter().collect();
                        bytes.push(u8::from_str_radix(&h, 16).unwrap());
                    } else {
                        bytes.push(b);
                    }
                }
                (k.to_string(), String::from_utf8(bytes).unwrap())
            })
            .collect()
    }
}
