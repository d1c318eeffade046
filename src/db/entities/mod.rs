//! sea-orm entities, one module per table.

pub mod app_user;
pub mod exchange_rate;
pub mod login_limit;
pub mod membership;
pub mod oauth_state;
pub mod session;
pub mod sync_instance;
pub mod sync_run;
pub mod tiktok_access_path;
pub mod tiktok_ad;
pub mod tiktok_ad_account;
pub mod tiktok_adgroup;
pub mod tiktok_audience;
pub mod tiktok_campaign;
pub mod tiktok_connection;
pub mod tiktok_image;
pub mod tiktok_insight_breakdown;
pub mod tiktok_insight_daily;
pub mod tiktok_insight_hourly;
pub mod tiktok_pending_grant;
pub mod tiktok_pixel;
pub mod tiktok_pixel_event;
pub mod tiktok_pixel_event_stat;
pub mod tiktok_video;
pub mod workspace;
