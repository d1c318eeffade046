//! A synced TikTok ad, linked to its ad group and campaign by TikTok id.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_ad")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub ad_id: String,
    pub adgroup_id: Option<String>,
    pub campaign_id: Option<String>,
    pub name: Option<String>,
    pub ad_format: Option<String>,
    pub ad_text: Option<String>,
    pub call_to_action: Option<String>,
    pub landing_page_url: Option<String>,
    pub video_id: Option<String>,
    /// JSON array of image ids.
    pub image_ids: String,
    pub operation_status: Option<String>,
    pub secondary_status: Option<String>,
    pub modified_at_tiktok: Option<String>,
    pub raw: String,
    pub seen_run_id: Option<i32>,
    pub gone_at: Option<ChronoDateTimeUtc>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
