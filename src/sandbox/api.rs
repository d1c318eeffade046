//! `open_api/v1.3/…`: the Marketing API endpoints the product uses, with TikTok's rules.

use super::{
    data::{metric_value, Generator, Key, Level},
    wire::*,
    world::{AccessGrant, FaultKind, SandboxAdvertiser, UserKind, World},
    Sandbox,
};
use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, Method},
    response::{IntoResponse, Response},
};
use chrono::{Duration, NaiveDate};
use serde_json::{json, Map, Value};

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

pub async fn handle(
    State(sandbox): State<Sandbox>,
    method: Method,
    Path(path): Path<String>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Paths keep their trailing slash at TikTok; some clients drop it.
    let path = format!("{}/", path.trim_matches('/'));
    let latency = {
        let mut world = sandbox.world();
        *world.counts.entry(path.clone()).or_default() += 1;
        *world.per_second.entry(chrono::Utc::now().timestamp()).or_default() += 1;
        world.latency_ms
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let fault = sandbox.world().take_fault(&path);
    let query = Query::parse(raw_query.as_deref());
    let answer = |sandbox: &Sandbox| {
        route(sandbox, &method, &path, &query, &headers, &body).unwrap_or_else(IntoResponse::into_response)
    };
    let Some(fault) = fault else { return answer(&sandbox) };
    match fault.kind {
        FaultKind::Error => match fault.code {
            504 => gateway_timeout(),
            code => fail(code, fault.message.unwrap_or_else(|| default_message(code).to_string())).into_response(),
        },
        FaultKind::Hang => {
            tokio::time::sleep(std::time::Duration::from_millis(fault.millis.min(MAX_HANG_MS))).await;
            answer(&sandbox)
        }
        FaultKind::MalformedJson => {
            let body = r#"{"code": 0, "message": "OK", "data": {"list": [{"campaign_id": "1"#;
            ([("content-type", "application/json")], body).into_response()
        }
        FaultKind::DuplicateRows => {
            // Every list in the page (`list`, `pixels`, …), each row twice.
            rewrite_data(answer(&sandbox), |data| {
                if let Some(fields) = data.as_object_mut() {
                    for rows in fields.values_mut() {
                        if let Value::Array(rows) = rows {
                            *rows = rows.iter().flat_map(|r| [r.clone(), r.clone()]).collect();
                        }
                    }
                }
            })
            .await
        }
        FaultKind::RowsAdded => {
            let answered = answer(&sandbox);
            if let Some(advertiser_id) = query.get("advertiser_id") {
                sandbox.world().add_campaign(advertiser_id);
            }
            answered
        }
        FaultKind::RevokeUser => {
            if let Some(user_id) = sandbox.bearer_user(&headers) {
                sandbox.world().revoke_user(&user_id);
            }
            answer(&sandbox)
        }
        FaultKind::RemoveAdvertiser => {
            if let Some(advertiser_id) = query.get("advertiser_id") {
                sandbox.world().remove_advertiser(advertiser_id);
            }
            answer(&sandbox)
        }
    }
}

const MAX_HANG_MS: u64 = 120_000;

/// The same answer with its `data` changed (for faults that corrupt a good page).
async fn rewrite_data(response: Response, change: impl FnOnce(&mut Value)) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    let Ok(mut envelope) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    if let Some(data) = envelope.get_mut("data") {
        change(data);
    }
    axum::Json(envelope).into_response()
}

/// Where this sandbox serves creative images, as its caller reached it (like TikTok's CDN
/// links, they are absolute).
fn media_base(headers: &HeaderMap) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}{}/media", super::MOUNT)
}

fn default_message(code: i64) -> &'static str {
    match code {
        40100 => "Due to too many requests, requests from App are temporarily restricted.",
        40133 => "Advertiser's QPS reaches QPS limit for current path, request is temporarily restricted.",
        40067 => "Your query is too large, please reduce the query size (e.g. fewer metrics or time range) and retry after a while.",
        40001 => "No permission to operate this resource.",
        40102 => "Access token has expired.",
        40105 => "Access token is invalid.",
        50000 | 50002 => "System error.",
        60001 => "The service is under maintenance.",
        _ => "Sandbox injected fault.",
    }
}

