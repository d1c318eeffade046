//! The figures Ads Manager, the Dashboard and the export show, and the column sets people pick
//! between. How each is computed from the synced days lives with the reports (server side).

use serde::{Deserialize, Serialize};

/// One figure of TikTok's standard set, as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Metric {
    Spend,
    Impressions,
    Clicks,
    Ctr,
    Cpc,
    Cpm,
    Reach,
    Frequency,
    CostPer1000Reached,
    Conversions,
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
    Watched2s,
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
    pub const ALL: [Metric; 32] = [
        Metric::Spend,
        Metric::Impressions,
        Metric::Clicks,
        Metric::Ctr,
        Metric::Cpc,
        Metric::Cpm,
        Metric::Reach,
        Metric::Frequency,
        Metric::CostPer1000Reached,
        Metric::Conversions,
        Metric::CostPerConversion,
        Metric::ConversionRate,
        Metric::Results,
        Metric::CostPerResult,
        Metric::ResultRate,
        Metric::Purchases,
        Metric::PurchaseValue,
        Metric::ValuePerPurchase,
        Metric::Roas,
        Metric::VideoPlays,
        Metric::Watched2s,
        Metric::Watched6s,
        Metric::ViewsP25,
        Metric::ViewsP50,
        Metric::ViewsP75,
        Metric::ViewsP100,
        Metric::AverageWatch,
        Metric::ProfileVisits,
        Metric::Likes,
        Metric::Comments,
        Metric::Shares,
        Metric::Follows,
    ];

    /// Its place in [`Metric::ALL`] (and in a row's figures).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Its name in URLs (`sort=`) and in the page (`data-metric`).
    pub fn key(self) -> &'static str {
        match self {
            Metric::Spend => "spend",
            Metric::Impressions => "impressions",
            Metric::Clicks => "clicks",
            Metric::Ctr => "ctr",
            Metric::Cpc => "cpc",
            Metric::Cpm => "cpm",
            Metric::Reach => "reach",
            Metric::Frequency => "frequency",
            Metric::CostPer1000Reached => "cost_per_1000_reached",
            Metric::Conversions => "conversions",
            Metric::CostPerConversion => "cpa",
            Metric::ConversionRate => "conversion_rate",
            Metric::Results => "results",
            Metric::CostPerResult => "cost_per_result",
            Metric::ResultRate => "result_rate",
            Metric::Purchases => "purchases",
            Metric::PurchaseValue => "purchase_value",
            Metric::ValuePerPurchase => "value_per_purchase",
            Metric::Roas => "roas",
            Metric::VideoPlays => "video_plays",
            Metric::Watched2s => "watched_2s",
            Metric::Watched6s => "watched_6s",
            Metric::ViewsP25 => "views_p25",
            Metric::ViewsP50 => "views_p50",
            Metric::ViewsP75 => "views_p75",
            Metric::ViewsP100 => "views_p100",
            Metric::AverageWatch => "average_watch",
            Metric::ProfileVisits => "profile_visits",
            Metric::Likes => "likes",
            Metric::Comments => "comments",
            Metric::Shares => "shares",
            Metric::Follows => "follows",
        }
    }

    pub fn parse(key: &str) -> Option<Metric> {
        Self::ALL.into_iter().find(|m| m.key() == key)
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ColumnSet {
    #[default]
    Performance,
    Conversions,
    Video,
    Engagement,
    Delivery,
}

impl ColumnSet {
    pub const ALL: [ColumnSet; 5] =
        [ColumnSet::Performance, ColumnSet::Conversions, ColumnSet::Video, ColumnSet::Engagement, ColumnSet::Delivery];

    /// Its name in the URL (`cols=`).
    pub fn key(self) -> &'static str {
        match self {
            ColumnSet::Performance => "performance",
            ColumnSet::Conversions => "conversions",
            ColumnSet::Video => "video",
            ColumnSet::Engagement => "engagement",
            ColumnSet::Delivery => "delivery",
        }
    }

    pub fn parse(key: &str) -> Option<ColumnSet> {
        Self::ALL.into_iter().find(|c| c.key() == key)
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

    #[test]
    fn every_metric_has_its_own_key_and_place() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Metric::parse(m.key()), Some(m));
        }
    }

    #[test]
    fn every_metric_is_in_some_column_set() {
        for m in Metric::ALL {
            assert!(ColumnSet::ALL.iter().any(|c| c.metrics().contains(&m)), "{m:?}");
        }
    }
}
