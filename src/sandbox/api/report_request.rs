//! `report/integrated/get/`'s parameters, checked in TikTok's order and with its words: BASIC
//! and AUDIENCE reports, their dimensions and the pairs TikTok refuses, the metrics AUDIENCE
//! refuses, spans, lifetime and status filtering.

use super::super::{
    data::{Breakdown, Delivery, Level},
    wire::*,
};
use chrono::NaiveDate;
use serde_json::Value;

/// The metrics an AUDIENCE report accepts; TikTok refuses reach, frequency, engagement and the rest.
pub const AUDIENCE_METRICS: [&str; 15] = [
    "spend",
    "impressions",
    "clicks",
    "ctr",
    "cpc",
    "cpm",
    "conversion",
    "cost_per_conversion",
    "conversion_rate",
    "result",
    "cost_per_result",
    "result_rate",
    "video_play_actions",
    "video_watched_2s",
    "video_watched_6s",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportType {
    Basic,
    Audience,
}

/// The time dimension of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Time {
    /// One row per entity (and bucket) for the whole span.
    Span,
    Day,
    Hour,
}

/// A report request that passed TikTok's checks.
pub struct ReportRequest {
    pub advertiser_id: String,
    pub level: Level,
    /// The dimension naming the row's entity (`campaign_id`, …).
    pub id_dim: &'static str,
    pub time: Time,
    /// The breakdown dimension(s), if any (hours are [`Time::Hour`], not a breakdown here).
    pub breakdown: Option<Breakdown>,
    pub metrics: Vec<String>,
    pub page: u32,
    pub size: u32,
    pub include_deleted: bool,
    /// First and last day asked for, both inclusive; `None` for a lifetime report.
    pub span: Option<(NaiveDate, NaiveDate)>,
}

impl ReportRequest {
    /// Checks the parameters in TikTok's order, so the first problem is the one it names.
    pub fn parse(q: &Query) -> Answer<Self> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let report_type = report_type(q)?;
        let level = data_level(q.required("data_level")?)?;
        let id_dim = id_dimension(level);
        let (time, breakdown) = dimensions(q, report_type, id_dim)?;
        let metrics = report_metrics(q, report_type)?;
        let (page, size) = q.paging(1000, 10)?;
        let include_deleted = report_filtering(q, level)?;
        let span = date_span(q, report_type, time, breakdown)?;
        Ok(Self { advertiser_id, level, id_dim, time, breakdown, metrics, page, size, include_deleted, span })
    }
}

fn report_type(q: &Query) -> Answer<ReportType> {
    let report_type = match q.required("report_type")? {
        "BASIC" => ReportType::Basic,
        "AUDIENCE" => ReportType::Audience,
        other => return Err(fail(40009, format!("report_type {other} is not supported in the sandbox."))),
    };
    if let Some(service) = q.get("service_type") {
        if service != "AUCTION" {
            return Err(param_error("service_type: Must be one of AUCTION."));
        }
    }
    Ok(report_type)
}

fn data_level(name: &str) -> Answer<Level> {
    match name {
        "AUCTION_ADVERTISER" => Ok(Level::Advertiser),
        "AUCTION_CAMPAIGN" => Ok(Level::Campaign),
        "AUCTION_ADGROUP" => Ok(Level::AdGroup),
        "AUCTION_AD" => Ok(Level::Ad),
        other => Err(param_error(format!("data_level: Invalid value {other}."))),
    }
}

fn id_dimension(level: Level) -> &'static str {
    match level {
        Level::Advertiser => "advertiser_id",
        Level::Campaign => "campaign_id",
        Level::AdGroup => "adgroup_id",
        Level::Ad => "ad_id",
    }
}

fn conflict(a: &str, b: &str) -> Refusal {
    param_error(format!("Conflict occurs between dimensions {a} and {b}."))
}

/// `dimensions`: the level's id, a time dimension or none, and the breakdowns the report type
/// allows (age with gender is the one pair TikTok accepts).
fn dimensions(q: &Query, report_type: ReportType, id_dim: &str) -> Answer<(Time, Option<Breakdown>)> {
    let dimensions =
        q.string_array("dimensions")?.ok_or_else(|| param_error("dimensions: Missing data for required field."))?;
    if !dimensions.iter().any(|d| d == id_dim) {
        return Err(param_error(format!("dimensions: {id_dim} is required for this data_level.")));
    }
    let mut time = Time::Span;
    let mut breakdowns: Vec<&str> = Vec::new();
    for d in &dimensions {
        match d.as_str() {
            d if d == id_dim => {}
            "stat_time_day" | "stat_time_hour" => {
                if time != Time::Span {
                    return Err(conflict("stat_time_day", "stat_time_hour"));
                }
                if d == "stat_time_hour" && report_type == ReportType::Audience {
                    return Err(param_error(
                        "Conflict occurs between dimensions stat_time_hour and report_type AUDIENCE.",
                    ));
                }
                time = if d == "stat_time_day" { Time::Day } else { Time::Hour };
            }
            "country_code" => breakdowns.push("country_code"),
            "age" | "gender" | "platform" if report_type == ReportType::Audience => breakdowns.push(d.as_str()),
            other => return Err(param_error(format!("dimensions: Invalid dimension {other} for this report."))),
        }
    }
    let breakdown = match breakdowns.as_slice() {
        [] if report_type == ReportType::Audience => {
            return Err(param_error("dimensions: An AUDIENCE report needs an audience dimension."))
        }
        [] => None,
        ["age"] => Some(Breakdown::Age),
        ["gender"] => Some(Breakdown::Gender),
        ["age", "gender"] | ["gender", "age"] => Some(Breakdown::AgeGender),
        ["platform"] => Some(Breakdown::Platform),
        ["country_code"] => Some(Breakdown::Country),
        // Age with gender is allowed: the conflict is with what comes with them.
        ["age", "gender", c, ..] | ["gender", "age", c, ..] => return Err(conflict("age", c)),
        [a, b, ..] => return Err(conflict(a, b)),
        [other] => return Err(param_error(format!("dimensions: Invalid dimension {other} for this report."))),
    };
    if time == Time::Hour && breakdown.is_some() {
        return Err(conflict("stat_time_hour", breakdowns[0]));
    }
    Ok((time, breakdown))
}

