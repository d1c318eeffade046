//! The TikTok Marketing API v1.3 client: built from settings, rate limited on our side,
//! retrying rate-limited and transient answers with jittered exponential backoff.
//!
//! Calls that spend something at TikTok (the auth-code exchange, a refresh, a revoke) are never
//! retried blindly: only when the request provably did not reach TikTok (the connection failed)
//! or TikTok refused it for a rate limit before processing it.
//!
//! It knows nothing of the database or the pages. It never logs tokens, secrets, auth codes or
//! query strings (the advertiser list sends the app secret in the query).

use super::error::{ErrorKind, TikTokError};
use super::wire::*;
use crate::{clock::Clock, telemetry::metrics};
use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use reqwest::{header::HeaderValue, Method};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::{
    num::NonZeroU32,
    sync::{
        atomic::{AtomicU32, AtomicU64, Ordering},
        Arc, Mutex, RwLock,
    },
    time::{Duration, Instant},
};
use url::Url;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 6, min_delay: Duration::from_millis(500), max_delay: Duration::from_secs(30) }
    }
}

#[derive(Clone)]
pub struct ClientConfig {
    pub api_base_url: Url,
    pub auth_url: Url,
    pub app_id: String,
    pub app_secret: SecretString,
    /// App-wide requests per second, shared by every task using this client.
    pub qps: u32,
    /// Requests per second per advertiser and path (TikTok allows 20).
    pub advertiser_path_qps: u32,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// Counters a caller reads to see what its calls cost: requests sent, retries, and time spent
/// waiting (on our limiter and in backoff after TikTok's rate limits).
#[derive(Debug, Default)]
pub struct Meter {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    waited_ms: AtomicU64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MeterSnapshot {
    pub requests: u64,
    pub retries: u64,
    /// Answers that were TikTok rate limits (40100/40133).
    pub rate_limited: u64,
    pub waited: Duration,
}

impl Meter {
    pub fn snapshot(&self) -> MeterSnapshot {
        MeterSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            waited: Duration::from_millis(self.waited_ms.load(Ordering::Relaxed)),
        }
    }

    fn waited(&self, d: Duration) {
        self.waited_ms.fetch_add(d.as_millis() as u64, Ordering::Relaxed);
    }
}

/// What the token endpoints grant.
#[derive(Debug)]
pub struct TokenGrant {
    pub access_token: SecretString,
    /// `None` for long-term tokens (real TikTok advertiser tokens).
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_token: Option<SecretString>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub advertiser_ids: Vec<String>,
    pub scope: Vec<i64>,
}

struct Shared {
    http: reqwest::Client,
    config: ClientConfig,
    clock: Arc<dyn Clock>,
    app_budget: Budget,
    /// The background budgets carved from the app budget, resized with it.
    background_budgets: Mutex<Vec<Arc<Budget>>>,
    path_limiter: DefaultKeyedRateLimiter<(String, &'static str)>,
    /// TikTok said the app is over its budget (40100): every task waits until then, rather
    /// than each hammering on its own.
    paused_until: Mutex<Option<Instant>>,
}

/// Cheap to clone; clones share the rate limiters and the pause. [`TikTokClient::metered`]
/// gives a clone with its own [`Meter`]; [`TikTokClient::background`] one that also keeps to a
/// share of the budget.
#[derive(Clone)]
pub struct TikTokClient {
    shared: Arc<Shared>,
    meter: Arc<Meter>,
    retry: RetryPolicy,
    timeout: Duration,
    /// Background work also passes this budget, so part of the app budget stays free for the
    /// calls a person waits on.
    background: Option<Arc<Budget>>,
}

/// A requests-per-second budget that several instances may split: `qps ÷ instances` each.
struct Budget {
    qps: u32,
    instances: AtomicU32,
    limiter: RwLock<Arc<DefaultDirectRateLimiter>>,
}

impl Budget {
    fn new(qps: u32) -> Self {
        Self { qps, instances: AtomicU32::new(1), limiter: RwLock::new(Arc::new(RateLimiter::direct(paced(qps)))) }
    }

