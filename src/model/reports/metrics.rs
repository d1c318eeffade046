//! The figures Ads Manager, the Dashboard and the export show, and the column sets people pick
//! between. How each is computed from the synced days lives with the reports (server side).

use serde::{Deserialize, Serialize};

/// One figure of TikTok's standard set, as people read it. Its key (`spend`, `cpa`) names it in
/// URLs (`sort=`) and in the page (`data-metric`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Metric {
    Spend,
    Impressions,
    Clicks,
    Ctr,
    Cpc,
    Cpm,
    Reach,
    Frequency,
    #[strum(serialize = "cost_per_1000_reached")]
    CostPer1000Reached,
    Conversions,
    #[strum(serialize = "cpa")]
    CostPerConversion,
    ConversionRate,
    Results,
    CostPerResult,
    ResultRate,
    Purchases,
    PurchaseValue,
    ValuePerPurchase,
    Roas,
    VideoPlays,
    #[strum(serialize = "watched_2s")]
    Watched2s,
    #[strum(serialize = "watched_6s")]
    Watched6s,
    ViewsP25,
    ViewsP50,
    ViewsP75,
    ViewsP100,
    AverageWatch,
    ProfileVisits,
    Likes,
    Comments,
    Shares,
    Follows,
}

/// How a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// In the row's currency.
    Money,
    Percent,
    /// A plain ratio: frequency, ROAS.
    Times,
    Seconds,
}

impl Metric {
    /// Its place in [`Metric::VARIANTS`] (and in a row's figures).
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn parse(key: &str) -> Option<Metric> {
        key.parse().ok()
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::Spend => "Spend",
            Metric::Impressions => "Impressions",
            Metric::Clicks => "Clicks",
            Metric::Ctr => "CTR",
            Metric::Cpc => "CPC",
            Metric::Cpm => "CPM",
            Metric::Reach => "Reach",
            Metric::Frequency => "Frequency",
            Metric::CostPer1000Reached => "Cost per 1,000 reached",
            Metric::Conversions => "Conversions",
            Metric::CostPerConversion => "Cost per conversion",
            Metric::ConversionRate => "Conversion rate",
            Metric::Results => "Results",
            Metric::CostPerResult => "Cost per result",
            Metric::ResultRate => "Result rate",
            Metric::Purchases => "Purchases",
            Metric::PurchaseValue => "Purchase value",
            Metric::ValuePerPurchase => "Value per purchase",
            Metric::Roas => "ROAS",
            Metric::VideoPlays => "Video views",
            Metric::Watched2s => "2-second views",
            Metric::Watched6s => "6-second views",
            Metric::ViewsP25 => "Views to 25%",
            Metric::ViewsP50 => "Views to 50%",
            Metric::ViewsP75 => "Views to 75%",
            Metric::ViewsP100 => "Views to 100%",
            Metric::AverageWatch => "Average watch time (s)",
            Metric::ProfileVisits => "Profile visits",
            Metric::Likes => "Likes",
            Metric::Comments => "Comments",
            Metric::Shares => "Shares",
            Metric::Follows => "Follows",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::Spend
            | Metric::Cpc
            | Metric::Cpm
            | Metric::CostPer1000Reached
            | Metric::CostPerConversion
            | Metric::CostPerResult
            | Metric::PurchaseValue
            | Metric::ValuePerPurchase => Unit::Money,
            Metric::Ctr | Metric::ConversionRate | Metric::ResultRate => Unit::Percent,
            Metric::Frequency | Metric::Roas => Unit::Times,
            Metric::AverageWatch => Unit::Seconds,
            _ => Unit::Count,
        }
    }

    /// The Dashboard's totals, in order.
    pub const DASHBOARD: [Metric; 12] = [
        Metric::Spend,
        Metric::Impressions,
        Metric::Clicks,
        Metric::Conversions,
        Metric::Ctr,
        Metric::Cpc,
        Metric::Cpm,
        Metric::CostPerConversion,
        Metric::Results,
        Metric::CostPerResult,
        Metric::PurchaseValue,
        Metric::Roas,
    ];

    /// Whether more of it is good news; `None` where it is neither (spend, reach).
    pub fn more_is_better(self) -> Option<bool> {
        match self {
            Metric::Spend | Metric::Reach | Metric::Frequency => None,
            _ if self.unit() == Unit::Money && self != Metric::PurchaseValue => Some(false),
            _ => Some(true),
        }
    }

    /// TikTok counts people once over a whole range, so a range's reach is not the sum of its
    /// days: these figures are shown for a single day only.
    pub fn day_only(self) -> bool {
        matches!(self, Metric::Reach | Metric::Frequency | Metric::CostPer1000Reached)
    }
}

/// The columns Ads Manager shows (and exports) together.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    Default,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum ColumnSet {
    #[default]
    Performance,
    Conversions,
    Video,
    Engagement,
    Delivery,
}

impl ColumnSet {
    /// Its name in the URL (`cols=`).
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn parse(key: &str) -> Option<ColumnSet> {
        key.parse().ok()
    }

    pub fn label(self) -> &'static str {
        match self {
            ColumnSet::Performance => "Performance",
            ColumnSet::Conversions => "Conversions",
            ColumnSet::Video => "Video",
            ColumnSet::Engagement => "Engagement",
            ColumnSet::Delivery => "Delivery",
        }
    }

    pub fn metrics(self) -> &'static [Metric] {
        use Metric::*;
        match self {
            ColumnSet::Performance => &[Spend, Impressions, Clicks, Conversions, Ctr, Cpc, Cpm, CostPerConversion],
            ColumnSet::Conversions => &[
                Spend,
                Results,
                CostPerResult,
                ResultRate,
                Conversions,
                CostPerConversion,
                ConversionRate,
                Purchases,
                PurchaseValue,
                ValuePerPurchase,
                Roas,
            ],
            ColumnSet::Video => &[
                Spend,
                Impressions,
                VideoPlays,
                Watched2s,
                Watched6s,
                ViewsP25,
                ViewsP50,
                ViewsP75,
                ViewsP100,
                AverageWatch,
            ],
            ColumnSet::Engagement => &[Spend, Impressions, Clicks, ProfileVisits, Likes, Comments, Shares, Follows],
            ColumnSet::Delivery => &[Spend, Impressions, Reach, Frequency, CostPer1000Reached, Cpm],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn every_metric_has_its_own_key_and_place() {
        for (i, &m) in Metric::VARIANTS.iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Metric::parse(m.key()), Some(m));
        }
    }

    /// Keys are in people's bookmarks and links: the ones not spelled like their variant stay.
    #[test]
    fn keys_in_links_keep_their_spelling() {
        let keys = [Metric::CostPer1000Reached, Metric::CostPerConversion, Metric::Watched2s, Metric::ViewsP25]
            .map(Metric::key);
        assert_eq!(keys, ["cost_per_1000_reached", "cpa", "watched_2s", "views_p25"]);
        assert_eq!(ColumnSet::Performance.key(), "performance");
        assert_eq!(Metric::parse("Spend"), None, "keys are exact");
    }

    #[test]
    fn every_metric_is_in_some_column_set() {
        for m in Metric::VARIANTS {
            assert!(ColumnSet::VARIANTS.iter().any(|c| c.metrics().contains(m)), "{m:?}");
        }
    }
}