fn route(sb: &Sandbox, method: &Method, path: &str, q: &Query, headers: &HeaderMap, body: &[u8]) -> Answer<Response> {
    sb.check_app_qps()?;
    match (method.as_str(), path) {
        ("POST", "oauth2/access_token/") => sb.exchange(body),
        ("POST", "oauth2/refresh_token/") => sb.refresh(body),
        ("POST", "oauth2/revoke_token/") => sb.revoke(body),
        ("GET" | "POST", "user/info/") => {
            let (world, grant) = sb.authorized(headers)?;
            let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
            Ok(ok(json!({
                "core_user_id": user.id, "display_name": user.display_name, "email": user.email,
                "create_time": 1_700_000_000, "avatar_url": "",
            })))
        }
        ("GET", "oauth2/advertiser/get/") => {
            let app_id = q.required("app_id")?;
            let secret = q.required("secret")?;
            let (world, grant) = sb.authorized(headers)?;
            let app = world
                .apps
                .get(app_id)
                .filter(|a| a.secret == secret)
                .ok_or_else(|| fail(40101, "Invalid app_id or secret."))?;
            if app.app_id != grant.app_id {
                return Err(fail(40001, format!("app_id {} is inconsistent with the access token.", app.app_id)));
            }
            let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
            let list: Vec<Value> = user
                .advertisers
                .iter()
                .filter_map(|id| world.advertisers.get(id))
                .map(|a| json!({"advertiser_id": a.id, "advertiser_name": a.name}))
                .collect();
            Ok(ok(json!({ "list": list })))
        }
        ("GET", "advertiser/info/") => {
            let ids = q
                .string_array("advertiser_ids")?
                .ok_or_else(|| param_error("advertiser_ids: Missing data for required field."))?;
            if ids.is_empty() || ids.len() > 100 {
                return Err(param_error("advertiser_ids: Length must be between 1 and 100."));
            }
            q.json_array("fields")?;
            let (world, grant) = sb.authorized(headers)?;
            let list = ids
                .iter()
                .map(|id| reachable(&world, &grant, id).map(|a| advertiser_json(&world, a)))
                .collect::<Answer<Vec<_>>>()?;
            Ok(ok(json!({ "list": list })))
        }
        ("GET", "bc/get/") => {
            let (page, size) = q.paging(50, 10)?;
            let (world, grant) = sb.authorized(headers)?;
            let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
            let list: Vec<Value> = if user.kind == UserKind::Business {
                vec![json!({
                    "bc_info": {"bc_id": bc_id(&user.id), "name": format!("{}'s Business Center", user.display_name),
                                "company": "Sandbox Co.", "currency": "USD", "registered_area": "US", "status": "ENABLE",
                                "timezone": "Etc/GMT", "type": "NORMAL", "verification_status": "VERIFIED"},
                    "user_role": "ADMIN", "ext_user_role": {"finance_role": "MANAGER"},
                })]
            } else {
                vec![]
            };
            Ok(ok(paged(list, page, size)))
        }
        ("GET", "bc/asset/get/") => {
            let bc = q.required("bc_id")?.to_owned();
            let asset_type = q.required("asset_type")?;
            let (page, size) = q.paging(50, 10)?;
            q.json_object("filtering")?;
            let (world, grant) = sb.authorized(headers)?;
            let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
            if bc != bc_id(&user.id) {
                return Err(fail(40001, "No permission to operate this Business Center."));
            }
            if asset_type != "ADVERTISER" {
                return Ok(ok(paged(vec![], page, size)));
            }
            let list: Vec<Value> = user
                .advertisers
                .iter()
                .filter_map(|id| world.advertisers.get(id))
                .map(|a| json!({"asset_id": a.id, "asset_name": a.name, "asset_type": "ADVERTISER", "relation_type": "OWNER_BC",
                                "relation_status": "BOUND", "advertiser_status": a.status, "advertiser_account_type": "AUCTION",
                                "advertiser_role": "ADMIN", "owner_bc_name": format!("{}'s Business Center", user.display_name)}))
                .collect();
            Ok(ok(paged(list, page, size)))
        }
        ("GET", "campaign/get/") => sb.entities(q, headers, Level::Campaign),
        ("GET", "adgroup/get/") => sb.entities(q, headers, Level::AdGroup),
        ("GET", "ad/get/") => sb.entities(q, headers, Level::Ad),
        ("GET", "file/image/ad/search/") => sb.library(
            q,
            headers,
            path,
            1000,
            20,
            "list",
            |g| g.creative_count(),
            |g, i| g.image(i, &media_base(headers)),
        ),
        ("GET", "file/video/ad/search/") => sb.library(
            q,
            headers,
            path,
            1000,
            20,
            "list",
            |g| g.creative_count(),
            |g, i| g.video(i, &media_base(headers)),
        ),
        ("GET", "dmp/custom_audience/list/") => {
            sb.library(q, headers, path, 100, 10, "list", |g| g.audience_count(), |g, i| g.audience(i))
        }
        ("GET", "pixel/list/") => {
            sb.library(q, headers, path, 20, 10, "pixels", |g| g.pixel_count(), |g, i| g.pixel(i))
        }
        ("GET", "file/image/ad/info/") => sb.creative_info(q, headers, path, "image_ids", 100, "ad-image-"),
        ("GET", "file/video/ad/info/") => sb.creative_info(q, headers, path, "video_ids", 60, "v10033g"),
        ("GET", "pixel/event/stats/") => sb.pixel_stats(q, headers),
        ("GET", "report/integrated/get/") => sb.report(q, headers),
        _ => Err(fail(40400, format!("Route not found: {method} /open_api/v1.3/{path}"))),
    }
}

