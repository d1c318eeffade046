//! A synced TikTok ad group, linked to its campaign by TikTok id.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_adgroup")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub adgroup_id: String,
    pub campaign_id: Option<String>,
    pub name: Option<String>,
    pub budget_micros: Option<i64>,
    pub budget_mode: Option<String>,
    pub operation_status: Option<String>,
    pub secondary_status: Option<String>,
    pub optimization_goal: Option<String>,
    pub billing_event: Option<String>,
    pub bid_price_micros: Option<i64>,
    pub placement_type: Option<String>,
    pub schedule_start: Option<String>,
    pub schedule_end: Option<String>,
    pub modified_at_tiktok: Option<String>,
    pub raw: String,
    pub seen_run_id: Option<i32>,
    pub gone_at: Option<ChronoDateTimeUtc>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
