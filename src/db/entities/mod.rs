//! sea-orm entities, one module per table.

pub mod app_user;
pub mod membership;
pub mod oauth_state;
pub mod session;
pub mod sync_run;
pub mod tiktok_access_path;
pub mod tiktok_ad_account;
pub mod tiktok_connection;
pub mod tiktok_pending_grant;
pub mod workspace;