fn bc_id(user_id: &str) -> String {
    format!("72{}", &user_id[2..])
}

fn paged(list: Vec<Value>, page: u32, size: u32) -> Value {
    let total = list.len() as u64;
    let skip = (page as u64 - 1) * size as u64;
    let items: Vec<Value> =
        list.into_iter().skip(usize::try_from(skip).unwrap_or(usize::MAX)).take(size as usize).collect();
    json!({ "list": items, "page_info": page_info(page, size, total) })
}

fn reachable<'w>(world: &'w World, grant: &AccessGrant, advertiser_id: &str) -> Answer<&'w SandboxAdvertiser> {
    let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
    let advertiser = world.advertisers.get(advertiser_id);
    match advertiser {
        Some(a) if user.advertisers.iter().any(|id| id == advertiser_id) => Ok(a),
        _ => Err(fail(40001, format!("No permission to operate advertiser {advertiser_id}."))),
    }
}

fn advertiser_json(world: &World, a: &SandboxAdvertiser) -> Value {
    let balance = (world.generator(a).seed % 10_000) as f64 + a.index as f64 * 1234.56;
    json!({
        "advertiser_id": a.id, "name": a.name, "company": a.company, "status": a.status, "role": "ROLE_ADVERTISER",
        "rejection_reason": "", "timezone": a.timezone, "display_timezone": a.timezone, "currency": a.currency,
        "country": a.country, "address": "", "industry": "290303", "language": "en",
        "balance": (balance * 100.0).round() / 100.0, "create_time": 1_650_000_000 + a.index as i64 * 86_400,
        "contacter": "Sa****ox", "email": "sa****@example.com", "telephone_number": "+1****0000",
        "advertiser_account_type": "AUCTION", "owner_bc_id": "", "description": "",
    })
}

/// Whether a status filter asks for deleted entities too.
fn wants_deleted(filtering: Option<&Map<String, Value>>) -> bool {
    filtering.is_some_and(|f| {
        f.get("primary_status").and_then(Value::as_str) == Some("STATUS_ALL")
            || f.get("secondary_status").and_then(Value::as_str).is_some_and(|s| s.ends_with("_STATUS_ALL"))
    })
}

