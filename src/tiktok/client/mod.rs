//! The TikTok Marketing API v1.3 client: built from settings, rate limited on our side
//! ([`budget`]), one call path retrying rate-limited and transient answers with jittered
//! exponential backoff ([`transport`]), one pager for every list ([`pager`]), and the endpoints
//! in groups (OAuth, accounts, entities, creatives, reports).
//!
//! It knows nothing of the database or the pages.

mod accounts;
mod budget;
mod creatives;
mod entities;
mod oauth;
mod pager;
mod reports;
mod timeouts;
mod transport;

pub use oauth::TokenGrant;
pub use pager::{AsSent, Page, Pager, Shape};
pub use reports::{Daily, ReportPager, Totals, TotalsPager};
pub use transport::{Meter, MeterSnapshot};
// The request limits belong to the wire contract; callers long found them here.
pub use crate::tiktok::wire::limits::{
    ADVERTISER_INFO_BATCH, MAX_DAILY_REPORT_DAYS, MAX_TOTALS_REPORT_DAYS, PIXEL_STATS_BATCH,
};

use crate::clock::Clock;
use budget::{Budget, Limits, MAX_SHARED_PAUSE};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
use std::{sync::Arc, time::Duration};
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

struct Shared {
    http: reqwest::Client,
    config: ClientConfig,
    clock: Arc<dyn Clock>,
    limits: Limits,
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
    /// The longest a call waits for its turn (a person's call: its own time limit); unset, a
    /// background call waits as long as the budget or a pause needs.
    wait_limit: Option<Duration>,
}

impl TikTokClient {
    pub fn new(config: ClientConfig, clock: Arc<dyn Clock>) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("wevion/", env!("CARGO_PKG_VERSION")))
            // A redirect would carry the Access-Token header and POST bodies with the app secret
            // to whatever host it names: TikTok's API never redirects, so none is followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let limits = Limits::new(config.qps, config.advertiser_path_qps);
        let (retry, timeout) = (config.retry, config.timeout);
        Ok(Self {
            shared: Arc::new(Shared { http, config, clock, limits }),
            meter: Arc::default(),
            retry,
            timeout,
            background: None,
            wait_limit: None,
        })
    }

    /// A clone for background work that keeps to `share` of the app budget (at least one request
    /// a second), leaving the rest to interactive calls. Make it once and clone it.
    pub fn background(&self, share: f64) -> Self {
        let qps = ((f64::from(self.shared.config.qps) * share).floor() as u32).max(1);
        Self { background: Some(self.shared.limits.background(qps)), ..self.clone() }
    }

    /// TikTok's limit is per app: this instance keeps to `mine` of `all` the shares of
    /// `TIKTOK_QPS` the instances serving it take (and of the background part of it).
    pub fn share_budget(&self, mine: u32, all: u32) {
        self.shared.limits.share_with(mine, all);
    }

    /// Requests a second this instance may send now (its share of the app budget).
    pub fn budget_per_second(&self) -> u32 {
        self.shared.limits.per_second()
    }

    /// Until when TikTok's app rate limit pauses every call, if it does now.
    pub fn paused_until(&self) -> Option<DateTime<Utc>> {
        let left = self.shared.limits.paused_for()?;
        TimeDelta::from_std(left).ok().and_then(|d| self.now().checked_add_signed(d))
    }

    /// This instance's requests that timed out within TikTok's penalty window, for its beat.
    pub fn recent_timeouts(&self) -> u32 {
        self.shared.limits.timeouts.recent(std::time::Instant::now())
    }

    /// The other instances' timeouts within the window, from their beats: counted with ours.
    pub fn others_timeouts(&self, n: u32) {
        self.shared.limits.timeouts.set_others(n);
    }

    /// Holds every call back until `until` (another instance met TikTok's app rate limit).
    pub fn pause_until(&self, until: DateTime<Utc>) {
        if let Some(wait) = until.signed_duration_since(self.now()).to_std().ok().filter(|w| !w.is_zero()) {
            // A clock far off must not stall the app for long: TikTok's own pauses are short.
            self.shared.limits.pause_for(wait.min(MAX_SHARED_PAUSE));
        }
    }

    /// A clone with a fresh meter, sharing the limiters (one per sync run, say).
    pub fn metered(&self) -> Self {
        Self { meter: Arc::default(), ..self.clone() }
    }

    /// For calls a person is waiting on (the connect flow): at most two quick retries and
    /// 15 s per request, so a TikTok outage is reported in seconds, not minutes; and no longer
    /// than that for its turn, so a pause for TikTok's app rate limit is reported, not waited out.
    pub fn interactive(&self) -> Self {
        let retry = RetryPolicy {
            max_retries: self.retry.max_retries.min(2),
            min_delay: self.retry.min_delay.min(Duration::from_millis(300)),
            max_delay: self.retry.max_delay.min(Duration::from_secs(2)),
        };
        let timeout = self.timeout.min(Duration::from_secs(15));
        Self { retry, timeout, wait_limit: Some(timeout), ..self.clone() }
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
}
