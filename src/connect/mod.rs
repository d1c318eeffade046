//! The connect flow: starting an authorization, the OAuth callback, the advertiser picker,
//! import, reconnect, disconnect and key rotation. Server only; the page lives in
//! `pages::connect_tiktok`.

pub mod callback_page;
pub mod oauth_state;
pub mod rotate;
pub mod routes;
pub mod service;
pub mod tokens;

/// Auth health of a connection (stored in `tiktok_token.auth_status`).
pub mod auth_status {
    pub const HEALTHY: &str = "healthy";
    pub const NEEDS_RECONNECT: &str = "needs_reconnect";
    pub const DISCONNECTED: &str = "disconnected";
}

/// Whether an ad account is being synced (stored in `tiktok_ad_account.sync_state`).
pub mod sync_state {
    pub const ACTIVE: &str = "active";
    pub const DISCONNECTED: &str = "disconnected";
}
