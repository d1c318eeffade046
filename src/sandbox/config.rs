use crate::settings::{parse_duration_var, ConfigError};
use std::time::Duration;

/// How the sandbox issues tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenMode {
    /// Access ≈24 h and refresh ≈1 year, rotated by `oauth2/refresh_token/`.
    Expiring,
    /// Like real TikTok advertiser tokens: no expiry, no refresh token.
    LongTerm,
}

/// Size knobs for the generated data (per advertiser).
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

#[derive(Debug, Clone)]
pub struct SandboxConfig {
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

impl Default for SandboxConfig {
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

impl SandboxConfig {
    pub fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let num = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            var(name)
                .map_or(Ok(default), |raw| raw.parse().map_err(|_| ConfigError::new(name, "must be a whole number")))
        };
        let positive = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            let n = num(name, default.into())?;
            u32::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError::new(name, "must be between 1 and 4294967295"))
        };
        let token_mode = match var("SANDBOX_TOKEN_MODE").as_deref() {
            None | Some("expiring") => TokenMode::Expiring,
            Some("long_term" | "long-term") => TokenMode::LongTerm,
            Some(_) => return Err(ConfigError::new("SANDBOX_TOKEN_MODE", "must be expiring or long_term")),
        };
        Ok(Self {
            seed: num("SANDBOX_SEED", d.seed)?,
            token_mode,
            access_token_ttl: parse_duration_var(var, "SANDBOX_ACCESS_TOKEN_TTL", d.access_token_ttl)?,
            refresh_token_ttl: parse_duration_var(var, "SANDBOX_REFRESH_TOKEN_TTL", d.refresh_token_ttl)?,
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
