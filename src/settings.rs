//! Typed settings, read once from the environment (and `.env`, loaded by `main`).
//!
//! Parsing takes a lookup function rather than reading the process environment, so tests
//! build settings from a map and never race on global state.

use crate::sandbox::SandboxConfig;
use crate::token_crypto::TokenKeys;
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use std::{fmt, time::Duration};
use url::Url;

/// App id and secret the built-in sandbox registers when `TIKTOK_APP_ID` is unset.
pub const SANDBOX_APP_ID: &str = "7300000000000000001";
pub const SANDBOX_APP_SECRET: &str = "sandbox-app-secret";

pub const DEFAULT_AUTH_URL: &str = "https://business-api.tiktok.com/portal/auth";
pub const DEFAULT_API_BASE_URL: &str = "https://business-api.tiktok.com/open_api/v1.3/";

/// A configuration problem: which variable, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(var: &'static str, problem: impl Into<String>) -> Self {
        Self { var, problem: problem.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {} {}", self.var, self.problem)
    }
}

impl std::error::Error for ConfigError {}

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
    pub sandbox: SandboxConfig,
    /// Whether the session cookie carries `Secure`; by default, whenever the public URL is https.
    pub secure_cookies: Option<bool>,
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
            .field("sandbox", &self.sandbox)
            .finish()
    }
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
        let var = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/wevion.db?mode=rwc".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::new("DATABASE_URL", "must start with sqlite: or postgres://"));
        }

        let app_id = var("TIKTOK_APP_ID");
        let sandbox_mode = app_id.is_none();
        let app_secret = match (&app_id, var("TIKTOK_APP_SECRET")) {
            (None, _) => SANDBOX_APP_SECRET.to_string(),
            (Some(_), Some(secret)) => secret,
            (Some(_), None) => {
                return Err(ConfigError::new("TIKTOK_APP_SECRET", "is required when TIKTOK_APP_ID is set"))
            }
        };
        let url_var = |name: &'static str| -> Result<Option<Url>, ConfigError> {
            var(name)
                .map(|raw| Url::parse(&raw).map_err(|e| ConfigError::new(name, format!("is not a valid URL: {e}"))))
                .transpose()
        };
        let default_url = |raw: &str| Url::parse(raw).expect("built-in default URL parses");
        let mut auth_url = url_var("TIKTOK_AUTH_URL")?;
        let mut api_base_url = url_var("TIKTOK_API_BASE_URL")?;
        if !sandbox_mode {
            auth_url.get_or_insert_with(|| default_url(DEFAULT_AUTH_URL));
            api_base_url.get_or_insert_with(|| default_url(DEFAULT_API_BASE_URL));
        }
        // Relative joins (`campaign/get/`) need the base to end with a slash.
        if let Some(base) = api_base_url.as_mut() {
            if !base.path().ends_with('/') {
                let path = format!("{}/", base.path());
                base.set_path(&path);
            }
        }
        let qps = match var("TIKTOK_QPS") {
            None => 10,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|q| *q > 0)
                .ok_or_else(|| ConfigError::new("TIKTOK_QPS", "must be a whole number above 0"))?,
        };
        let max_retries = match var("TIKTOK_MAX_RETRIES") {
            None => 6,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= 20)
                .ok_or_else(|| ConfigError::new("TIKTOK_MAX_RETRIES", "must be a whole number from 0 to 20"))?,
        };
        let tiktok = TikTokSettings {
            sandbox_mode,
            app_id: app_id.unwrap_or_else(|| SANDBOX_APP_ID.to_string()),
            app_secret: SecretString::from(app_secret),
            auth_url,
            api_base_url,
            redirect_uri: url_var("TIKTOK_REDIRECT_URI")?,
            qps,
            max_retries,
        };

        let token_keys = match var("TIKTOK_TOKEN_KEY") {
            Some(raw) => TokenKeys::parse(&raw, var("TIKTOK_TOKEN_KEY_PREVIOUS").as_deref())?,
            None if sandbox_mode => TokenKeys::development(),
            None => {
                return Err(ConfigError::new(
                    "TIKTOK_TOKEN_KEY",
                    "is required when TIKTOK_APP_ID is set (32 bytes, base64 or hex)",
                ))
            }
        };

        let sync_interval = parse_duration_var(&var, "SYNC_INTERVAL", Duration::from_secs(15 * 60))?;
        let public_url = url_var("APP_PUBLIC_URL")?;
        let secure_cookies = match var("SECURE_COOKIES").as_deref() {
            None => None,
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            Some(_) => return Err(ConfigError::new("SECURE_COOKIES", "must be true or false")),
        };

        Ok(Self {
            database_url,
            leptos,
            public_url,
            tiktok,
            token_keys,
            sync_interval,
            sandbox: SandboxConfig::from_lookup(&var)?,
            secure_cookies,
            seed_demo_password: var("SEED_DEMO_PASSWORD"),
        })
    }
}

