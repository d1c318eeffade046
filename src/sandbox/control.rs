//! The control endpoint (sandbox only): inject faults, change the world, read request counts.

use super::{
    api::faults::{Fault, FaultKind},
    Sandbox,
};
use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// `{"path": "campaign/get/", "code": 40100, "count": 2}`: the next 2 calls answer 40100.
/// Every control call takes JSON: a foreign page cannot send that without a preflight we never
/// answer, so it cannot steer the sandbox from a developer's browser.
pub async fn add_fault(State(sb): State<Sandbox>, Json(mut fault): Json<Fault>) -> impl IntoResponse {
    if fault.kind == FaultKind::Error && fault.code == 0 {
        return (StatusCode::BAD_REQUEST, "an error fault needs a non-zero code").into_response();
    }
    if fault.kind == FaultKind::Hang && fault.millis == 0 {
        return (StatusCode::BAD_REQUEST, "a hang needs millis").into_response();
    }
    fault.count = fault.count.min(MAX_FAULT_COUNT);
    let mut world = sb.world();
    if world.faults.len() >= MAX_FAULTS {
        return (StatusCode::BAD_REQUEST, "too many faults queued; reset first").into_response();
    }
    world.faults.push(fault);
    StatusCode::NO_CONTENT.into_response()
}

/// `{}`: the faults not yet met are dropped; the world stays as it is.
pub async fn clear_faults(State(sb): State<Sandbox>, Json(_): Json<Value>) -> impl IntoResponse {
    sb.world().faults.clear();
    StatusCode::NO_CONTENT
}

const MAX_FAULTS: usize = 1000;
const MAX_FAULT_COUNT: u32 = 100_000;
const MAX_LATENCY_MS: u64 = 60_000;

#[derive(Deserialize)]
pub struct Latency {
    millis: u64,
}

pub async fn set_latency(State(sb): State<Sandbox>, Json(body): Json<Latency>) -> impl IntoResponse {
    sb.world().latency_ms = body.millis.min(MAX_LATENCY_MS);
    StatusCode::NO_CONTENT
}

/// Revokes one access token, or every token of a sandbox user.
#[derive(Deserialize)]
pub struct Revoke {
    access_token: Option<String>,
    user_id: Option<String>,
}

/// Revoking a user's authorization kills their refresh tokens too, as at TikTok; revoking one
/// access token leaves its refresh token alone (a refresh then gets a working token).
pub async fn revoke(State(sb): State<Sandbox>, Json(body): Json<Revoke>) -> impl IntoResponse {
    let mut world = sb.world();
    let mut revoked = body.user_id.as_deref().map_or(0, |user| world.revoke_user(user));
    if let Some(grant) = body.access_token.as_ref().and_then(|t| world.access.get_mut(t)) {
        revoked += usize::from(!grant.revoked);
        grant.revoked = true;
    }
    Json(json!({ "revoked": revoked }))
}

/// `{"code": 40107}` makes every refresh fail with that code; `{"code": null}` clears it.
#[derive(Deserialize)]
pub struct RefreshFailure {
    code: Option<i64>,
}

pub async fn refresh_failure(State(sb): State<Sandbox>, Json(body): Json<RefreshFailure>) -> impl IntoResponse {
    sb.world().refresh_failure = body.code;
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
pub struct NewUser {
    display_name: String,
}

/// Adds a Business user with an empty Business Center (advertisers come with `advertisers`).
pub async fn add_user(State(sb): State<Sandbox>, Json(body): Json<NewUser>) -> impl IntoResponse {
    let mut world = sb.world();
    if world.users.len() >= MAX_USERS {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "too many users" }))).into_response();
    }
    let name: String = body.display_name.chars().take(100).collect();
    let id = world.add_user(&name);
    (StatusCode::CREATED, Json(json!({ "user_id": id }))).into_response()
}

const MAX_USERS: usize = 10_000;

#[derive(Deserialize)]
pub struct NewAdvertiser {
    user_id: String,
    name: String,
    #[serde(default = "enabled")]
    status: String,
}

fn enabled() -> String {
    "STATUS_ENABLE".into()
}

/// Adds an advertiser to a user's Business Center.
pub async fn add_advertiser(State(sb): State<Sandbox>, Json(body): Json<NewAdvertiser>) -> impl IntoResponse {
    match sb.world().add_advertiser(&body.user_id, &body.name, &body.status) {
        Some(id) => (StatusCode::CREATED, Json(json!({ "advertiser_id": id }))).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "unknown user_id" }))).into_response(),
    }
}

#[derive(Deserialize)]
pub struct AdvertiserStatus {
    advertiser_id: String,
    status: String,
}

