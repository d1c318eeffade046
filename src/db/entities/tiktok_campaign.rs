//! A synced TikTok campaign. Money in millionths of the account's currency.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_campaign")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub campaign_id: String,
    pub name: Option<String>,
    pub objective_type: Option<String>,
    pub budget_micros: Option<i64>,
    pub budget_mode: Option<String>,
    pub operation_status: Option<String>,
    pub secondary_status: Option<String>,
    pub created_at_tiktok: Option<String>,
    pub modified_at_tiktok: Option<String>,
    /// The object as TikTok sent it, so nothing is lost.
    pub raw: String,
    /// The run that last saw it; one that finished without seeing it marks it gone.
    pub seen_run_id: Option<i32>,
    /// No longer returned by TikTok (kept, never deleted).
    pub gone_at: Option<ChronoDateTimeUtc>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