/// `metrics`: known metrics and attributes only (spend and impressions when absent); an
/// AUDIENCE report refuses the ones TikTok does not break down, naming them all.
fn report_metrics(q: &Query, report_type: ReportType) -> Answer<Vec<String>> {
    let metrics = q.string_array("metrics")?.unwrap_or_else(|| vec!["spend".into(), "impressions".into()]);
    if let Some(bad) = metrics.iter().find(|m| !is_attribute(m) && Delivery::default().metric(m).is_none()) {
        return Err(param_error(format!("metrics: Invalid metric {bad}.")));
    }
    if report_type == ReportType::Audience {
        let refused: Vec<&str> =
            metrics.iter().map(String::as_str).filter(|m| !is_attribute(m) && !AUDIENCE_METRICS.contains(m)).collect();
        if !refused.is_empty() {
            return Err(param_error(format!(
                "Please correct the information in invalid metric fields and try again. Invalid metric fields: [{}]",
                refused.join(", ")
            )));
        }
    }
    Ok(metrics)
}

/// Metrics that name or describe the entity rather than measure its delivery.
pub fn is_attribute(m: &str) -> bool {
    matches!(m, "campaign_name" | "adgroup_name" | "ad_name" | "campaign_id" | "adgroup_id" | "currency")
}

/// `query_lifetime` (BASIC without breakdowns only), or `start_date`..=`end_date` within a day
/// (hourly), 30 days (daily) or 365 days.
fn date_span(
    q: &Query,
    report_type: ReportType,
    time: Time,
    breakdown: Option<Breakdown>,
) -> Answer<Option<(NaiveDate, NaiveDate)>> {
    if q.get("query_lifetime") == Some("true") {
        if time != Time::Span {
            return Err(param_error("query_lifetime cannot be combined with a time dimension."));
        }
        if report_type == ReportType::Audience || breakdown.is_some() {
            return Err(param_error("query_lifetime is only supported for BASIC reports without breakdowns."));
        }
        return Ok(None);
    }
    let date = |k: &str| -> Answer<NaiveDate> {
        NaiveDate::parse_from_str(q.required(k)?, "%Y-%m-%d")
            .map_err(|_| param_error(format!("{k}: Not a valid date (YYYY-MM-DD).")))
    };
    let (s, e) = (date("start_date")?, date("end_date")?);
    if e < s {
        return Err(param_error("end_date must not be before start_date."));
    }
    // Both ends are inclusive.
    let span = (e - s).num_days() + 1;
    let (limit, with) = match time {
        Time::Hour => (1, " when stat_time_hour is a dimension"),
        Time::Day => (30, " when stat_time_day is a dimension"),
        Time::Span => (365, ""),
    };
    if span > limit {
        return Err(param_error(format!(
            "The time span between start_date and end_date must not exceed {limit} days{with}."
        )));
    }
    Ok(Some((s, e)))
}

/// Report `filtering`: a JSON array of `{field_name, filter_type, filter_value}`, where only the
/// queried level's status field may be filtered. Returns whether deleted entities are wanted.
fn report_filtering(q: &Query, level: Level) -> Answer<bool> {
    let Some(filters) = q.json_array("filtering")? else { return Ok(false) };
    let allowed = match level {
        Level::Advertiser => None,
        Level::Campaign => Some("campaign_status"),
        Level::AdGroup => Some("adgroup_status"),
        Level::Ad => Some("ad_status"),
    };
    let mut include_deleted = false;
    for f in filters {
        let text = |name: &str, missing: &str| {
            f.get(name).and_then(Value::as_str).ok_or_else(|| param_error(format!("filtering: {missing}")))
        };
        let field = text("field_name", "field_name is required.")?;
        let filter_type = text("filter_type", "filter_type is required.")?;
        let raw_value = text("filter_value", "filter_value must be a string.")?;
        if field.ends_with("_status") {
            if Some(field) != allowed {
                return Err(param_error(format!("filtering: {field} is not allowed at this data_level.")));
            }
            if filter_type != "IN" {
                return Err(param_error("filtering: status fields take filter_type IN."));
            }
            let values: Vec<String> = serde_json::from_str(raw_value)
                .map_err(|_| param_error("filtering: filter_value must be a JSON-encoded array."))?;
            include_deleted |= values.iter().any(|v| v == "STATUS_ALL" || v == "STATUS_DELETE");
        }
    }
    Ok(include_deleted)
}
