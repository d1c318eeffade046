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
    fn a_pixel_stat_reads_custom_events_under_the_same_name() {
        let s: PixelEventStat =
            serde_json::from_value(json!({"custom_event_type": "Lead", "total_count": "12"})).unwrap();
        assert_eq!((s.pixel_event_type.as_deref(), s.total_count), (Some("Lead"), Some(12)));
    }
}
