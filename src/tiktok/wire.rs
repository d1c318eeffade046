//! TikTok's wire format: the envelope, paging and the records the product reads.
//!
//! TikTok documents ids as strings but some answers carry JSON numbers, and metrics arrive as
//! strings (`"20.00"`), numbers, or `"-"` for "not applicable". The lenient decoders here accept
//! all of them: ids always become `String`, metrics and money exact `Option<Decimal>` (read from
//! their text, never through a float) with `"-"` as `None`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{de, Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::str::FromStr;

/// `{"code", "message", "request_id", "data"}` around every answer; `data` is decoded apart,
/// straight into the type the call expects.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(deserialize_with = "int_lenient")]
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct PageInfo {
    #[serde(default, deserialize_with = "u32_lenient")]
    pub page: u32,
    #[serde(default, deserialize_with = "u32_lenient")]
    pub page_size: u32,
    #[serde(default, deserialize_with = "u32_lenient")]
    pub total_number: u32,
    #[serde(default, deserialize_with = "u32_lenient")]
    pub total_page: u32,
}

// ---- lenient decoders -------------------------------------------------------------------------

fn value_to_id(v: Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(
            n.as_u64()
                .map(|u| u.to_string())
                .or_else(|| n.as_i64().map(|i| i.to_string()))
                .unwrap_or_else(|| n.to_string()),
        ),
        _ => None,
    }
}

/// A required id: string or number, always kept as a string.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    value_to_id(Value::deserialize(d)?).ok_or_else(|| de::Error::custom("expected an id (string or number)"))
}

pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(value_to_id(Value::deserialize(d)?))
}

pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(items) => Ok(items.into_iter().filter_map(value_to_id).collect()),
        Value::Null => Ok(Vec::new()),
        _ => Err(de::Error::custom("expected an array of ids")),
    }
}

/// Parses a metric exactly: numbers and numeric strings (`"1.5"`, `"12%"`, `"1,234"`, `"1e3"`);
/// `"-"`, `""`, null and anything else → None.
pub fn parse_metric(v: &Value) -> Option<Decimal> {
    let text = match v {
        // The number's own text: `20.5` stays 20.5, not the nearest float.
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().trim_end_matches('%').replace(',', ""),
        _ => return None,
    };
    if text.is_empty() || text == "-" {
        return None;
    }
    Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok()
}

pub fn metric<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    Ok(parse_metric(&Value::deserialize(d)?))
}

/// A whole number, from any of the forms above (fractions are cut).
fn whole(v: &Value) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    parse_metric(v).and_then(|d| d.trunc().to_i64())
}

fn int_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    whole(&Value::deserialize(d)?).ok_or_else(|| de::Error::custom("expected an integer"))
}

fn u32_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    Ok(whole(&Value::deserialize(d)?).map(|n| n.clamp(0, u32::MAX as i64) as u32).unwrap_or(0))
}

pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(whole(&Value::deserialize(d)?))
}

/// Free text that TikTok sometimes sends as a number or omits.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::String(s) => match s.as_str() {
            "true" | "TRUE" | "1" => Some(true),
            "false" | "FALSE" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    })
}

/// A record with the object TikTok sent, so fields the product does not read are kept too.
#[derive(Debug, Clone, PartialEq)]
pub struct WithRaw<T> {
    pub item: T,
    pub raw: Value,
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for WithRaw<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(d)?;
        let item = T::deserialize(&raw).map_err(de::Error::custom)?;
        Ok(Self { item, raw })
    }
}

// ---- OAuth ------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub(crate) struct TokenData {
    pub access_token: String,
    #[serde(default, deserialize_with = "ids")]
    pub advertiser_ids: Vec<String>,
    #[serde(default)]
    pub scope: Value,
    #[serde(default, deserialize_with = "opt_i64")]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub refresh_token_expires_in: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct UserInfo {
    #[serde(default, deserialize_with = "opt_id")]
    pub core_user_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AdvertiserRef {
    #[serde(deserialize_with = "id")]
    pub advertiser_id: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub advertiser_name: Option<String>,
}