impl Sandbox {
    fn entities(&self, q: &Query, headers: &HeaderMap, level: Level) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let (page, size) = q.paging(1000, 10)?;
        let filtering = q.json_object("filtering")?;
        q.json_array("fields")?;
        let path = match level {
            Level::Campaign => "campaign/get/",
            Level::AdGroup => "adgroup/get/",
            _ => "ad/get/",
        };
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, path)?;
        let generator = world.generator(adv);
        let include_deleted = wants_deleted(filtering.as_ref());
        let prefix = match level {
            Level::Campaign => "CAMPAIGN",
            Level::AdGroup => "ADGROUP",
            _ => "AD",
        };
        // Entities a test deleted or removed, by id, on top of the generated ones.
        let listed = |k: &Key| {
            let id = generator.id(*k, &adv.id);
            !world.removed.contains(&id) && (include_deleted || !world.deleted.contains(&id))
        };
        let total = generator.keys(level, include_deleted).filter(|k| listed(k)).count() as u64;
        let list: Vec<Value> = generator
            .keys(level, include_deleted)
            .filter(|k| listed(k))
            .skip(usize::try_from((page as u64 - 1) * size as u64).unwrap_or(usize::MAX))
            .take(size as usize)
            .map(|k| {
                let mut entity = match level {
                    Level::Campaign => generator.campaign(&adv.id, k.c),
                    Level::AdGroup => generator.adgroup(&adv.id, k.c, k.g),
                    _ => generator.ad(&adv.id, k.c, k.g, k.a),
                };
                if world.deleted.contains(&generator.id(k, &adv.id)) {
                    entity["operation_status"] = json!("DELETE");
                    entity["secondary_status"] = json!(format!("{prefix}_STATUS_DELETE"));
                }
                entity
            })
            .collect();
        Ok(ok(json!({ "list": list, "page_info": page_info(page, size, total) })))
    }

    #[expect(clippy::too_many_arguments, reason = "one generic handler serves four list endpoints")]
    fn library(
        &self,
        q: &Query,
        headers: &HeaderMap,
        path: &str,
        max: u32,
        default: u32,
        list_key: &str,
        count: impl Fn(&Generator) -> u64,
        item: impl Fn(&Generator, u32) -> Value,
    ) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let (page, size) = q.paging(max, default)?;
        q.json_object("filtering")?;
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, path)?;
        let generator = world.generator(adv);
        let total = count(&generator);
        let start = (page as u64 - 1) * size as u64;
        let list: Vec<Value> = (start..total.min(start + size as u64)).map(|i| item(&generator, i as u32)).collect();
        Ok(ok(json!({ list_key: list, "page_info": page_info(page, size, total) })))
    }

    fn creative_info(
        &self,
        q: &Query,
        headers: &HeaderMap,
        path: &str,
        name: &str,
        max: usize,
        prefix: &str,
    ) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let ids =
            q.string_array(name)?.ok_or_else(|| param_error(format!("{name}: Missing data for required field.")))?;
        if ids.is_empty() || ids.len() > max {
            return Err(param_error(format!("{name}: Length must be between 1 and {max}.")));
        }
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, path)?;
        let g = world.generator(adv);
        let list: Vec<Value> = ids
            .iter()
            .filter_map(|id| {
                let i: u32 = id.strip_prefix(prefix)?.get(3..)?.trim_start_matches('-').parse().ok()?;
                let media = media_base(headers);
                let v = if prefix == "v10033g" { g.video(i, &media) } else { g.image(i, &media) };
                (v.get(if prefix == "v10033g" { "video_id" } else { "image_id" }) == Some(&Value::String(id.clone()))
                    && (i as u64) < g.creative_count())
                .then_some(v)
            })
            .collect();
        Ok(ok(json!({ "list": list })))
    }

    fn pixel_stats(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let pixel_ids =
            q.string_array("pixel_ids")?.ok_or_else(|| param_error("pixel_ids: Missing data for required field."))?;
        if pixel_ids.is_empty() || pixel_ids.len() > 10 {
            return Err(param_error("pixel_ids: Length must be between 1 and 10."));
        }
        let range =
            q.json_object("date_range")?.ok_or_else(|| param_error("date_range: Missing data for required field."))?;
        let date = |k: &str| {
            range
                .get(k)
                .and_then(Value::as_str)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(|| param_error(format!("date_range.{k}: Not a valid date (YYYY-MM-DD).")))
        };
        let (start, end) = (date("start_date")?, date("end_date")?);
        if end < start || (end - start).num_days() >= 30 {
            return Err(param_error("date_range: The span must be between 1 and 30 days."));
        }
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, "pixel/event/stats/")?;
        let days = (end - start).num_days() as u64 + 1;
        let seed = world.generator(adv).seed;
        let list: Vec<Value> = pixel_ids
            .iter()
            .map(|id| {
                let stats: Vec<Value> = ["COMPLETE_PAYMENT", "ADD_TO_CART", "VIEW_CONTENT"]
                    .iter()
                    .enumerate()
                    .map(|(e, ty)| {
                        let n = (super::data::mix(&[seed, e as u64, id.len() as u64]) % 50 + 5) * days * (e as u64 + 1);
                        json!({"pixel_event_type": ty, "attributed_count": n / 2, "preview_count": 0, "total_count": n,
                               "browser_event_total_count": n * 2 / 3, "server_event_total_count": n / 3})
                    })
                    .collect();
                json!({"pixel_id": id, "statistics": stats})
            })
            .collect();
        Ok(ok(json!({ "list": list })))
    }

    fn report(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let report_type = q.required("report_type")?;
        if report_type != "BASIC" {
            return Err(fail(40009, format!("report_type {report_type} is not supported in the sandbox.")));
        }
        if let Some(service) = q.get("service_type") {
            if service != "AUCTION" {
                return Err(param_error("service_type: Must be one of AUCTION."));
            }
        }
        let level = match q.required("data_level")? {
            "AUCTION_ADVERTISER" => Level::Advertiser,
            "AUCTION_CAMPAIGN" => Level::Campaign,
            "AUCTION_ADGROUP" => Level::AdGroup,
            "AUCTION_AD" => Level::Ad,
            other => return Err(param_error(format!("data_level: Invalid value {other}."))),
        };
        let id_dim = match level {
            Level::Advertiser => "advertiser_id",
            Level::Campaign => "campaign_id",
            Level::AdGroup => "adgroup_id",
            Level::Ad => "ad_id",
        };
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
        let metrics = q.string_array("metrics")?.unwrap_or_else(|| vec!["spend".into(), "impressions".into()]);
        let attribute = |m: &str| {
            matches!(m, "campaign_name" | "adgroup_name" | "ad_name" | "campaign_id" | "adgroup_id" | "currency")
        };
        if let Some(bad) = metrics.iter().find(|m| !attribute(m) && metric_value(m, [0.0; 5]).is_none()) {
            return Err(param_error(format!("metrics: Invalid metric {bad}.")));
        }
        let (page, size) = q.paging(1000, 10)?;
        let include_deleted = report_filtering(q, level)?;

        let lifetime = q.get("query_lifetime") == Some("true");
        let (start, end) = if lifetime {
            if daily {
                return Err(param_error("query_lifetime cannot be combined with a time dimension."));
            }
            (None, None)
        } else {
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
            (Some(s), Some(e))
        };

        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, "report/integrated/get/")?;
        let g = world.generator(adv);

        // Delivery runs for the configured number of days up to today in the advertiser's timezone.
        let tz: chrono_tz::Tz = adv.timezone.parse().unwrap_or(chrono_tz::UTC);
        let today = self.now().with_timezone(&tz).date_naive();
        let first_delivery = today - Duration::days(g.sizes.days as i64 - 1);
        let from = start.map_or(first_delivery, |s| s.max(first_delivery));
        let to = end.map_or(today, |e| e.min(today));
        let days: Vec<NaiveDate> =
            if from <= to { from.iter_days().take_while(|d| *d <= to).collect() } else { Vec::new() };
        let keys: Vec<Key> = g.keys(level, include_deleted).collect();
        let per_entity = if daily { days.len() as u64 } else { u64::from(!days.is_empty()) };
        let total = keys.len() as u64 * per_entity;
        let first = (page as u64 - 1) * size as u64;
        let last = total.min(first + size as u64);

        let drift = world.daily_spend_drift.get(&adv.id).copied().unwrap_or(0.0);
        let row = |i: u64| -> Value {
            let key = keys[(i / per_entity) as usize];
            let id = g.id(key, &adv.id);
            let (delivery, day) = if daily {
                let day = days[(i % per_entity) as usize];
                let mut d = g.delivery(key, (day - EPOCH).num_days());
                if drift != 0.0 && level == Level::Campaign && key.c == 0 && day == today {
                    d[0] = ((d[0] - drift) * 100.0).round() / 100.0;
                }
                (d, Some(day))
            } else {
                let mut sum = [0.0; 5];
                for day in &days {
                    let d = g.delivery(key, (*day - EPOCH).num_days());
                    sum.iter_mut().zip(d).for_each(|(s, v)| *s += v);
                }
                (sum, None)
            };
            let mut m = Map::new();
            for name in &metrics {
                let value = match name.as_str() {
                    "campaign_name" if level >= Level::Campaign => g.campaign(&adv.id, key.c)["campaign_name"].clone(),
                    "adgroup_name" if level >= Level::AdGroup => {
                        g.adgroup(&adv.id, key.c, key.g)["adgroup_name"].clone()
                    }
                    "ad_name" if level == Level::Ad => g.ad(&adv.id, key.c, key.g, key.a)["ad_name"].clone(),
                    "campaign_id" if level >= Level::Campaign => json!(g.campaign_id(key.c)),
                    "adgroup_id" if level >= Level::AdGroup => json!(g.adgroup_id(key.c, key.g)),
                    "currency" => json!(adv.currency),
                    n if attribute(n) => json!("-"),
                    n => json!(metric_value(n, delivery).unwrap_or_else(|| "-".into())),
                };
                m.insert(name.clone(), value);
            }
            let mut dims = Map::new();
            dims.insert(id_dim.into(), json!(id));
            if let Some(day) = day {
                dims.insert("stat_time_day".into(), json!(format!("{} 00:00:00", day.format("%Y-%m-%d"))));
            }
            json!({"dimensions": dims, "metrics": m})
        };
        let list: Vec<Value> = (first..last).map(row).collect();
        Ok(ok(json!({ "list": list, "page_info": page_info(page, size, total) })))
    }
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
