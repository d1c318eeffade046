//! A synced creative video.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_video")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub video_id: String,
    pub material_id: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_ms: Option<i64>,
    pub format: Option<String>,
    pub cover_url: Option<String>,
    pub preview_url: Option<String>,
    pub file_name: Option<String>,
    pub raw: String,
    pub seen_run_id: Option<i32>,
    pub gone_at: Option<ChronoDateTimeUtc>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