    /// A limiter for a new share that starts empty: a fresh one would let a whole burst through
    /// each time the number of instances changes.
    fn drained(qps: u32) -> Arc<DefaultDirectRateLimiter> {
        let limiter = RateLimiter::direct(paced(qps));
        while limiter.check().is_ok() {}
        Arc::new(limiter)
    }

    fn limiter(&self) -> Arc<DefaultDirectRateLimiter> {
        self.limiter.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// This instance's share when `instances` serve the same TikTok app (at least one a second).
    fn share_with(&self, instances: u32) {
        let instances = instances.max(1);
        let mut limiter = self.limiter.write().unwrap_or_else(|p| p.into_inner());
        if self.instances.swap(instances, Ordering::Relaxed) != instances {
            *limiter = Self::drained((self.qps / instances).max(1));
        }
    }

    fn per_second(&self) -> u32 {
        (self.qps / self.instances.load(Ordering::Relaxed).max(1)).max(1)
    }
}

/// `n` per second, evenly spaced: TikTok counts the app's requests per second, and any burst
/// on top of the rate (after a lull, say) would put more than `n` into some second. Several
/// instances' shares add up to the app budget in every second only when none bursts.
fn paced(n: u32) -> Quota {
    Quota::per_second(NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")).allow_burst(NonZeroU32::MIN)
}

/// `n` per second with a burst of half that (the per-advertiser-and-path limit, where a short
/// burst across a run's pages is what TikTok allows).
fn per_second(n: u32) -> Quota {
    let nz = |v: u32| NonZeroU32::new(v.max(1)).expect("max(1) is non-zero");
    Quota::per_second(nz(n)).allow_burst(nz(n / 2))
}

/// The longest pause taken from another instance's word: its own are retry waits (at most
/// 30 s), so anything longer is clock skew and must not stall this app.
const MAX_SHARED_PAUSE: Duration = Duration::from_secs(60);

/// Page sizes: each endpoint's documented maximum.
mod page_size {
    pub const ENTITIES: u32 = 1000;
    pub const CREATIVES: u32 = 1000;
    pub const AUDIENCES: u32 = 100;
    pub const PIXELS: u32 = 20;
    pub const REPORT: u32 = 1000;
}

/// `advertiser/info/` takes at most this many ids per call.
pub const ADVERTISER_INFO_BATCH: usize = 100;
/// Daily reports cover at most this many days per request.
pub const MAX_DAILY_REPORT_DAYS: i64 = 30;
/// Reports without a time dimension cover at most this many days.
pub const MAX_TOTALS_REPORT_DAYS: i64 = 365;
/// `pixel/event/stats/` takes at most this many pixels per call.
pub const PIXEL_STATS_BATCH: usize = 10;

impl TikTokClient {
    pub fn new(config: ClientConfig, clock: Arc<dyn Clock>) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("wevion/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let app_budget = Budget::new(config.qps);
        let path_limiter = RateLimiter::keyed(per_second(config.advertiser_path_qps));
        let (retry, timeout) = (config.retry, config.timeout);
        Ok(Self {
            shared: Arc::new(Shared {
                http,
                config,
                clock,
                app_budget,
                background_budgets: Mutex::default(),
                path_limiter,
                paused_until: Mutex::new(None),
            }),
            meter: Arc::default(),
            retry,
            timeout,
            background: None,
        })
    }

    /// A clone for background work that keeps to `share` of the app budget (at least one request
    /// a second), leaving the rest to interactive calls. Make it once and clone it.
    pub fn background(&self, share: f64) -> Self {
        let qps = ((f64::from(self.shared.config.qps) * share).floor() as u32).max(1);
        let budget = Arc::new(Budget::new(qps));
        budget.share_with(self.shared.app_budget.instances.load(Ordering::Relaxed));
        self.shared.background_budgets.lock().unwrap_or_else(|p| p.into_inner()).push(budget.clone());
        Self { background: Some(budget), ..self.clone() }
    }

    /// TikTok's limit is per app: with `instances` serving it, this one keeps to its share of
    /// `TIKTOK_QPS` (and of the background part of it).
    pub fn share_budget_with(&self, instances: u32) {
        self.shared.app_budget.share_with(instances);
        for budget in self.shared.background_budgets.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            budget.share_with(instances);
        }
    }

    /// Requests a second this instance may send now (its share of the app budget).
    pub fn budget_per_second(&self) -> u32 {
        self.shared.app_budget.per_second()
    }

    /// Until when TikTok's app rate limit pauses every call, if it does now.
    pub fn paused_until(&self) -> Option<DateTime<Utc>> {
        let until = (*self.shared.paused_until.lock().unwrap_or_else(|p| p.into_inner()))?;
        let left = until.checked_duration_since(Instant::now())?;
        TimeDelta::from_std(left).ok().and_then(|d| self.now().checked_add_signed(d))
    }

    /// Holds every call back until `until` (another instance met TikTok's app rate limit).
    pub fn pause_until(&self, until: DateTime<Utc>) {
        if let Some(wait) = until.signed_duration_since(self.now()).to_std().ok().filter(|w| !w.is_zero()) {
            // A clock far off must not stall the app for long: TikTok's own pauses are short.
            self.pause_for(wait.min(MAX_SHARED_PAUSE));
        }
    }

    fn pause_for(&self, wait: Duration) {
        let mut until = self.shared.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        let new = Instant::now() + wait;
        if until.is_none_or(|u| u < new) {
            *until = Some(new);
        }
    }

    async fn wait_out_pause(&self) {
        loop {
            let until = *self.shared.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            match until.and_then(|u| u.checked_duration_since(Instant::now())) {
                Some(left) if !left.is_zero() => tokio::time::sleep(left).await,
                _ => return,
            }
        }
    }

    /// A clone with a fresh meter, sharing the limiters (one per sync run, say).
    pub fn metered(&self) -> Self {
        Self { meter: Arc::default(), ..self.clone() }
    }

    /// For calls a person is waiting on (the connect flow): at most two quick retries and
    /// 15 s per request, so a TikTok outage is reported in seconds, not minutes.
    pub fn interactive(&self) -> Self {
        let retry = RetryPolicy {
            max_retries: self.retry.max_retries.min(2),
            min_delay: self.retry.min_delay.min(Duration::from_millis(300)),
            max_delay: self.retry.max_delay.min(Duration::from_secs(2)),
        };
        Self { retry, timeout: self.timeout.min(Duration::from_secs(15)), ..self.clone() }
    }

    pub fn meter(&self) -> MeterSnapshot {
        self.meter.snapshot()
    }

    pub fn app_id(&self) -> &str {
        &self.shared.config.app_id
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// The portal URL with exactly `app_id`, `redirect_uri` and `state` (TikTok takes no scope).
    pub fn authorize_url(&self, redirect_uri: &Url, state: &str) -> Url {
        let mut url = self.shared.config.auth_url.clone();
        url.query_pairs_mut()
            .append_pair("app_id", &self.shared.config.app_id)
            .append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("state", state);
        url
    }

    // ---- OAuth ---------------------------------------------------------------------------------

    pub async fn exchange_code(&self, auth_code: &SecretString) -> Result<TokenGrant, TikTokError> {
        let body = json!({
            "app_id": self.shared.config.app_id,
            "secret": self.shared.config.app_secret.expose_secret(),
            "auth_code": auth_code.expose_secret(),
        });
        let data: TokenData = self.post_spending("oauth2/access_token/", body).await?;
        Ok(self.grant(data))
    }

    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenGrant, TikTokError> {
        let body = json!({
            "app_id": self.shared.config.app_id,
            "secret": self.shared.config.app_secret.expose_secret(),
            "refresh_token": refresh_token.expose_secret(),
            "grant_type": "refresh_token",
        });
        let data: TokenData = self.post_spending("oauth2/refresh_token/", body).await?;
        Ok(self.grant(data))
    }

    /// Revokes the token; returns the advertiser ids it no longer reaches.
    pub async fn revoke(&self, access_token: &SecretString) -> Result<Vec<String>, TikTokError> {
        #[derive(serde::Deserialize)]
        struct Revoked {
            #[serde(default, deserialize_with = "ids")]
            advertiser_ids: Vec<String>,
        }
        let body = json!({
            "app_id": self.shared.config.app_id,
            "secret": self.shared.config.app_secret.expose_secret(),
            "access_token": access_token.expose_secret(),
        });
        let data: Revoked = self.post_spending("oauth2/revoke_token/", body).await?;
        Ok(data.advertiser_ids)
    }

    fn grant(&self, data: TokenData) -> TokenGrant {
        let now = self.now();
        // A lifetime too large to add up is as good as none: the token is treated as long-term.
        let at = |secs: Option<i64>| {
            secs.filter(|s| *s > 0).and_then(TimeDelta::try_seconds).and_then(|d| now.checked_add_signed(d))
        };
        TokenGrant {
            access_token: SecretString::from(data.access_token),
            access_expires_at: at(data.expires_in),
            refresh_token: data.refresh_token.filter(|t| !t.is_empty()).map(SecretString::from),
            refresh_expires_at: at(data.refresh_token_expires_in),
            advertiser_ids: data.advertiser_ids,
            scope: data.scope.as_array().map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default(),
        }
    }

    pub async fn user_info(&self, token: &SecretString) -> Result<UserInfo, TikTokError> {
        self.get("user/info/", Some(token), Vec::new(), None).await
    }

    /// Every advertiser that authorized the app for this token's user (no paging).
    pub async fn advertisers(&self, token: &SecretString) -> Result<Vec<AdvertiserRef>, TikTokError> {
        let query = vec![
            ("app_id", self.shared.config.app_id.clone()),
            ("secret", self.shared.config.app_secret.expose_secret().to_owned()),
        ];
        let data: ListData<AdvertiserRef> = self.get("oauth2/advertiser/get/", Some(token), query, None).await?;
        Ok(data.list)
    }

    /// Account details, asked in batches of at most 100 ids.
    pub async fn advertiser_info(
        &self,
        token: &SecretString,
        ids: &[String],
    ) -> Result<Vec<AdvertiserInfo>, TikTokError> {
        let mut all = Vec::with_capacity(ids.len());
        for batch in ids.chunks(ADVERTISER_INFO_BATCH) {
            let query = vec![("advertiser_ids", json_text(&batch))];
            let data: ListData<AdvertiserInfo> = self.get("advertiser/info/", Some(token), query, None).await?;
            all.extend(data.list);
        }
        Ok(all)
    }

    // ---- paged entity lists --------------------------------------------------------------------

    /// Campaigns, deleted ones included.
    pub fn campaigns<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Campaign> {
        self.pager("campaign/get/", token, advertiser_id, page_size::ENTITIES, include_deleted())
    }

    pub fn ad_groups<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, AdGroup> {
        self.pager("adgroup/get/", token, advertiser_id, page_size::ENTITIES, include_deleted())
    }

    pub fn ads<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Ad> {
        self.pager("ad/get/", token, advertiser_id, page_size::ENTITIES, include_deleted())
    }

    pub fn images<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Image> {
        self.pager("file/image/ad/search/", token, advertiser_id, page_size::CREATIVES, Vec::new())
    }

    pub fn videos<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Video> {
        self.pager("file/video/ad/search/", token, advertiser_id, page_size::CREATIVES, Vec::new())
    }

    pub fn audiences<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Audience> {
        self.pager("dmp/custom_audience/list/", token, advertiser_id, page_size::AUDIENCES, Vec::new())
    }

    /// Pixels with their conversion events (records under `data.pixels`).
    pub fn pixels<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Pixel> {
        self.pager("pixel/list/", token, advertiser_id, page_size::PIXELS, Vec::new())
    }

    /// One object's totals per row at `level` for `start..=end` (at most 365 days; no time
    /// dimension), deleted entities included.
    pub fn report_totals<'a>(
        &'a self,
        token: &'a SecretString,
        advertiser_id: &str,
        level: DataLevel,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<TotalsPager<'a>, TikTokError> {
        let days = (end - start).num_days() + 1;
        if !(1..=MAX_TOTALS_REPORT_DAYS).contains(&days) {
            return Err(TikTokError::bad_request(format!(
                "a totals report covers 1 to {MAX_TOTALS_REPORT_DAYS} days; asked for {start}..={end}"
            )));
        }
        let mut query = vec![
            ("service_type", "AUCTION".to_owned()),
            ("report_type", "BASIC".to_owned()),
            ("data_level", level.wire().to_owned()),
            ("dimensions", json_text(&[level.id_dimension()])),
            ("metrics", json_text(&REPORT_METRICS)),
            ("start_date", start.format("%Y-%m-%d").to_string()),
            ("end_date", end.format("%Y-%m-%d").to_string()),
        ];
        if let Some(field) = level.status_field() {
            let filter = json!([{"field_name": field, "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}]);
            query.push(("filtering", filter.to_string()));
        }
        let inner = self.pager("report/integrated/get/", token, advertiser_id, page_size::REPORT, query);
        Ok(TotalsPager { inner, level })
    }

    /// Event counts for up to 10 pixels over `start..=end` (at most 30 days; TikTok counts in UTC).
    pub async fn pixel_event_stats(
        &self,
        token: &SecretString,
        advertiser_id: &str,
        pixel_ids: &[String],
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<PixelStats>, TikTokError> {
        if pixel_ids.is_empty() || pixel_ids.len() > PIXEL_STATS_BATCH {
            return Err(TikTokError::bad_request(format!(
                "pixel stats take 1 to {PIXEL_STATS_BATCH} pixels a request"
            )));
        }
        let query = vec![
            ("advertiser_id", advertiser_id.to_owned()),
            ("pixel_ids", json_text(pixel_ids)),
            (
                "date_range",
                json!({"start_date": start.format("%Y-%m-%d").to_string(), "end_date": end.format("%Y-%m-%d").to_string()})
                    .to_string(),
            ),
        ];
        let data: ListData<PixelStats> =
            self.get("pixel/event/stats/", Some(token), query, Some(advertiser_id)).await?;
        Ok(data.list)
    }

    /// A BASIC daily report at `level` for `start..=end` (dates in the advertiser's timezone,
    /// at most 30 days), deleted entities included.
    pub fn daily_report<'a>(
        &'a self,
        token: &'a SecretString,
        advertiser_id: &str,
        level: DataLevel,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<ReportPager<'a>, TikTokError> {
        let days = (end - start).num_days() + 1;
        if !(1..=MAX_DAILY_REPORT_DAYS).contains(&days) {
            return Err(TikTokError::bad_request(format!(
                "a daily report covers 1 to {MAX_DAILY_REPORT_DAYS} days; asked for {start}..={end}"
            )));
        }
        let mut query = vec![
            ("service_type", "AUCTION".to_owned()),
            ("report_type", "BASIC".to_owned()),
            ("data_level", level.wire().to_owned()),
            ("dimensions", json_text(&[level.id_dimension(), "stat_time_day"])),
            ("metrics", json_text(&REPORT_METRICS)),
            ("start_date", start.format("%Y-%m-%d").to_string()),
            ("end_date", end.format("%Y-%m-%d").to_string()),
        ];
        if let Some(field) = level.status_field() {
            let filter = json!([{"field_name": field, "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}]);
            query.push(("filtering", filter.to_string()));
        }
        let inner = self.pager("report/integrated/get/", token, advertiser_id, page_size::REPORT, query);
        Ok(ReportPager { inner, level })
    }

    fn pager<'a, T>(
        &'a self,
        path: &'static str,
        token: &'a SecretString,
        advertiser_id: &str,
        page_size: u32,
        extra: Vec<(&'static str, String)>,
    ) -> Pager<'a, T> {
        Pager {
            client: self,
            path,
            token,
            advertiser_id: advertiser_id.to_owned(),
            extra,
            page_size,
            next_page: Some(1),
            _t: std::marker::PhantomData,
        }
    }

    // ---- transport -----------------------------------------------------------------------------

    async fn get<T: DeserializeOwned>(
        &self,
        path: &'static str,
        token: Option<&SecretString>,
        query: Vec<(&'static str, String)>,
        advertiser_id: Option<&str>,
    ) -> Result<T, TikTokError> {
        let body = self.call(Method::GET, path, token, &query, None, advertiser_id, Retry::Retryable).await?;
        decode(&body)
    }

    /// A POST that spends something at TikTok (see the module docs): at most the interactive
    /// timeout per attempt, retried only when TikTok provably did not process it.
    async fn post_spending<T: DeserializeOwned>(&self, path: &'static str, body: Value) -> Result<T, TikTokError> {
        let client = Self { timeout: self.timeout.min(Duration::from_secs(15)), ..self.clone() };
        let body = client.call(Method::POST, path, None, &[], Some(&body), None, Retry::OnlyUnprocessed).await?;
        decode(&body)
    }

    /// One logical call: waits for the limiters, sends, retries what `retry` allows.
    #[expect(clippy::too_many_arguments, reason = "the transport's one entry point; callers are the few helpers above")]
    async fn call(
        &self,
        method: Method,
        path: &'static str,
        token: Option<&SecretString>,
        query: &[(&'static str, String)],
        body: Option<&Value>,
        advertiser_id: Option<&str>,
        retry: Retry,
    ) -> Result<Vec<u8>, TikTokError> {
        let policy = self.retry;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(policy.min_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.max_retries)
            .with_jitter();
        let attempt = || async {
            let answer = self.send_once(method.clone(), path, token, query, body, advertiser_id).await;
            metrics::tiktok_request(path, answer.as_ref().map_or_else(|e| e.kind.as_str(), |_| "ok"));
            answer
        };
        attempt
            .retry(backoff)
            .when(|err: &TikTokError| match retry {
                Retry::Retryable => err.is_retryable(),
                Retry::OnlyUnprocessed => err.kind == ErrorKind::RateLimited || err.not_sent,
            })
            .notify(|err: &TikTokError, wait: Duration| {
                self.meter.retries.fetch_add(1, Ordering::Relaxed);
                self.meter.waited(wait);
                if err.kind == ErrorKind::RateLimited {
                    metrics::rate_limit_wait(path);
                }
                // The app's budget is spent: the whole app slows down, not just this task.
                if err.code == Some(40100) {
                    self.pause_for(wait);
                }
                tracing::info!(
                    tiktok.path = path,
                    tiktok.code = err.code,
                    tiktok.request_id = err.request_id.as_deref(),
                    retry_in_ms = wait.as_millis() as u64,
                    "TikTok {}: retrying",
                    err.kind.as_str()
                );
            })
            .await
    }

    async fn send_once(
        &self,
        method: Method,
        path: &'static str,
        token: Option<&SecretString>,
        query: &[(&'static str, String)],
        body: Option<&Value>,
        advertiser_id: Option<&str>,
    ) -> Result<Vec<u8>, TikTokError> {
        let started = Instant::now();
        self.wait_out_pause().await;
        if let Some(adv) = advertiser_id {
            self.shared.path_limiter.until_key_ready(&(adv.to_owned(), path)).await;
        }
        if let Some(background) = &self.background {
            background.limiter().until_ready().await;
        }
        self.shared.app_budget.limiter().until_ready().await;
        self.meter.waited(started.elapsed());

        let url = self
            .shared
            .config
            .api_base_url
            .join(path)
            .map_err(|e| TikTokError::bad_request(format!("cannot build the URL for {path}: {e}")))?;
        let mut request = self.shared.http.request(method, url).timeout(self.timeout);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(token.expose_secret())
                .map_err(|_| TikTokError::bad_request("the access token holds characters a header cannot"))?;
            value.set_sensitive(true);
            request = request.header("Access-Token", value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        self.meter.requests.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport_error)?;
        // The envelope only: `data` is skipped here and decoded once, by the caller, into its type.
        let envelope: Envelope = match serde_json::from_slice(&bytes) {
            Ok(env) => env,
            Err(_) if status.is_server_error() || status.as_u16() == 429 => {
                return Err(TikTokError::transient(
                    format!("HTTP {status} without a JSON body"),
                    Some(status.as_u16()),
                ));
            }
            // No such endpoint at this service: retrying will not make one appear.
            Err(_) if status.as_u16() == 404 => {
                return Err(TikTokError::refused(format!("{path} is not served here (HTTP 404)"), status.as_u16()));
            }
            // A 401/403 page (or any other 4xx) from something in front of TikTok: a proxy or a
            // firewall said no, and asking again will not change its mind.
            Err(_) if status.is_client_error() => {
                return Err(TikTokError::refused(
                    format!("HTTP {status} from something in front of TikTok (not a TikTok answer); check the network path to TikTok"),
                    status.as_u16(),
                ));
            }
            // A 2xx that is not JSON is a cut-off or garbled answer: worth another try.
            Err(e) => {
                return Err(TikTokError::transient(
                    format!("HTTP {status}: the body is not TikTok JSON ({e})"),
                    Some(status.as_u16()),
                ));
            }
        };
        tracing::debug!(
            tiktok.path = path,
            tiktok.advertiser_id = advertiser_id,
            tiktok.code = envelope.code,
            tiktok.request_id = envelope.request_id.as_deref(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "TikTok answered"
        );
        if envelope.code != 0 {
            let err = TikTokError::from_code(envelope.code, envelope.message, envelope.request_id);
            if err.kind == ErrorKind::RateLimited {
                self.meter.rate_limited.fetch_add(1, Ordering::Relaxed);
            }
            return Err(err);
        }
        if status.is_server_error() {
            return Err(TikTokError::transient(format!("HTTP {status}"), Some(status.as_u16())));
        }
        Ok(bytes.to_vec())
    }
}

/// Network failures are transient; a failed connection also proves the request never reached
/// TikTok. `without_url`: the URL may hold the app secret.
fn transport_error(err: reqwest::Error) -> TikTokError {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let status = err.status().map(|s| s.as_u16());
    let not_sent = err.is_connect();
    TikTokError { not_sent, ..TikTokError::transient(format!("{kind}: {}", err.without_url()), status) }
}

/// Which failures a call may retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Rate limits and transient failures (reads).
    Retryable,
    /// Only what TikTok provably did not process (calls that spend a code or a token).
    OnlyUnprocessed,
}

/// An answer's `data`, straight from the body into its type (no JSON tree in between).
pub(super) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, TikTokError> {
    #[derive(serde::Deserialize)]
    struct Data<T> {
        data: Option<T>,
    }
    let shape = |e: serde_json::Error| TikTokError::bad_request(format!("unexpected answer shape: {e}"));
    let data: Data<T> = serde_json::from_slice(body).map_err(shape)?;
    match data.data {
        Some(data) => Ok(data),
        // No data at all: decode "nothing" (an empty list, say) if the type allows it.
        None => serde_json::from_value(Value::Object(Default::default())).map_err(shape),
    }
}

/// A list answer: `list` (or `pixels`) and `page_info`.
#[derive(serde::Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
pub(super) struct ListData<T> {
    #[serde(default = "Vec::new", alias = "pixels", deserialize_with = "null_as_empty")]
    pub(super) list: Vec<T>,
    #[serde(default)]
    pub(super) page_info: Option<PageInfo>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    use serde::Deserialize;
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Arrays and objects travel in the query as JSON text.
fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain values serialize")
}

fn include_deleted() -> Vec<(&'static str, String)> {
    vec![("filtering", json!({"primary_status": "STATUS_ALL"}).to_string())]
}

/// One page of a list.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page_info: PageInfo,
}

/// Walks `page=1..total_page` at the endpoint's maximum page size.
pub struct Pager<'a, T> {
    client: &'a TikTokClient,
    path: &'static str,
    token: &'a SecretString,
    advertiser_id: String,
    extra: Vec<(&'static str, String)>,
    page_size: u32,
    next_page: Option<u32>,
    _t: std::marker::PhantomData<T>,
}

impl<'a, T> Pager<'a, T> {
    /// Starts at `page` (1-based) instead of the first: a run resuming where it stopped.
    pub fn starting_at(mut self, page: u32) -> Self {
        self.next_page = Some(page.max(1));
        self
    }

    /// The same pages, each record with the object TikTok sent.
    pub fn with_raw(self) -> Pager<'a, WithRaw<T>> {
        Pager {
            client: self.client,
            path: self.path,
            token: self.token,
            advertiser_id: self.advertiser_id,
            extra: self.extra,
            page_size: self.page_size,
            next_page: self.next_page,
            _t: std::marker::PhantomData,
        }
    }
}

impl<T: DeserializeOwned> Pager<'_, T> {
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, TikTokError> {
        let Some(page) = self.next_page else { return Ok(None) };
        let mut query = vec![
            ("advertiser_id", self.advertiser_id.clone()),
            ("page", page.to_string()),
            ("page_size", self.page_size.to_string()),
        ];
        query.extend(self.extra.iter().cloned());
        let data: ListData<T> = self.client.get(self.path, Some(self.token), query, Some(&self.advertiser_id)).await?;
        let items = data.list;
        // Without page_info there is no telling whether more pages follow: never guess "one".
        let Some(page_info) = data.page_info else {
            return Err(TikTokError::bad_request(format!(
                "{} answered page {page} without page_info, so its paging cannot be followed",
                self.path
            )));
        };
        let more = page < page_info.total_page && !items.is_empty();
        self.next_page = more.then_some(page + 1);
        Ok(Some(Page { items, page_info }))
    }

    /// Every item on every page.
    pub async fn collect(mut self) -> Result<Vec<T>, TikTokError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page.items);
        }
        Ok(all)
    }
}

/// Pages of a daily report, shaped into [`ReportRow`]s.
pub struct ReportPager<'a> {
    inner: Pager<'a, RawReportRow>,
    level: DataLevel,
}

impl ReportPager<'_> {
    pub fn starting_at(self, page: u32) -> Self {
        Self { inner: self.inner.starting_at(page), ..self }
    }

    pub async fn next_page(&mut self) -> Result<Option<Page<ReportRow>>, TikTokError> {
        let level = self.level;
        Ok(self.inner.next_page().await?.map(|p| Page {
            items: p.items.into_iter().filter_map(|r| r.into_row(level)).collect(),
            page_info: p.page_info,
        }))
    }

    pub async fn collect(mut self) -> Result<Vec<ReportRow>, TikTokError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page.items);
        }
        Ok(all)
    }
}

/// Pages of a totals report, shaped into [`TotalRow`]s.
pub struct TotalsPager<'a> {
    inner: Pager<'a, RawReportRow>,
    level: DataLevel,
}

impl TotalsPager<'_> {
    pub fn starting_at(self, page: u32) -> Self {
        Self { inner: self.inner.starting_at(page), ..self }
    }

    pub async fn next_page(&mut self) -> Result<Option<Page<TotalRow>>, TikTokError> {
        let level = self.level;
        Ok(self.inner.next_page().await?.map(|p| Page {
            items: p.items.into_iter().filter_map(|r| r.into_total(level)).collect(),
            page_info: p.page_info,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::Budget;

    /// Requests the budget lets through at once.
    fn burst(budget: &Budget) -> usize {
        let limiter = budget.limiter();
        (0..1000).take_while(|_| limiter.check().is_ok()).count()
    }

    #[test]
    fn an_instance_keeps_to_its_share_of_the_app_budget() {
        let budget = Budget::new(10);
        assert_eq!((budget.per_second(), burst(&budget)), (10, 1), "evenly spaced: no second gets more than 10");
        budget.share_with(2);
        assert_eq!((budget.per_second(), burst(&budget)), (5, 0), "a new share starts without a burst");
        budget.share_with(20);
        assert_eq!(budget.per_second(), 1, "never less than one a second");
        budget.share_with(0);
        assert_eq!(budget.per_second(), 10, "no count means this instance alone");
    }
}
