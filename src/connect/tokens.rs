//! Sealing TikTok grants for storage and opening them again.

use crate::{error::AppError, tiktok::TokenGrant, token_crypto::TokenKeys};
use secrecy::SecretString;

/// A grant's secrets, encrypted under one key id.
pub struct SealedGrant {
    pub key_id: String,
    pub access: Vec<u8>,
    pub refresh: Option<Vec<u8>>,
}

pub fn seal(keys: &TokenKeys, grant: &TokenGrant) -> SealedGrant {
    let access = keys.encrypt(&grant.access_token);
    let refresh = grant.refresh_token.as_ref().map(|r| keys.encrypt(r).blob);
    SealedGrant { key_id: access.key_id, access: access.blob, refresh }
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
