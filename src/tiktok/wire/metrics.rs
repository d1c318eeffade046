//! The BASIC report metrics the product reads, by TikTok's names, and a row's values of them
//! read straight from the `metrics` object (any other metric or attribute TikTok adds is skipped).

use super::lenient::parse_metric;
use rust_decimal::Decimal;
use serde::{de, Deserialize, Deserializer, Serialize};
use std::fmt;
use strum::{EnumCount, VariantArray};

/// One metric of TikTok's standard set; its name (`cost_per_1000_reached`) is
/// `report/integrated/get/`'s.
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
    strum::EnumCount,
)]
#[strum(serialize_all = "snake_case")]
pub enum WireMetric {
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
    Conversion,
    CostPerConversion,
    ConversionRate,
    Result,
    CostPerResult,
    ResultRate,
    CompletePayment,
    ValuePerCompletePayment,
    VideoPlayActions,
    #[strum(serialize = "video_watched_2s")]
    VideoWatched2s,
    #[strum(serialize = "video_watched_6s")]
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
pub const METRIC_COUNT: usize = WireMetric::COUNT;

impl WireMetric {
    pub fn wire(self) -> &'static str {
        self.into()
    }

    pub fn from_wire(name: &str) -> Option<WireMetric> {
        name.parse().ok()
    }

    /// Its place in [`WireMetric::VARIANTS`] (and in a row's [`Metrics`]).
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

/// The metrics TikTok's AUDIENCE report breaks down: it refuses the rest (reach, frequency,
/// engagement…) with 40002, so a breakdown query asks for these only.
pub const AUDIENCE_METRICS: [WireMetric; 15] = [
    WireMetric::Spend,
    WireMetric::Impressions,
    WireMetric::Clicks,
    WireMetric::Ctr,
    WireMetric::Cpc,
    WireMetric::Cpm,
    WireMetric::Conversion,
    WireMetric::CostPerConversion,
    WireMetric::ConversionRate,
    WireMetric::Result,
    WireMetric::CostPerResult,
    WireMetric::ResultRate,
    WireMetric::VideoPlayActions,
    WireMetric::VideoWatched2s,
    WireMetric::VideoWatched6s,
];

/// The AUDIENCE metrics' names, as a breakdown request lists them.
pub fn audience_metrics() -> Vec<&'static str> {
    AUDIENCE_METRICS.iter().map(|m| m.wire()).collect()
}

/// The metrics' names, as the report request lists them.
pub fn report_metrics() -> Vec<&'static str> {
    WireMetric::VARIANTS.iter().map(|m| m.wire()).collect()
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
        for (i, &m) in WireMetric::VARIANTS.iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(WireMetric::from_wire(m.wire()), Some(m));
        }
        let names = [WireMetric::CostPer1000Reached, WireMetric::VideoWatched2s, WireMetric::VideoViewsP25]
            .map(WireMetric::wire);
        assert_eq!(names, ["cost_per_1000_reached", "video_watched_2s", "video_views_p25"], "TikTok's spelling");
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
