//! A synced custom audience.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_audience")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub audience_id: String,
    pub name: Option<String>,
    pub audience_type: Option<String>,
    /// TikTok's `cover_num`: how many people it reaches.
    pub size: Option<i64>,
    pub is_valid: Option<bool>,
    pub is_expiring: Option<bool>,
    pub shared: Option<bool>,
    pub expires_at_tiktok: Option<String>,
    pub raw: String,
    pub seen_run_id: Option<i32>,
    pub gone_at: Option<ChronoDateTimeUtc>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