pub async fn set_advertiser_status(State(sb): State<Sandbox>, Json(body): Json<AdvertiserStatus>) -> impl IntoResponse {
    match sb.world().advertisers.get_mut(&body.advertiser_id) {
        Some(a) => {
            a.status = body.status;
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}

/// Requests per path, the most answered in one second, and how many were refused for rate limits.
pub async fn counts(State(sb): State<Sandbox>) -> Json<Value> {
    let world = sb.world();
    let busiest_second = world.per_second.values().max().copied().unwrap_or(0);
    Json(json!({
        "counts": world.counts,
        "busiest_second": busiest_second,
        "rate_limited": sb.inner.rate_limited.load(Ordering::Relaxed),
        "penalty": world.penalty.report(),
    }))
}

/// `{"id": "<TikTok id>", "change": "delete" | "remove" | "restore"}`: a campaign, ad group or
/// ad is deleted (still listed with STATUS_ALL), removed (never listed again) or restored.
#[derive(Deserialize)]
pub struct EntityChange {
    id: String,
    change: String,
}

pub async fn change_entity(State(sb): State<Sandbox>, Json(body): Json<EntityChange>) -> impl IntoResponse {
    let mut world = sb.world();
    match body.change.as_str() {
        "delete" => {
            world.deleted.insert(body.id);
        }
        "remove" => {
            world.removed.insert(body.id);
        }
        "restore" => {
            world.deleted.remove(&body.id);
            world.removed.remove(&body.id);
        }
        _ => return (StatusCode::BAD_REQUEST, "change must be delete, remove or restore").into_response(),
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `{"advertiser_id": "...", "spend": 3.5}`: the daily campaign report understates one
/// campaign's spend on the last day by that much (0 clears it).
#[derive(Deserialize)]
pub struct Drift {
    advertiser_id: String,
    spend: f64,
}

pub async fn daily_spend_drift(State(sb): State<Sandbox>, Json(body): Json<Drift>) -> impl IntoResponse {
    sb.world().daily_spend_drift.insert(body.advertiser_id, body.spend);
    StatusCode::NO_CONTENT
}

/// `{"advertiser_id": "...", "days": 20}`: that many days pass for attribution: conversions of
/// the advertiser's last 28 days grow, as TikTok's do when clicks convert later.
#[derive(Deserialize)]
pub struct Attribution {
    advertiser_id: String,
    days: u32,
}

pub async fn late_attribution(State(sb): State<Sandbox>, Json(body): Json<Attribution>) -> impl IntoResponse {
    let now = sb.now();
    let mut world = sb.world();
    // The advertiser's days, as its reports count them.
    let tz = world.advertisers.get(&body.advertiser_id).and_then(|a| a.timezone.parse::<chrono_tz::Tz>().ok());
    let today = now.with_timezone(&tz.unwrap_or(chrono_tz::UTC)).date_naive();
    let as_of = (today - crate::sandbox::data::EPOCH).num_days();
    let days = world.late_attribution.get(&body.advertiser_id).map_or(0, |l| l.days).saturating_add(body.days);
    world.late_attribution.insert(body.advertiser_id, crate::sandbox::data::LateAttribution { days, as_of });
    StatusCode::NO_CONTENT
}

/// `{"advertiser_id": "...", "metrics": ["likes", "follows"]}`: from now on the advertiser's
/// reports answer `"-"` for these metrics (not applicable to it), as TikTok does for metrics an
/// account does not track; `"metrics": []` gives them all back.
#[derive(Deserialize)]
pub struct NotApplicable {
    advertiser_id: String,
    metrics: Vec<String>,
}

pub async fn not_applicable(State(sb): State<Sandbox>, Json(body): Json<NotApplicable>) -> impl IntoResponse {
    if body.metrics.iter().any(|m| crate::sandbox::data::Delivery::default().metric(m).is_none()) {
        return (StatusCode::BAD_REQUEST, "not a report metric").into_response();
    }
    match sb.world().advertisers.get_mut(&body.advertiser_id) {
        Some(adv) => {
            adv.not_applicable = body.metrics.into_iter().collect();
            StatusCode::NO_CONTENT.into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `{"advertiser_id": "..."}`: the advertiser leaves every Business Center.
#[derive(Deserialize)]
pub struct RemoveAdvertiser {
    advertiser_id: String,
}

pub async fn remove_advertiser(State(sb): State<Sandbox>, Json(body): Json<RemoveAdvertiser>) -> impl IntoResponse {
    if sb.world().remove_advertiser(&body.advertiser_id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

/// Access tokens issued so far (the sandbox's own secrets, for tests that look for leaks).
pub async fn tokens(State(sb): State<Sandbox>) -> Json<Value> {
    let world = sb.world();
    let tokens: Vec<Value> = world
        .access
        .iter()
        .map(|(t, g)| json!({"access_token": t, "user_id": g.user_id, "revoked": g.revoked}))
        .chain(world.refresh.iter().map(|(t, r)| json!({"refresh_token": t, "user_id": r.user_id, "spent": r.spent})))
        .collect();
    Json(json!({ "tokens": tokens }))
}

/// `{}`: everything back to the start (the body only proves the call is JSON).
pub async fn reset(State(sb): State<Sandbox>, Json(_): Json<Value>) -> impl IntoResponse {
    let mut world = sb.world();
    world.faults.clear();
    world.latency_ms = 0;
    world.refresh_failure = None;
    world.counts.clear();
    world.per_second.clear();
    world.deleted.clear();
    world.removed.clear();
    world.daily_spend_drift.clear();
    world.extra_campaigns.clear();
    world.late_attribution.clear();
    world.penalty = Default::default();
    for adv in world.advertisers.values_mut() {
        adv.not_applicable = crate::sandbox::world::not_applicable_at_start(adv.index);
    }
    sb.inner.rate_limited.store(0, Ordering::Relaxed);
    StatusCode::NO_CONTENT
}
