//! Typed settings, read once from the environment (and `.env`, loaded by `main`).

use crate::{
    config::{ConfigError, Vars},
    token_crypto::TokenKeys,
};
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use std::{fmt, time::Duration};
use url::Url;

/// App id and secret the built-in sandbox registers when `TIKTOK_APP_ID` is unset.
pub const SANDBOX_APP_ID: &str = "7300000000000000001";
pub const SANDBOX_APP_SECRET: &str = "sandbox-app-secret";

/// Defaults written once: the parser's, and the sync engine's own where it builds settings
/// without the parser (`tiers::Attribution::default`).
pub mod defaults {
    use std::time::Duration;

    pub const SYNC_INTERVAL: Duration = Duration::from_secs(15 * 60);
    pub const SYNC_CONCURRENCY: usize = 4;
    pub const SYNC_LEASE: Duration = Duration::from_secs(60);
    pub const HISTORY_DAYS: u32 = 90;
    /// TikTok's longest click window; the last week is read again hourly, the window daily.
    pub const ATTRIBUTION_WINDOW_DAYS: u32 = 28;
    pub const ATTRIBUTION_WEEK_EVERY: Duration = Duration::from_secs(3600);
    pub const ATTRIBUTION_WINDOW_EVERY: Duration = Duration::from_secs(24 * 3600);
}

pub const DEFAULT_AUTH_URL: &str = "https://business-api.tiktok.com/portal/auth";
pub const DEFAULT_API_BASE_URL: &str = "https://business-api.tiktok.com/open_api/v1.3/";

#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    /// Leptos site settings (from `Leptos.toml`, `LEPTOS_*` overrides); `site_addr` is where we bind.
    pub leptos: LeptosOptions,
    /// The public origin people reach; defaults to `http://<bound address>`.
    pub public_url: Option<Url>,
    pub tiktok: TikTokSettings,
    pub token_keys: TokenKeys,
    pub sync_interval: Duration,
    /// Sync runs in flight at once in this instance; 0 runs no sync here (another instance, or
    /// a test, drives it).
    pub sync_concurrency: usize,
    /// How long a sync run stays this instance's without a heartbeat.
    pub sync_lease: Duration,
    /// Days of results a first sync reads (today included); a later raise reads the days added.
    pub history_days: u32,
    /// The days TikTok still revises (today included), and how often the last 7 of them and all
    /// of them are read again (the sync's attribution tiers).
    pub attribution_window_days: u32,
    pub attribution_week_every: Duration,
    pub attribution_window_every: Duration,
    /// Report answers kept in memory between syncs (0 keeps none).
    pub report_cache_mb: u64,
    /// CSV exports written at once by this instance, and how long one may take in all.
    pub exports_at_once: usize,
    pub export_time_limit: Duration,
    /// Report queries worked out at once by this instance (heavy ones: at most half).
    pub report_queries_at_once: usize,
    /// The bearer token `/metrics` asks for; unset: no `/metrics`.
    pub metrics_token: Option<SecretString>,
    /// This instance's name on the sync runs it holds (defaults to host and process id).
    pub instance_id: String,
    pub sandbox: SandboxSettings,
    /// `SANDBOX=1`: sandbox mode was asked for on purpose, so it may serve beyond loopback.
    pub sandbox_on_purpose: bool,
    /// Whether the session cookie carries `Secure`; by default, whenever the public URL is https.
    pub secure_cookies: Option<bool>,
    /// A header a trusted reverse proxy sets to the client's address (e.g. `X-Forwarded-For`);
    /// unset means the TCP peer is the client.
    pub trusted_proxy_header: Option<String>,
    /// Fixes the seeded demo users' password (end-to-end tests); random when unset.
    pub seed_demo_password: Option<String>,
}

#[derive(Clone)]
pub struct TikTokSettings {
    /// True when `TIKTOK_APP_ID` is unset: the built-in sandbox is mounted and used.
    pub sandbox_mode: bool,
    pub app_id: String,
    pub app_secret: SecretString,
    /// `None` means: derive from the public URL (sandbox mode only).
    pub auth_url: Option<Url>,
    pub api_base_url: Option<Url>,
    pub redirect_uri: Option<Url>,
    pub qps: u32,
    /// Retries after a rate-limited or transient answer before giving up.
    pub max_retries: usize,
    /// The first retry's wait; each next one doubles, up to 30 s.
    pub retry_delay: Duration,
    /// How long one TikTok request may take before it counts as a timeout (and is retried).
    pub timeout: Duration,
    /// Requests per second to one advertiser and path (TikTok allows 20; we keep under it).
    pub advertiser_path_qps: u32,
}