/// Parses `15m`, `90s`, `1h 30m` (humantime) or plain seconds.
pub fn parse_duration_var(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u64>()
            .map(Duration::from_secs)
            .or_else(|_| humantime::parse_duration(&raw))
            .map_err(|_| ConfigError::new(name, format!("is not a duration (like 15m or 30s): {raw}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned(), LeptosOptions::builder().output_name("wevion").build())
    }

    #[test]
    fn empty_environment_means_sandbox_mode_on_embedded_sqlite() {
        let s = settings(&[]).unwrap();
        assert!(s.tiktok.sandbox_mode);
        assert!(s.database_url.starts_with("sqlite://data/"));
        assert_eq!(s.sync_interval, Duration::from_secs(900));
        assert_eq!(s.tiktok.qps, 10);
        assert!(s.tiktok.auth_url.is_none(), "sandbox URLs are derived from the bound address");
    }

    #[test]
    fn a_real_app_id_needs_a_secret_and_a_token_key() {
        let err = settings(&[("TIKTOK_APP_ID", "123")]).unwrap_err();
        assert_eq!(err.var, "TIKTOK_APP_SECRET");
        let err = settings(&[("TIKTOK_APP_ID", "123"), ("TIKTOK_APP_SECRET", "s")]).unwrap_err();
        assert_eq!(err.var, "TIKTOK_TOKEN_KEY");
        let key = "00".repeat(32);
        let s = settings(&[("TIKTOK_APP_ID", "123"), ("TIKTOK_APP_SECRET", "s"), ("TIKTOK_TOKEN_KEY", &key)]).unwrap();
        assert!(!s.tiktok.sandbox_mode);
        assert_eq!(s.tiktok.auth_url.unwrap().as_str(), DEFAULT_AUTH_URL);
        assert_eq!(s.tiktok.api_base_url.unwrap().as_str(), DEFAULT_API_BASE_URL);
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(settings(&[("TIKTOK_QPS", "fast")]).unwrap_err().var, "TIKTOK_QPS");
        assert_eq!(settings(&[("SYNC_INTERVAL", "soon")]).unwrap_err().var, "SYNC_INTERVAL");
        assert_eq!(settings(&[("TIKTOK_AUTH_URL", "not a url")]).unwrap_err().var, "TIKTOK_AUTH_URL");
        assert_eq!(settings(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var, "DATABASE_URL");
        let err = settings(&[("TIKTOK_TOKEN_KEY", "short")]).unwrap_err();
        assert_eq!(err.var, "TIKTOK_TOKEN_KEY");
        assert!(err.to_string().starts_with("configuration error: TIKTOK_TOKEN_KEY"));
    }

    #[test]
    fn sync_interval_accepts_human_durations() {
        assert_eq!(settings(&[("SYNC_INTERVAL", "30s")]).unwrap().sync_interval, Duration::from_secs(30));
        assert_eq!(settings(&[("SYNC_INTERVAL", "1h")]).unwrap().sync_interval, Duration::from_secs(3600));
    }

    #[test]
    fn api_base_url_gains_a_trailing_slash() {
        let s = settings(&[("TIKTOK_API_BASE_URL", "http://127.0.0.1:9/open_api/v1.3")]).unwrap();
        assert_eq!(s.tiktok.api_base_url.unwrap().path(), "/open_api/v1.3/");
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let key = "ab".repeat(32);
        let s = settings(&[
            ("TIKTOK_APP_ID", "123"),
            ("TIKTOK_APP_SECRET", "topsecretvalue"),
            ("TIKTOK_TOKEN_KEY", &key),
            ("DATABASE_URL", "postgres://app:hunter2@db/wevion"),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("topsecretvalue"));
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains(&key));
        assert_eq!(s.tiktok.app_secret.expose_secret(), "topsecretvalue");
    }
}
