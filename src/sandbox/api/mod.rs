//! `open_api/v1.3/…`: the Marketing API's front door. Frames every request (path, counts,
//! latency, faults), enforces TikTok's rate limits and sends each path to its handler.

mod accounts;
mod creatives;
mod entities;
pub(super) mod faults;
pub(super) mod penalty;
mod report_request;
mod reports;

use super::{data::Level, wire::*, Sandbox};
use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, Method},
    response::{IntoResponse, Response},
};
use std::sync::atomic::Ordering;

/// Every `open_api/v1.3/` request: counted, delayed by the configured latency, then answered
/// by its handler as an armed fault shapes it.
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
    let query = Query::parse(raw_query.as_deref());
    // "The same request" to TikTok's timeout penalty: the same call, parameters and token.
    let token = headers.get("access-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let request = format!("{method} {path}?{} {token}", raw_query.as_deref().unwrap_or_default());
    if let Err(refusal) = sandbox.world().penalty.check(&request, std::time::Instant::now()) {
        sandbox.inner.rate_limited.fetch_add(1, Ordering::Relaxed);
        let message = match refusal {
            penalty::Refusal::Lowered(qps) => {
                format!("Too many request timeouts: this app may send {qps} requests a second for now.")
            }
            penalty::Refusal::Blocked => {
                "This request timed out 3 times within 10 minutes; it is blocked for 10 minutes.".to_owned()
            }
        };
        return fail(40100, message).into_response();
    }
    let fault = sandbox.world().take_fault(&path, &query);
    let answer = |sandbox: &Sandbox| {
        route(sandbox, &method, &path, &query, &headers, &body).unwrap_or_else(IntoResponse::into_response)
    };
    match fault {
        Some(fault) => {
            // Counted when taken: a client that gave up on a hang never sees its answer.
            if fault.times_out() {
                sandbox.world().penalty.timed_out(&request, std::time::Instant::now());
            }
            faults::shape(&sandbox, fault, &query, &headers, answer).await
        }
        None => answer(&sandbox),
    }
}

fn route(sb: &Sandbox, method: &Method, path: &str, q: &Query, headers: &HeaderMap, body: &[u8]) -> Answer<Response> {
    sb.check_app_qps()?;
    match (method.as_str(), path) {
        ("POST", "oauth2/access_token/") => sb.exchange(body),
        ("POST", "oauth2/refresh_token/") => sb.refresh(body),
        ("POST", "oauth2/revoke_token/") => sb.revoke(body),
        ("GET" | "POST", "user/info/") => sb.user_info(headers),
        ("GET", "oauth2/advertiser/get/") => sb.authorized_advertisers(q, headers),
        ("GET", "advertiser/info/") => sb.advertiser_info(q, headers),
        ("GET", "bc/get/") => sb.business_centers(q, headers),
        ("GET", "bc/asset/get/") => sb.business_center_assets(q, headers),
        ("GET", "campaign/get/") => sb.entities(q, headers, Level::Campaign),
        ("GET", "adgroup/get/") => sb.entities(q, headers, Level::AdGroup),
        ("GET", "ad/get/") => sb.entities(q, headers, Level::Ad),
        ("GET", "file/image/ad/search/") => sb.image_search(q, headers, path),
        ("GET", "file/video/ad/search/") => sb.video_search(q, headers, path),
        ("GET", "dmp/custom_audience/list/") => sb.audiences(q, headers, path),
        ("GET", "pixel/list/") => sb.pixels(q, headers, path),
        ("GET", "file/image/ad/info/") => sb.creative_info(q, headers, path, "image_ids", 100, "ad-image-"),
        ("GET", "file/video/ad/info/") => sb.creative_info(q, headers, path, "video_ids", 60, "v10033g"),
        ("GET", "pixel/event/stats/") => sb.pixel_stats(q, headers),
        ("GET", "report/integrated/get/") => sb.report(q, headers),
        _ => Err(fail(40400, format!("Route not found: {method} /open_api/v1.3/{path}"))),
    }
}

impl Sandbox {
    /// App-wide QPS: 40100 past the budget.
    fn check_app_qps(&self) -> Answer<()> {
        if self.inner.app_limiter.check().is_err() {
            self.inner.rate_limited.fetch_add(1, Ordering::Relaxed);
            let app = self.world().apps.keys().next().cloned().unwrap_or_default();
            return Err(fail(
                40100,
                format!("Due to too many requests, requests from App [{app}] are temporarily restricted."),
            ));
        }
        Ok(())
    }

    /// Per advertiser and path: 40133 past the budget. Runs with the world locked: no `world()` here.
    fn check_path_qps(&self, advertiser_id: &str, path: &str) -> Answer<()> {
        if self.inner.path_limiter.check_key(&(advertiser_id.to_owned(), path.to_owned())).is_err() {
            self.inner.rate_limited.fetch_add(1, Ordering::Relaxed);
            let limit = self.inner.advertiser_path_qps;
            return Err(fail(
                40133,
                format!("Advertiser ({advertiser_id})'s QPS reaches QPS limit {limit} for current path, request is temporarily restricted."),
            ));
        }
        Ok(())
    }
}