/// How the built-in sandbox issues tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenMode {
    /// Access ≈24 h and refresh ≈1 year, rotated by `oauth2/refresh_token/`.
    Expiring,
    /// Like real TikTok advertiser tokens: no expiry, no refresh token.
    LongTerm,
}

/// Size knobs for the sandbox's generated data (per advertiser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSizes {
    pub campaigns: u32,
    pub adgroups_per_campaign: u32,
    pub ads_per_adgroup: u32,
    /// Days of delivery ending today.
    pub days: u32,
}

impl Default for DataSizes {
    fn default() -> Self {
        Self { campaigns: 4, adgroups_per_campaign: 2, ads_per_adgroup: 2, days: 90 }
    }
}

/// The built-in sandbox's knobs (`SANDBOX_*`).
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    pub seed: u64,
    pub token_mode: TokenMode,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// App-wide requests per second before 40100.
    pub app_qps: u32,
    /// Requests per second per advertiser and path before 40133.
    pub advertiser_path_qps: u32,
    pub sizes: DataSizes,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            seed: 42,
            token_mode: TokenMode::Expiring,
            access_token_ttl: Duration::from_secs(24 * 3600),
            refresh_token_ttl: Duration::from_secs(365 * 24 * 3600),
            app_qps: 10,
            advertiser_path_qps: 20,
            sizes: DataSizes::default(),
        }
    }
}

impl SandboxSettings {
    fn from_vars(v: &Vars) -> Result<Self, ConfigError> {
        let d = Self::default();
        let positive = |name: &'static str, default: u32| v.number(name, default, 1..=u32::MAX);
        let token_mode = match v.get("SANDBOX_TOKEN_MODE").as_deref() {
            None | Some("expiring") => TokenMode::Expiring,
            Some("long_term" | "long-term") => TokenMode::LongTerm,
            Some(_) => return Err(ConfigError::new("SANDBOX_TOKEN_MODE", "must be expiring or long_term")),
        };
        Ok(Self {
            seed: v.number("SANDBOX_SEED", d.seed, 0..=u64::MAX)?,
            token_mode,
            access_token_ttl: v.duration("SANDBOX_ACCESS_TOKEN_TTL", d.access_token_ttl)?,
            refresh_token_ttl: v.duration("SANDBOX_REFRESH_TOKEN_TTL", d.refresh_token_ttl)?,
            app_qps: positive("SANDBOX_APP_QPS", d.app_qps)?,
            advertiser_path_qps: positive("SANDBOX_ADVERTISER_PATH_QPS", d.advertiser_path_qps)?,
            sizes: DataSizes {
                campaigns: positive("SANDBOX_CAMPAIGNS", d.sizes.campaigns)?,
                adgroups_per_campaign: positive("SANDBOX_ADGROUPS_PER_CAMPAIGN", d.sizes.adgroups_per_campaign)?,
                ads_per_adgroup: positive("SANDBOX_ADS_PER_ADGROUP", d.sizes.ads_per_adgroup)?,
                days: positive("SANDBOX_DAYS", d.sizes.days)?,
            },
        })
    }
}

impl fmt::Debug for TikTokSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TikTokSettings")
            .field("sandbox_mode", &self.sandbox_mode)
            .field("app_id", &self.app_id)
            .field("app_secret", &"[redacted]")
            .field("auth_url", &self.auth_url.as_ref().map(Url::as_str))
            .field("api_base_url", &self.api_base_url.as_ref().map(Url::as_str))
            .field("redirect_uri", &self.redirect_uri.as_ref().map(Url::as_str))
            .field("qps", &self.qps)
            .field("max_retries", &self.max_retries)
            .field("retry_delay", &self.retry_delay)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url_password(&self.database_url))
            .field("site_addr", &self.leptos.site_addr)
            .field("public_url", &self.public_url.as_ref().map(Url::as_str))
            .field("tiktok", &self.tiktok)
            .field("token_keys", &self.token_keys)
            .field("sync_interval", &self.sync_interval)
            .field("history_days", &self.history_days)
            .field("attribution_window_days", &self.attribution_window_days)
            .field("attribution_week_every", &self.attribution_week_every)
            .field("attribution_window_every", &self.attribution_window_every)
            .field("sandbox", &self.sandbox)
            .field("trusted_proxy_header", &self.trusted_proxy_header)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// `host:pid`, unique enough among the instances sharing a database.
fn default_instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "wevion".into());
    format!("{host}:{}", std::process::id())
}

fn redact_url_password(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("redacted"));
            url.to_string()
        }
        _ => raw.to_string(),
    }
}

