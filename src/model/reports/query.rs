//! What a report's URL means: the range, level, filters, sort and page of Ads Manager and the
//! range and account of the Dashboard, typed, and their query strings both ways. The whole state
//! of a view lives in its URL, so a link or a GET form is all a control needs.

use super::{AudienceView, ColumnSet, Dimension, Level, OperationStatus, SortKey};
use crate::model::ids::AccountId;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A date range: a preset counted back from the advertiser's today, or explicit days.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Preset {
    Today,
    Yesterday,
    #[default]
    #[strum(serialize = "last_7")]
    Last7,
    #[strum(serialize = "last_30")]
    Last30,
    #[strum(serialize = "last_90")]
    Last90,
    Custom,
}

impl Preset {
    /// Its name in the URL (`range=`).
    pub fn key(self) -> &'static str {
        self.into()
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
        key.parse().ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Range {
    pub preset: Preset,
    /// Custom days (both inclusive).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Range {
    /// Today, yesterday or one custom day.
    pub fn single_day(&self) -> bool {
        match self.preset {
            Preset::Today | Preset::Yesterday => true,
            Preset::Custom => self.from.is_some() && self.from == self.to,
            Preset::Last7 | Preset::Last30 | Preset::Last90 => false,
        }
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

/// Everything that decides what Ads Manager shows; the URL's query string, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdsQuery {
    /// What the rows are (see [`Level::listed`]).
    pub level: Level,
    /// Drill-down: the campaign (for its ad groups) or ad group (for its ads), by TikTok id.
    pub campaign: Option<String>,
    pub adgroup: Option<String>,
    /// One ad account (our id), or all of the workspace's.
    pub account: Option<AccountId>,
    pub status: Option<StatusFilter>,
    pub search: String,
    pub sort: SortKey,
    pub desc: bool,
    /// 1-based.
    pub page: u32,
    pub show_deleted: bool,
    pub range: Range,
    /// The figures shown (and exported).
    pub columns: ColumnSet,
    /// A campaign's page: what its Breakdowns section shows.
    pub audience: AudienceView,
    /// The campaign table: each campaign's line split by this.
    pub breakdown: Option<Dimension>,
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
    /// Characters of a search kept.
    pub const MAX_SEARCH: usize = 200;

    /// The same query within the URL's limits: a query that came another way (a server
    /// function's JSON body) meets them too, and what the URL could not say falls back.
    pub fn checked(&self) -> Self {
        let pairs = self.pairs();
        Self::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

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
        let range = Range {
            preset: get("range").and_then(Preset::parse).unwrap_or_default(),
            from: day("from"),
            to: day("to"),
        };
        let columns = get("cols").and_then(ColumnSet::parse).unwrap_or_default();
        let asked = get("sort").and_then(SortKey::parse).unwrap_or_default();
        let sort = asked.shown(columns, &range);
        let level = match get("level") {
            Some("adgroups") => Level::AdGroup,
            Some("ads") => Level::Ad,
            _ => Level::Campaign,
        };
        Self {
            level,
            campaign: get("campaign").filter(|v| is_tiktok_id(v)).map(str::to_owned),
            adgroup: get("adgroup").filter(|v| is_tiktok_id(v)).map(str::to_owned),
            account: get("account").and_then(|v| v.parse().ok()).map(AccountId),
            status: match get("status") {
                Some("active") => Some(StatusFilter::Active),
                Some("paused") => Some(StatusFilter::Paused),
                _ => None,
            },
            search: get("q").unwrap_or_default().chars().take(Self::MAX_SEARCH).collect(),
            sort,
            desc: match get("dir") {
                Some("asc") if sort == asked => false,
                Some("desc") if sort == asked => true,
                _ => sort.descending_by_default(),
            },
            page: get("page").and_then(|v| v.parse().ok()).filter(|p| (1..=Self::MAX_PAGE).contains(p)).unwrap_or(1),
            show_deleted: get("deleted") == Some("1"),
            range,
            columns,
            audience: AudienceView::from_url(get("audience"), get("audience_metric")),
            // Breakdowns are synced per campaign: the table of campaigns alone splits.
            breakdown: get("breakdown").and_then(Dimension::parse).filter(|_| level == Level::Campaign),
        }
    }

    /// The state as query pairs, defaults left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        match self.level.listed() {
            Level::Advertiser | Level::Campaign => {}
            Level::AdGroup => pairs.push(("level", "adgroups".into())),
            Level::Ad => pairs.push(("level", "ads".into())),
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
        if self.columns != ColumnSet::default() {
            pairs.push(("cols", self.columns.key().into()));
        }
        pairs.extend(self.audience.pairs());
        if let Some(d) = self.breakdown {
            pairs.push(("breakdown", d.key().into()));
        }
        pairs
    }

    /// The campaign whose page this is (its ad groups listed), which shows its breakdowns;
    /// ad groups' are not synced.
    pub fn breakdowns_of(&self) -> Option<&str> {
        match (self.level.listed(), &self.campaign, &self.adgroup) {
            (Level::AdGroup, Some(campaign), None) => Some(campaign),
            _ => None,
        }
    }

    /// What decides the table's rows alone: the choices of how they are split or broken down
    /// left out, so every choice shares one cached table.
    pub fn rows_only(&self) -> AdsQuery {
        AdsQuery { audience: AudienceView::default(), breakdown: None, ..self.clone() }
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardQuery {
    pub account: Option<AccountId>,
    pub range: Range,
}

impl DashboardQuery {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let ads = AdsQuery::from_pairs(pairs);
        Self { account: ads.account, range: ads.range }
    }

    /// See [`AdsQuery::checked`].
    pub fn checked(&self) -> Self {
        let ads = self.as_ads().checked();
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

/// TikTok's ids are short strings of digits (letters are let by too); anything else names
/// nothing.
fn is_tiktok_id(v: &str) -> bool {
    (1..=32).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
