//! How often a pixel saw an event type over a date range (TikTok counts these in UTC).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_pixel_event_stat")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub pixel_id: String,
    pub event_type: String,
    pub total_count: Option<i64>,
    pub attributed_count: Option<i64>,
    pub browser_count: Option<i64>,
    pub server_count: Option<i64>,
    pub range_start: Date,
    pub range_end: Date,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