impl Settings {
    /// Reads the process environment and `Leptos.toml` from the working directory.
    pub fn from_env() -> Result<Self, ConfigError> {
        let leptos = leptos::config::get_configuration(Some("Leptos.toml"))
            .map_err(|e| ConfigError::new("LEPTOS_*", format!("(or Leptos.toml) is invalid: {e}")))?
            .leptos_options;
        Self::from_lookup(|name| std::env::var(name).ok(), leptos)
    }

    /// Builds settings from any variable lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>, leptos: LeptosOptions) -> Result<Self, ConfigError> {
        // Long: a flat list, one setting after another, each with its own check.
        let v = Vars::new(get);

        let database_url = v.get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/wevion.db?mode=rwc".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::new("DATABASE_URL", "must start with sqlite: or postgres://"));
        }

        let app_id = v.get("TIKTOK_APP_ID");
        let sandbox_mode = app_id.is_none();
        let sandbox_on_purpose = v.flag("SANDBOX")?.unwrap_or(false);
        if sandbox_on_purpose && !sandbox_mode {
            return Err(ConfigError::new("SANDBOX", "cannot be combined with TIKTOK_APP_ID (the real TikTok)"));
        }
        let app_secret = match (&app_id, v.get("TIKTOK_APP_SECRET")) {
            (None, _) => SANDBOX_APP_SECRET.to_string(),
            (Some(_), Some(secret)) => secret,
            (Some(_), None) => {
                return Err(ConfigError::new("TIKTOK_APP_SECRET", "is required when TIKTOK_APP_ID is set"))
            }
        };
        let url_var = |name: &'static str| -> Result<Option<Url>, ConfigError> {
            v.get(name)
                .map(|raw| Url::parse(&raw).map_err(|e| ConfigError::new(name, format!("is not a valid URL: {e}"))))
                .transpose()
        };
        let mut auth_url = url_var("TIKTOK_AUTH_URL")?;
        let mut api_base_url = url_var("TIKTOK_API_BASE_URL")?;
        if !sandbox_mode {
            auth_url.get_or_insert_with(|| Url::parse(DEFAULT_AUTH_URL).expect("built-in default URL parses"));
            api_base_url.get_or_insert_with(|| Url::parse(DEFAULT_API_BASE_URL).expect("built-in default URL parses"));
        }
        // Relative joins (`campaign/get/`) need the base to end with a slash.
        if let Some(base) = api_base_url.as_mut() {
            if !base.path().ends_with('/') {
                let path = format!("{}/", base.path());
                base.set_path(&path);
            }
        }
        let tiktok = TikTokSettings {
            sandbox_mode,
            app_id: app_id.clone().unwrap_or_else(|| SANDBOX_APP_ID.to_string()),
            app_secret: SecretString::from(app_secret),
            auth_url,
            api_base_url,
            redirect_uri: url_var("TIKTOK_REDIRECT_URI")?,
            qps: v
                .number("TIKTOK_QPS", 10, 1..=100_000)
                .map_err(|_| ConfigError::new("TIKTOK_QPS", "must be a whole number above 0"))?,
            max_retries: v.number("TIKTOK_MAX_RETRIES", 6, 0..=20)?,
            retry_delay: v.duration_within(
                "TIKTOK_RETRY_DELAY",
                Duration::from_millis(500),
                Duration::from_millis(10)..=Duration::from_secs(30),
            )?,
            timeout: match v.duration("TIKTOK_TIMEOUT", Duration::from_secs(30))? {
                t if (Duration::from_secs(1)..=Duration::from_secs(300)).contains(&t) => t,
                _ => return Err(ConfigError::new("TIKTOK_TIMEOUT", "must be between 1s and 300s")),
            },
            advertiser_path_qps: v.number("TIKTOK_ADVERTISER_PATH_QPS", 10, 1..=100_000)?,
        };

        let token_keys = match v.get("TIKTOK_TOKEN_KEY") {
            Some(raw) => {
                let previous = v.get("TIKTOK_TOKEN_KEY_PREVIOUS");
                TokenKeys::parse(&raw, previous.as_deref()).map_err(|e| {
                    let var = if e.previous { "TIKTOK_TOKEN_KEY_PREVIOUS" } else { "TIKTOK_TOKEN_KEY" };
                    ConfigError::new(var, e.to_string())
                })?
            }
            None if sandbox_mode => TokenKeys::development(),
            None => {
                return Err(ConfigError::new(
                    "TIKTOK_TOKEN_KEY",
                    "is required when TIKTOK_APP_ID is set (32 bytes, base64 or hex)",
                ))
            }
        };

        let trusted_proxy_header = match v.get("TRUSTED_PROXY_HEADER") {
            None => None,
            Some(name) => Some(
                http::HeaderName::try_from(name.as_str())
                    .map_err(|_| {
                        ConfigError::new("TRUSTED_PROXY_HEADER", "must be a header name, like X-Forwarded-For")
                    })?
                    .as_str()
                    .to_owned(),
            ),
        };

        Ok(Self {
            database_url,
            leptos,
            public_url: url_var("APP_PUBLIC_URL")?,
            tiktok,
            token_keys,
            sync_interval: v.duration_within(
                "SYNC_INTERVAL",
                defaults::SYNC_INTERVAL,
                Duration::from_secs(10)..=Duration::from_secs(24 * 3600),
            )?,
            sync_concurrency: v.number("SYNC_CONCURRENCY", defaults::SYNC_CONCURRENCY, 0..=64)?,
            sync_lease: v.duration_within(
                "SYNC_LEASE",
                defaults::SYNC_LEASE,
                Duration::from_secs(5)..=Duration::from_secs(3600),
            )?,
            history_days: v.number("HISTORY_DAYS", defaults::HISTORY_DAYS, 1..=1095)?,
            attribution_window_days: v.number("ATTRIBUTION_WINDOW", defaults::ATTRIBUTION_WINDOW_DAYS, 1..=90)?,
            attribution_week_every: v.duration_within(
                "ATTRIBUTION_WEEK_EVERY",
                defaults::ATTRIBUTION_WEEK_EVERY,
                Duration::from_secs(60)..=Duration::from_secs(24 * 3600),
            )?,
            attribution_window_every: v.duration_within(
                "ATTRIBUTION_WINDOW_EVERY",
                defaults::ATTRIBUTION_WINDOW_EVERY,
                Duration::from_secs(600)..=Duration::from_secs(7 * 24 * 3600),
            )?,
            report_cache_mb: match v.get("REPORT_CACHE_ENTRIES") {
                // A count of answers says nothing of their size: refused rather than ignored.
                Some(_) => return Err(ConfigError::new("REPORT_CACHE_ENTRIES", "is replaced by REPORT_CACHE_MB")),
                None => v.number("REPORT_CACHE_MB", 64, 0..=65_536)?,
            },
            exports_at_once: v.number("EXPORTS_AT_ONCE", 3, 1..=16)?,
            export_time_limit: v.duration_within(
                "EXPORT_TIME_LIMIT",
                Duration::from_secs(10 * 60),
                Duration::from_secs(60)..=Duration::from_secs(6 * 3600),
            )?,
            report_queries_at_once: v.number("REPORT_QUERIES_AT_ONCE", 6, 2..=64)?,
            metrics_token: v.get("METRICS_TOKEN").filter(|t| !t.is_empty()).map(SecretString::from),
            instance_id: v.get("INSTANCE_ID").unwrap_or_else(default_instance_id),
            sandbox: SandboxSettings::from_vars(&v)?,
            sandbox_on_purpose,
            secure_cookies: v.flag("SECURE_COOKIES")?,
            trusted_proxy_header,
            seed_demo_password: v.get("SEED_DEMO_PASSWORD"),
        })
    }

    /// Sandbox mode is for a developer's own machine. Serving it over https or beyond loopback
    /// looks like production by accident, so it needs `SANDBOX=1` to say it is meant.
    pub fn check_sandbox_exposure(&self) -> Result<(), ConfigError> {
        if !self.tiktok.sandbox_mode || self.sandbox_on_purpose {
            return Ok(());
        }
        let https = self.public_url.as_ref().is_some_and(|u| u.scheme() == "https");
        // A public URL naming another host means a proxy serves this app to others.
        let public_host = self.public_url.as_ref().and_then(|u| match u.host() {
            Some(url::Host::Domain(d)) if d != "localhost" => Some(d.to_owned()),
            Some(url::Host::Ipv4(ip)) if !ip.is_loopback() => Some(ip.to_string()),
            Some(url::Host::Ipv6(ip)) if !ip.is_loopback() => Some(ip.to_string()),
            _ => None,
        });
        let loopback = self.leptos.site_addr.ip().is_loopback();
        if https || public_host.is_some() || !loopback {
            let where_ = if https || public_host.is_some() {
                format!("the public URL {}", self.public_url.as_ref().map(Url::as_str).unwrap_or_default())
            } else {
                format!("the non-loopback address {}", self.leptos.site_addr)
            };
            return Err(ConfigError::new(
                "SANDBOX",
                format!(
                    "is off: TIKTOK_APP_ID is unset (sandbox mode) but the app would serve {where_}; \
                     set TIKTOK_APP_ID (and its secret and key) for the real TikTok, or SANDBOX=1 to serve the sandbox there on purpose"
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
