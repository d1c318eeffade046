//! The OAuth endpoints: the portal URL, exchanging an auth code, refreshing, revoking.
//! All but the URL spend something at TikTok, so they go through `post_spending`.

use super::TikTokClient;
use crate::tiktok::{
    error::TikTokError,
    wire::{Revoked, TokenData},
};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use url::Url;

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

impl TikTokClient {
    /// The portal URL with exactly `app_id`, `redirect_uri` and `state` (TikTok takes no scope).
    pub fn authorize_url(&self, redirect_uri: &Url, state: &str) -> Url {
        let mut url = self.shared.config.auth_url.clone();
        url.query_pairs_mut()
            .append_pair("app_id", &self.shared.config.app_id)
            .append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("state", state);
        url
    }

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
}
