//! `report/integrated/get/` and `pixel/event/stats/`: report levels and report rows from the
//! wire to their shaped form (the metrics: [`super::metrics`]).

use super::{
    lenient::{record, AsIs, Id, Int, OptId, Text},
    metrics::{Metrics, RawMetrics},
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// `report/integrated/get/` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataLevel {
    Advertiser,
    Campaign,
    AdGroup,
    Ad,
}

impl DataLevel {
    pub fn wire(self) -> &'static str {
        match self {
            DataLevel::Advertiser => "AUCTION_ADVERTISER",
            DataLevel::Campaign => "AUCTION_CAMPAIGN",
            DataLevel::AdGroup => "AUCTION_ADGROUP",
            DataLevel::Ad => "AUCTION_AD",
        }
    }

    /// The id dimension at this level.
    pub fn id_dimension(self) -> &'static str {
        match self {
            DataLevel::Advertiser => "advertiser_id",
            DataLevel::Campaign => "campaign_id",
            DataLevel::AdGroup => "adgroup_id",
            DataLevel::Ad => "ad_id",
        }
    }

    /// Only the status field of the queried level may be filtered (advertiser level has none).
    pub fn status_field(self) -> Option<&'static str> {
        match self {
            DataLevel::Advertiser => None,
            DataLevel::Campaign => Some("campaign_status"),
            DataLevel::AdGroup => Some("adgroup_status"),
            DataLevel::Ad => Some("ad_status"),
        }
    }
}

record! {
    /// A pixel's event counts over a date range (`pixel/event/stats/`).
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct PixelStats {
        pub pixel_id: String = Id,
        pub statistics: Vec<PixelEventStat> = AsIs<Vec<PixelEventStat>>,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct PixelEventStat {
        /// A standard event type, or `custom_event_type` for custom ones.
        #[serde(alias = "custom_event_type")]
        pub pixel_event_type: Option<String> = Text,
        pub total_count: Option<i64> = Int,
        pub attributed_count: Option<i64> = Int,
        pub browser_event_total_count: Option<i64> = Int,
        pub server_event_total_count: Option<i64> = Int,
    }
}

/// One object's totals over a date range (a report without a time dimension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalRow {
    pub id: String,
    pub metrics: Metrics,
}

/// One daily row: the entity id at the report's level, the day, the metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub id: String,
    pub date: NaiveDate,
    pub metrics: Metrics,
}

/// The bucket of a breakdown a row is in, by TikTok's values (`AGE_25_34`, `FEMALE`, `IOS`,
/// `US`); empty for the dimensions its report has not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Bucket {
    pub age: String,
    pub gender: String,
    pub platform: String,
    pub country_code: String,
}

/// One daily row of one bucket of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    pub row: ReportRow,
    pub bucket: Bucket,
}

/// One hour of one object's day: `row.date` is the advertiser's day, `hour` its hour (0–23).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourRow {
    pub row: ReportRow,
    pub hour: u32,
}

/// A report row as sent, before it is shaped into a [`ReportRow`] or a [`TotalRow`].
#[derive(Debug, Deserialize)]
pub struct RawReportRow {
    #[serde(default)]
    dimensions: RawDimensions,
    #[serde(default)]
    metrics: RawMetrics,
}

record! {
    /// The dimensions the product asks for; fields are read as they come, no map in between.
    #[derive(Debug, Default)]
    struct RawDimensions {
        advertiser_id: Option<String> = OptId,
        campaign_id: Option<String> = OptId,
        adgroup_id: Option<String> = OptId,
        ad_id: Option<String> = OptId,
        stat_time_day: Option<String> = Text,
        stat_time_hour: Option<String> = Text,
        age: Option<String> = Text,
        gender: Option<String> = Text,
        platform: Option<String> = Text,
        country_code: Option<String> = Text,
    }
}

impl RawReportRow {
    fn metrics(&mut self) -> Metrics {
        std::mem::take(&mut self.metrics.0)
    }

    fn id(&mut self, level: DataLevel) -> Option<String> {
        let d = &mut self.dimensions;
        match level {
            DataLevel::Advertiser => d.advertiser_id.take(),
            DataLevel::Campaign => d.campaign_id.take(),
            DataLevel::AdGroup => d.adgroup_id.take(),
            DataLevel::Ad => d.ad_id.take(),
        }
    }

    /// Shapes a daily wire row; `None` when the id or the day is missing or malformed.
    pub(crate) fn into_row(mut self, level: DataLevel) -> Option<ReportRow> {
        let id = self.id(level)?;
        let day = self.dimensions.stat_time_day.as_deref()?;
        // "YYYY-MM-DD 00:00:00"; tolerate a bare date.
        let date = NaiveDate::parse_from_str(day.get(..10)?, "%Y-%m-%d").ok()?;
        Some(ReportRow { id, date, metrics: self.metrics() })
    }

