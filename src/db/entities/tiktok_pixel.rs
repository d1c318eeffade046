//! A synced pixel (its events are `tiktok_pixel_event`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_pixel")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub pixel_id: String,
    pub pixel_code: Option<String>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub raw: String,
    pub seen_run_id: Option<i32>,
    pub gone_at: Option<ChronoDateTimeUtc>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
