//! Sealing TikTok grants for storage and opening them again.

use crate::{error::AppError, tiktok::TokenGrant, token_crypto::TokenKeys};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// A grant's secrets sealed under one key id, with what TikTok said about them.
pub struct Secrets {
    pub key_id: String,
    pub access: Option<Vec<u8>>,
    pub refresh: Option<Vec<u8>>,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// TikTok's permission ids, as JSON text.
    pub scope: String,
}

pub fn seal(keys: &TokenKeys, grant: &TokenGrant) -> Secrets {
    let access = keys.encrypt(&grant.access_token);
    Secrets {
        key_id: access.key_id,
        access: Some(access.blob),
        refresh: grant.refresh_token.as_ref().map(|r| keys.encrypt(r).blob),
        access_expires_at: grant.access_expires_at,
        refresh_expires_at: grant.refresh_expires_at,
        scope: serde_json::to_string(&grant.scope).unwrap_or_else(|_| "[]".into()),
    }
}

/// Opens a stored access token; a missing or unreadable one means the member must reconnect.
pub fn open(keys: &TokenKeys, key_id: &str, blob: Option<&[u8]>) -> Result<SecretString, AppError> {
    let blob = blob.ok_or_else(|| {
        AppError::new(crate::error::ErrorCode::NeedsReconnect, "This TikTok connection has no token. Reconnect it.")
    })?;
    keys.decrypt(key_id, blob).map_err(|e| {
        tracing::error!(error = %e, key.id = key_id, "cannot decrypt a stored TikTok token");
        AppError::new(
            crate::error::ErrorCode::NeedsReconnect,
            "This TikTok connection's token cannot be read. Reconnect it.",
        )
    })
}