    /// Shapes a daily wire row of a breakdown by `dimensions` (TikTok's names); `None` when the
    /// id, the day or one of those dimensions is missing.
    pub(crate) fn into_breakdown_row(mut self, level: DataLevel, dimensions: &[&str]) -> Option<BreakdownRow> {
        let d = &mut self.dimensions;
        let take = |name: &str, value: &mut Option<String>| match value.take() {
            Some(v) if !v.is_empty() && v != "-" => Some(v),
            _ if dimensions.contains(&name) => None,
            _ => Some(String::new()),
        };
        let bucket = Bucket {
            age: take("age", &mut d.age)?,
            gender: take("gender", &mut d.gender)?,
            platform: take("platform", &mut d.platform)?,
            country_code: take("country_code", &mut d.country_code)?,
        };
        Some(BreakdownRow { row: self.into_row(level)?, bucket })
    }

    /// Shapes an hourly wire row (`stat_time_hour` is `"YYYY-MM-DD HH:00:00"`); `None` when the
    /// id or the hour is missing or malformed.
    pub(crate) fn into_hour_row(mut self, level: DataLevel) -> Option<HourRow> {
        let id = self.id(level)?;
        let stamp = self.dimensions.stat_time_hour.take()?;
        let at = chrono::NaiveDateTime::parse_from_str(stamp.get(..19)?, "%Y-%m-%d %H:%M:%S").ok()?;
        let hour = chrono::Timelike::hour(&at);
        Some(HourRow { row: ReportRow { id, date: at.date(), metrics: self.metrics() }, hour })
    }

    /// Shapes a totals wire row (no time dimension); `None` without an id.
    pub(crate) fn into_total(mut self, level: DataLevel) -> Option<TotalRow> {
        let id = self.id(level)?;
        Some(TotalRow { id, metrics: self.metrics() })
    }
}

#[cfg(test)]
mod tests {
    use super::{super::metrics::WireMetric, *};
    use rust_decimal::Decimal;
    use serde_json::json;

    #[test]
    fn a_report_row_reads_its_day_and_metrics() {
        let raw: RawReportRow = serde_json::from_value(json!({
            "dimensions": {"ad_id": 11111111, "stat_time_day": "2024-09-03 00:00:00"},
            "metrics": {"spend": "20.00", "impressions": "5830", "clicks": "69", "cpc": "-", "conversion": "0"}
        }))
        .unwrap();
        let row = raw.into_row(DataLevel::Ad).unwrap();
        assert_eq!(row.id, "11111111");
        assert_eq!(row.date, NaiveDate::from_ymd_opt(2024, 9, 3).unwrap());
        assert_eq!(row.metrics.get(WireMetric::Spend), Some(Decimal::new(2000, 2)));
        assert_eq!(row.metrics.get(WireMetric::Impressions), Some(Decimal::from(5830)));
        assert_eq!(row.metrics.get(WireMetric::Cpc), None);
        assert_eq!(row.metrics.get(WireMetric::Conversion), Some(Decimal::ZERO));
    }

    #[test]
    fn a_breakdown_row_reads_its_bucket_and_wants_every_dimension_it_was_asked_for() {
        let raw = |dims: serde_json::Value| -> RawReportRow {
            serde_json::from_value(json!({"dimensions": dims, "metrics": {"spend": "1.00"}})).unwrap()
        };
        let asked = ["age", "gender"];
        let row = raw(
            json!({"campaign_id": "7", "stat_time_day": "2026-01-02 00:00:00", "age": "AGE_25_34", "gender": "NONE"}),
        )
        .into_breakdown_row(DataLevel::Campaign, &asked)
        .unwrap();
        assert_eq!(
            (row.bucket.age.as_str(), row.bucket.gender.as_str(), row.bucket.platform.as_str()),
            ("AGE_25_34", "NONE", "")
        );
        let no_gender = raw(json!({"campaign_id": "7", "stat_time_day": "2026-01-02 00:00:00", "age": "AGE_25_34"}));
        assert!(no_gender.into_breakdown_row(DataLevel::Campaign, &asked).is_none());
    }

    #[test]
    fn an_hour_row_reads_the_day_and_hour_and_refuses_a_broken_stamp() {
        let raw = |stamp: &str| -> RawReportRow {
            serde_json::from_value(json!({"dimensions": {"campaign_id": "7", "stat_time_hour": stamp}, "metrics": {}}))
                .unwrap()
        };
        let row = raw("2026-01-02 14:00:00").into_hour_row(DataLevel::Campaign).unwrap();
        assert_eq!((row.row.date, row.hour), (NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), 14));
        assert!(raw("2026-01-02 25:00:00").into_hour_row(DataLevel::Campaign).is_none());
    }

    #[test]
    fn a_pixel_stat_reads_custom_events_under_the_same_name() {
        let s: PixelEventStat =
            serde_json::from_value(json!({"custom_event_type": "Lead", "total_count": "12"})).unwrap();
        assert_eq!((s.pixel_event_type.as_deref(), s.total_count), (Some("Lead"), Some(12)));
    }
}
