//! One object's delivery in one hour of the advertiser's day (TikTok's BASIC report by
//! `stat_time_hour`), with the daily rows' metric columns (`tiktok_insight_daily`). Kept for a
//! few days: housekeeping prunes older hours.

use crate::model::reports::Level;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_insight_hourly")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub level: Level,
    pub object_id: String,
    /// The advertiser's day and hour (0–23).
    pub date: Date,
    pub hour: i16,
    pub spend_micros: Option<i64>,
    pub impressions: Option<i64>,
    pub clicks: Option<i64>,
    pub conversions: Option<i64>,
    pub reach: Option<i64>,
    pub ctr_micros: Option<i64>,
    pub cpc_micros: Option<i64>,
    pub cpm_micros: Option<i64>,
    pub cost_per_conversion_micros: Option<i64>,
    pub frequency_micros: Option<i64>,
    pub cost_per_1000_reached_micros: Option<i64>,
    pub conversion_rate_micros: Option<i64>,
    pub results: Option<i64>,
    pub cost_per_result_micros: Option<i64>,
    pub result_rate_micros: Option<i64>,
    /// TikTok's `complete_payment`.
    pub purchases: Option<i64>,
    pub value_per_purchase_micros: Option<i64>,
    /// What the purchases and their value per purchase imply.
    pub purchase_value_micros: Option<i64>,
    /// TikTok's `video_play_actions`.
    pub video_plays: Option<i64>,
    pub video_watched_2s: Option<i64>,
    pub video_watched_6s: Option<i64>,
    pub video_views_p25: Option<i64>,
    pub video_views_p50: Option<i64>,
    pub video_views_p75: Option<i64>,
    pub video_views_p100: Option<i64>,
    /// Seconds, in millionths.
    pub average_video_play_micros: Option<i64>,
    pub profile_visits: Option<i64>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub shares: Option<i64>,
    pub follows: Option<i64>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
