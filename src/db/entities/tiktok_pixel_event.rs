//! A pixel's conversion event, keyed by its id (or its code when TikTok gave no id).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_pixel_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub event_key: String,
    pub pixel_id: String,
    pub event_code: Option<String>,
    pub name: Option<String>,
    pub optimization_event: Option<String>,
    pub statistic_type: Option<String>,
    pub currency: Option<String>,
    pub value_micros: Option<i64>,
    pub deprecated: Option<bool>,
    pub raw: String,
    pub seen_run_id: Option<i32>,
    pub gone_at: Option<ChronoDateTimeUtc>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
