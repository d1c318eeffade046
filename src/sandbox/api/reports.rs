//! `report/integrated/get/`: BASIC auction reports at any data level, lifetime or over a date
//! span, by entity or by entity and day, with TikTok's parameter rules and metric formatting.

use super::{
    super::{
        data::{Delivery, Generator, Key, Level},
        wire::*,
        world::SandboxAdvertiser,
        Sandbox,
    },
    accounts::reachable,
};
use axum::{http::HeaderMap, response::Response};
use chrono::{Duration, NaiveDate};
use serde_json::{json, Map, Value};

use crate::sandbox::data::EPOCH;

impl Sandbox {
    /// `report/integrated/get/`: one page of report rows.
    pub(super) fn report(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let request = ReportRequest::parse(q)?;
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &request.advertiser_id)?;
        self.check_path_qps(&request.advertiser_id, "report/integrated/get/")?;
        let g = world.generator(adv);

        // Delivery runs for the configured number of days up to today in the advertiser's timezone.
        let tz: chrono_tz::Tz = adv.timezone.parse().unwrap_or(chrono_tz::UTC);
        let today = self.now().with_timezone(&tz).date_naive();
        let days = delivery_days(&g, request.span, today);
        let per_entity = if request.daily { days.len() as u64 } else { u64::from(!days.is_empty()) };
        let rows = Rows {
            request: &request,
            keys: g.keys(request.level, request.include_deleted).collect(),
            g,
            adv,
            days,
            per_entity,
            drift: world.daily_spend_drift.get(&adv.id).copied().unwrap_or(0.0),
            today,
        };
        let total = rows.keys.len() as u64 * per_entity;
        let first = (request.page as u64 - 1) * request.size as u64;
        let last = total.min(first + request.size as u64);
        let list: Vec<Value> = (first..last).map(|i| rows.row(i)).collect();
        Ok(ok(json!({ "list": list, "page_info": page_info(request.page, request.size, total) })))
    }
}

/// A report request that passed TikTok's checks.
struct ReportRequest {
    advertiser_id: String,
    level: Level,
    /// The dimension naming the row's entity (`campaign_id`, …).
    id_dim: &'static str,
    /// `stat_time_day` is a dimension: a row per entity and day.
    daily: bool,
    metrics: Vec<String>,
    page: u32,
    size: u32,
    include_deleted: bool,
    /// First and last day asked for, both inclusive; `None` for a lifetime report.
    span: Option<(NaiveDate, NaiveDate)>,
}

impl ReportRequest {
    /// Checks the parameters in TikTok's order, so the first problem is the one it names.
    fn parse(q: &Query) -> Answer<Self> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        check_report_type(q)?;
        let level = data_level(q.required("data_level")?)?;
        let id_dim = id_dimension(level);
        let daily = time_dimension(q, id_dim)?;
        let metrics = report_metrics(q)?;
        let (page, size) = q.paging(1000, 10)?;
        let include_deleted = report_filtering(q, level)?;
        let span = date_span(q, daily)?;
        Ok(Self { advertiser_id, level, id_dim, daily, metrics, page, size, include_deleted, span })
    }
}