// ---- accounts and entities --------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AdvertiserInfo {
    #[serde(deserialize_with = "id")]
    pub advertiser_id: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub display_timezone: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub company: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub country: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "metric")]
    pub balance: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub create_time: Option<i64>,
}

impl AdvertiserInfo {
    /// An advertiser known only by its id (and maybe its name).
    pub fn named(advertiser_id: String, name: Option<String>) -> Self {
        Self {
            advertiser_id,
            name,
            status: None,
            currency: None,
            timezone: None,
            display_timezone: None,
            company: None,
            country: None,
            role: None,
            balance: None,
            create_time: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Campaign {
    #[serde(deserialize_with = "id")]
    pub campaign_id: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub advertiser_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub campaign_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub objective_type: Option<String>,
    #[serde(default, deserialize_with = "metric")]
    pub budget: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_text")]
    pub budget_mode: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub operation_status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub secondary_status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub create_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub modify_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AdGroup {
    #[serde(deserialize_with = "id")]
    pub adgroup_id: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub campaign_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub advertiser_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub adgroup_name: Option<String>,
    #[serde(default, deserialize_with = "metric")]
    pub budget: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_text")]
    pub budget_mode: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub operation_status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub secondary_status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub optimization_goal: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub billing_event: Option<String>,
    #[serde(default, deserialize_with = "metric")]
    pub bid_price: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_text")]
    pub placement_type: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub schedule_start_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub schedule_end_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub create_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub modify_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Ad {
    #[serde(deserialize_with = "id")]
    pub ad_id: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub adgroup_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub campaign_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub advertiser_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub ad_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub ad_format: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub ad_text: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub call_to_action: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub landing_page_url: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub video_id: Option<String>,
    #[serde(default, deserialize_with = "ids")]
    pub image_ids: Vec<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub operation_status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub secondary_status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub create_time: Option<String>,
    /// Smart+ ads can come without it.
    #[serde(default, deserialize_with = "opt_text")]
    pub modify_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Image {
    #[serde(deserialize_with = "id")]
    pub image_id: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub material_id: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub width: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub height: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub format: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub image_url: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub size: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub create_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub modify_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Video {
    #[serde(deserialize_with = "id")]
    pub video_id: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub material_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_name: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub width: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub height: Option<i64>,
    #[serde(default, deserialize_with = "metric")]
    pub duration: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_text")]
    pub format: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub video_cover_url: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub preview_url: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub create_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub modify_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Audience {
    #[serde(deserialize_with = "id")]
    pub audience_id: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub audience_type: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub cover_num: Option<i64>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub is_valid: Option<bool>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub is_expiring: Option<bool>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub shared: Option<bool>,
    #[serde(default, deserialize_with = "opt_text")]
    pub create_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub expired_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Pixel {
    #[serde(deserialize_with = "id")]
    pub pixel_id: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub pixel_code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub pixel_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub pixel_category: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub create_time: Option<String>,
    #[serde(default)]
    pub events: Vec<PixelEvent>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PixelEvent {
    #[serde(default, deserialize_with = "opt_id")]
    pub event_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub event_code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub optimization_event: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub statistic_type: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "metric")]
    pub currency_value: Option<Decimal>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub deprecated: Option<bool>,
}

// ---- reports ----------------------------------------------------------------------------------

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

/// The metrics the product stores; the daily report asks for exactly these.
pub const REPORT_METRICS: [&str; 9] =
    ["spend", "impressions", "clicks", "conversion", "ctr", "cpc", "cpm", "cost_per_conversion", "reach"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub spend: Option<Decimal>,
    pub impressions: Option<Decimal>,
    pub clicks: Option<Decimal>,
    pub conversions: Option<Decimal>,
    pub ctr: Option<Decimal>,
    pub cpc: Option<Decimal>,
    pub cpm: Option<Decimal>,
    pub cost_per_conversion: Option<Decimal>,
    pub reach: Option<Decimal>,
}

/// A pixel's event counts over a date range (`pixel/event/stats/`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PixelStats {
    #[serde(deserialize_with = "id")]
    pub pixel_id: String,
    #[serde(default)]
    pub statistics: Vec<PixelEventStat>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PixelEventStat {
    /// A standard event type, or `custom_event_type` for custom ones.
    #[serde(default, deserialize_with = "opt_text", alias = "custom_event_type")]
    pub pixel_event_type: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub attributed_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub browser_event_total_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub server_event_total_count: Option<i64>,
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

#[derive(Debug, Deserialize)]
pub(crate) struct RawReportRow {
    #[serde(default)]
    pub dimensions: RawDimensions,
    #[serde(default)]
    pub metrics: RawMetrics,
}

/// The dimensions the product asks for; fields are read as they come, no map in between.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawDimensions {
    #[serde(default, deserialize_with = "opt_id")]
    advertiser_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    campaign_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    adgroup_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    ad_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    stat_time_day: Option<String>,
}

/// The metrics of [`REPORT_METRICS`]; any others TikTok adds are skipped.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawMetrics {
    #[serde(default, deserialize_with = "metric")]
    spend: Option<Decimal>,
    #[serde(default, deserialize_with = "metric")]
    impressions: Option<Decimal>,
    #[serde(default, deserialize_with = "metric")]
    clicks: Option<Decimal>,
    #[serde(default, deserialize_with = "metric")]
    conversion: Option<Decimal>,
    #[serde(default, deserialize_with = "metric")]
    ctr: Option<Decimal>,
    #[serde(default, deserialize_with = "metric")]
    cpc: Option<Decimal>,
    #[serde(default, deserialize_with = "metric")]
    cpm: Option<Decimal>,
    #[serde(default, deserialize_with = "metric")]
    cost_per_conversion: Option<Decimal>,
    #[serde(default, deserialize_with = "metric")]
    reach: Option<Decimal>,
}

impl RawReportRow {
    fn metrics(&self) -> Metrics {
        let m = &self.metrics;
        Metrics {
            spend: m.spend,
            impressions: m.impressions,
            clicks: m.clicks,
            conversions: m.conversion,
            ctr: m.ctr,
            cpc: m.cpc,
            cpm: m.cpm,
            cost_per_conversion: m.cost_per_conversion,
            reach: m.reach,
        }
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
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_strings_whether_sent_as_strings_or_numbers() {
        let c: Campaign =
            serde_json::from_value(json!({"campaign_id": 1800000000000000001u64, "advertiser_id": "7000"})).unwrap();
        assert_eq!(c.campaign_id, "1800000000000000001");
        assert_eq!(c.advertiser_id.as_deref(), Some("7000"));
        let t: TokenData = serde_json::from_value(json!({"access_token": "x", "advertiser_ids": [1, "2"]})).unwrap();
        assert_eq!(t.advertiser_ids, vec!["1", "2"]);
    }

    #[test]
    fn metrics_parse_strings_numbers_and_dash_as_null() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(parse_metric(&json!("20.00")), Some(d("20.00")));
        assert_eq!(parse_metric(&json!(5830)), Some(d("5830")));
        assert_eq!(parse_metric(&json!("1.18%")), Some(d("1.18")));
        assert_eq!(parse_metric(&json!("1,234.5")), Some(d("1234.5")));
        assert_eq!(parse_metric(&json!(0.1)), Some(d("0.1")), "no float on the way");
        assert_eq!(parse_metric(&json!("-")), None);
        assert_eq!(parse_metric(&json!(null)), None);
        assert_eq!(parse_metric(&json!("n/a")), None);
    }

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
        assert_eq!(row.metrics.spend, Some(Decimal::new(2000, 2)));
        assert_eq!(row.metrics.impressions, Some(Decimal::from(5830)));
        assert_eq!(row.metrics.cpc, None);
        assert_eq!(row.metrics.conversions, Some(Decimal::ZERO));
    }
}
