//! The BASIC report metrics the product reads, by TikTok's names, and a row's values of them
//! read straight from the `metrics` object (any other metric or attribute TikTok adds is skipped).

use super::lenient::parse_metric;
use rust_decimal::Decimal;
use serde::{de, Deserialize, Deserializer, Serialize};
use std::fmt;

/// One metric of TikTok's standard set, as `report/integrated/get/` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WireMetric {
    Spend,
    Impressions,
    Clicks,
    Ctr,
    Cpc,
    Cpm,
    Reach,
    Frequency,
    CostPer1000Reached,
    Conversion,
    CostPerConversion,
    ConversionRate,
    Result,
    CostPerResult,
    ResultRate,
    CompletePayment,
    ValuePerCompletePayment,
    VideoPlayActions,
    VideoWatched2s,
    VideoWatched6s,
    VideoViewsP25,
    VideoViewsP50,
    VideoViewsP75,
    VideoViewsP100,
    AverageVideoPlay,
    ProfileVisits,
    Likes,
    Comments,
    Shares,
    Follows,
}

/// How many metrics a report asks for.
pub const METRIC_COUNT: usize = 30;

impl WireMetric {
    pub const ALL: [WireMetric; METRIC_COUNT] = [
        WireMetric::Spend,
        WireMetric::Impressions,
        WireMetric::Clicks,
        WireMetric::Ctr,
        WireMetric::Cpc,
        WireMetric::Cpm,
        WireMetric::Reach,
        WireMetric::Frequency,
        WireMetric::CostPer1000Reached,
        WireMetric::Conversion,
        WireMetric::CostPerConversion,
        WireMetric::ConversionRate,
        WireMetric::Result,
        WireMetric::CostPerResult,
        WireMetric::ResultRate,
        WireMetric::CompletePayment,
        WireMetric::ValuePerCompletePayment,
        WireMetric::VideoPlayActions,
        WireMetric::VideoWatched2s,
        WireMetric::VideoWatched6s,
        WireMetric::VideoViewsP25,
        WireMetric::VideoViewsP50,
        WireMetric::VideoViewsP75,
        WireMetric::VideoViewsP100,
        WireMetric::AverageVideoPlay,
        WireMetric::ProfileVisits,
        WireMetric::Likes,
        WireMetric::Comments,
        WireMetric::Shares,
        WireMetric::Follows,
    ];

    pub fn wire(self) -> &'static str {
        match self {
            WireMetric::Spend => "spend",
            WireMetric::Impressions => "impressions",
            WireMetric::Clicks => "clicks",
            WireMetric::Ctr => "ctr",
            WireMetric::Cpc => "cpc",
            WireMetric::Cpm => "cpm",
            WireMetric::Reach => "reach",
            WireMetric::Frequency => "frequency",
            WireMetric::CostPer1000Reached => "cost_per_1000_reached",
            WireMetric::Conversion => "conversion",
            WireMetric::CostPerConversion => "cost_per_conversion",
            WireMetric::ConversionRate => "conversion_rate",
            WireMetric::Result => "result",
            WireMetric::CostPerResult => "cost_per_result",
            WireMetric::ResultRate => "result_rate",
            WireMetric::CompletePayment => "complete_payment",
            WireMetric::ValuePerCompletePayment => "value_per_complete_payment",
            WireMetric::VideoPlayActions => "video_play_actions",
            WireMetric::VideoWatched2s => "video_watched_2s",
            WireMetric::VideoWatched6s => "video_watched_6s",
            WireMetric::VideoViewsP25 => "video_views_p25",
            WireMetric::VideoViewsP50 => "video_views_p50",
            WireMetric::VideoViewsP75 => "video_views_p75",
            WireMetric::VideoViewsP100 => "video_views_p100",
            WireMetric::AverageVideoPlay => "average_video_play",
            WireMetric::ProfileVisits => "profile_visits",
            WireMetric::Likes => "likes",
            WireMetric::Comments => "comments",
            WireMetric::Shares => "shares",
            WireMetric::Follows => "follows",
        }
    }

    pub fn from_wire(name: &str) -> Option<WireMetric> {
        Self::ALL.into_iter().find(|m| m.wire() == name)
    }

    /// Its place in [`WireMetric::ALL`] (and in a row's [`Metrics`]).
    pub fn index(self) -> usize {
        self as usize
    }

    /// A whole count (impressions, likes, …); otherwise money, a ratio or seconds, which keep
    /// their fraction.
    pub fn is_count(self) -> bool {
        matches!(
            self,
            WireMetric::Impressions
                | WireMetric::Clicks
                | WireMetric::Reach
                | WireMetric::Conversion
                | WireMetric::Result
                | WireMetric::CompletePayment
                | WireMetric::VideoPlayActions
                | WireMetric::VideoWatched2s
                | WireMetric::VideoWatched6s
                | WireMetric::VideoViewsP25
                | WireMetric::VideoViewsP50
                | WireMetric::VideoViewsP75
                | WireMetric::VideoViewsP100
                | WireMetric::ProfileVisits
                | WireMetric::Likes
                | WireMetric::Comments
                | WireMetric::Shares
                | WireMetric::Follows
        )
    }
}

/// The metrics' names, as the report request lists them.
pub fn report_metrics() -> Vec<&'static str> {
    WireMetric::ALL.iter().map(|m| m.wire()).collect()
}

/// One row's values, exact, by metric; `None` where TikTok sent `"-"` or nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics(pub [Option<Decimal>; METRIC_COUNT]);

impl Metrics {
    pub fn get(&self, m: WireMetric) -> Option<Decimal> {
        self.0[m.index()]
    }

    pub fn set(&mut self, m: WireMetric, value: Option<Decimal>) {
        self.0[m.index()] = value;
    }
}

/// The `metrics` object as sent: each known name read by [`parse_metric`], the rest skipped.
#[derive(Debug, Default)]
pub(super) struct RawMetrics(pub Metrics);

impl<'de> Deserialize<'de> for RawMetrics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> de::Visitor<'de> for Visit {
            type Value = RawMetrics;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a metrics object")
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawMetrics, E> {
                Ok(RawMetrics::default())
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<RawMetrics, A::Error> {
                let mut out = Metrics::default();
                while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match WireMetric::from_wire(&name) {
                        Some(m) => out.set(m, parse_metric(&map.next_value::<serde_json::Value>()?)),
                        None => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(RawMetrics(out))
            }
        }
        d.deserialize_any(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_metric_has_its_own_name_and_place() {
        for (i, m) in WireMetric::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(WireMetric::from_wire(m.wire()), Some(m));
        }
    }

    #[test]
    fn known_metrics_are_read_and_the_rest_skipped() {
        let raw: RawMetrics = serde_json::from_value(json!({
            "spend": "20.00", "likes": 7, "frequency": "-", "campaign_name": "Sale", "secondary_goal_result": "-"
        }))
        .unwrap();
        assert_eq!(raw.0.get(WireMetric::Spend), Some(Decimal::new(2000, 2)));
        assert_eq!(raw.0.get(WireMetric::Likes), Some(Decimal::from(7)));
        assert_eq!(raw.0.get(WireMetric::Frequency), None, "\"-\" is no value");
        assert_eq!(raw.0.get(WireMetric::Follows), None, "not sent is no value");
    }
}