/// Only BASIC auction reports exist here.
fn check_report_type(q: &Query) -> Answer<()> {
    let report_type = q.required("report_type")?;
    if report_type != "BASIC" {
        return Err(fail(40009, format!("report_type {report_type} is not supported in the sandbox.")));
    }
    if let Some(service) = q.get("service_type") {
        if service != "AUCTION" {
            return Err(param_error("service_type: Must be one of AUCTION."));
        }
    }
    Ok(())
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

/// `dimensions`: the level's id, plus `stat_time_day` or nothing. Returns whether it is daily.
fn time_dimension(q: &Query, id_dim: &str) -> Answer<bool> {
    let dimensions =
        q.string_array("dimensions")?.ok_or_else(|| param_error("dimensions: Missing data for required field."))?;
    let mut daily = false;
    for d in &dimensions {
        match d.as_str() {
            "stat_time_day" => daily = true,
            "stat_time_hour" => return Err(fail(40009, "stat_time_hour is not supported in the sandbox.")),
            d if d == id_dim => {}
            other => return Err(param_error(format!("dimensions: Invalid dimension {other} for data_level."))),
        }
    }
    if !dimensions.iter().any(|d| d == id_dim) {
        return Err(param_error(format!("dimensions: {id_dim} is required for this data_level.")));
    }
    Ok(daily)
}

/// `metrics`: known metrics and attributes only (spend and impressions when absent).
fn report_metrics(q: &Query) -> Answer<Vec<String>> {
    let metrics = q.string_array("metrics")?.unwrap_or_else(|| vec!["spend".into(), "impressions".into()]);
    if let Some(bad) = metrics.iter().find(|m| !is_attribute(m) && Delivery::default().metric(m).is_none()) {
        return Err(param_error(format!("metrics: Invalid metric {bad}.")));
    }
    Ok(metrics)
}

/// Metrics that name or describe the entity rather than measure its delivery.
fn is_attribute(m: &str) -> bool {
    matches!(m, "campaign_name" | "adgroup_name" | "ad_name" | "campaign_id" | "adgroup_id" | "currency")
}

/// `query_lifetime`, or `start_date`..=`end_date` within 30 days (daily) or 365 days.
fn date_span(q: &Query, daily: bool) -> Answer<Option<(NaiveDate, NaiveDate)>> {
    if q.get("query_lifetime") == Some("true") {
        if daily {
            return Err(param_error("query_lifetime cannot be combined with a time dimension."));
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
    let limit = if daily { 30 } else { 365 };
    if span > limit {
        return Err(param_error(format!(
            "The time span between start_date and end_date must not exceed {limit} days{}.",
            if daily { " when stat_time_day is a dimension" } else { "" }
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
        let field = f
            .get("field_name")
            .and_then(Value::as_str)
            .ok_or_else(|| param_error("filtering: field_name is required."))?;
        let filter_type = f
            .get("filter_type")
            .and_then(Value::as_str)
            .ok_or_else(|| param_error("filtering: filter_type is required."))?;
        let raw_value = f
            .get("filter_value")
            .and_then(Value::as_str)
            .ok_or_else(|| param_error("filtering: filter_value must be a string."))?;
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

/// The days in the asked span (all of them for a lifetime report) on which the advertiser delivered.
fn delivery_days(g: &Generator, span: Option<(NaiveDate, NaiveDate)>, today: NaiveDate) -> Vec<NaiveDate> {
    let first_delivery = today - Duration::days(g.sizes.days as i64 - 1);
    let from = span.map_or(first_delivery, |(s, _)| s.max(first_delivery));
    let to = span.map_or(today, |(_, e)| e.min(today));
    if from <= to {
        from.iter_days().take_while(|d| *d <= to).collect()
    } else {
        Vec::new()
    }
}

/// The rows of one report: each entity once, or once per delivery day.
struct Rows<'a> {
    request: &'a ReportRequest,
    g: Generator,
    adv: &'a SandboxAdvertiser,
    keys: Vec<Key>,
    days: Vec<NaiveDate>,
    /// Rows per entity: the days for a daily report, else one (none without delivery days).
    per_entity: u64,
    /// The world's daily spend drift for this advertiser (0: none).
    drift: f64,
    today: NaiveDate,
}

impl Rows<'_> {
    /// The `i`-th row of the whole report, in entity then day order.
    fn row(&self, i: u64) -> Value {
        let key = self.keys[(i / self.per_entity) as usize];
        let id = self.g.id(key, &self.adv.id);
        let (delivery, day) = self.delivery(key, i);
        let metrics = self.metrics(key, delivery);
        let mut dims = Map::new();
        dims.insert(self.request.id_dim.into(), json!(id));
        if let Some(day) = day {
            dims.insert("stat_time_day".into(), json!(format!("{} 00:00:00", day.format("%Y-%m-%d"))));
        }
        json!({"dimensions": dims, "metrics": metrics})
    }

    /// Row `i`'s delivery: one day's for a daily report (with the drift applied), else the span's sum.
    fn delivery(&self, key: Key, i: u64) -> (Delivery, Option<NaiveDate>) {
        if self.request.daily {
            let day = self.days[(i % self.per_entity) as usize];
            let mut d = self.g.delivery(key, (day - EPOCH).num_days());
            if self.drift != 0.0 && self.request.level == Level::Campaign && key.c == 0 && day == self.today {
                d.spend_cents -= (self.drift * 100.0).round() as i64;
            }
            (d, Some(day))
        } else {
            let mut sum = Delivery::default();
            for day in &self.days {
                sum += self.g.delivery(key, (*day - EPOCH).num_days());
            }
            (sum, None)
        }
    }

    /// The asked metrics of one row; attributes above the level are `"-"`, as at TikTok.
    fn metrics(&self, key: Key, delivery: Delivery) -> Map<String, Value> {
        let (g, adv, level) = (&self.g, self.adv, self.request.level);
        let mut m = Map::new();
        for name in &self.request.metrics {
            let value = match name.as_str() {
                "campaign_name" if level >= Level::Campaign => g.campaign(&adv.id, key.c)["campaign_name"].clone(),
                "adgroup_name" if level >= Level::AdGroup => g.adgroup(&adv.id, key.c, key.g)["adgroup_name"].clone(),
                "ad_name" if level == Level::Ad => g.ad(&adv.id, key.c, key.g, key.a)["ad_name"].clone(),
                "campaign_id" if level >= Level::Campaign => json!(g.campaign_id(key.c)),
                "adgroup_id" if level >= Level::AdGroup => json!(g.adgroup_id(key.c, key.g)),
                "currency" => json!(adv.currency),
                n if is_attribute(n) || self.adv.not_applicable.contains(n) => json!("-"),
                n => json!(delivery.metric(n).unwrap_or_else(|| "-".into())),
            };
            m.insert(name.clone(), value);
        }
        m
    }
}
