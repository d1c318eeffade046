//! One object's results on one of the advertiser's days. Money and ratios are millionths
//! (exact on both databases, summed in SQL); TikTok's `"-"` is NULL. CTR is a percentage.

use crate::model::reports::Level;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_insight_daily")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub level: Level,
    pub object_id: String,
    pub date: Date,
    pub spend_micros: Option<i64>,
    pub impressions: Option<i64>,
    pub clicks: Option<i64>,
    pub conversions: Option<i64>,
    pub reach: Option<i64>,
    pub ctr_micros: Option<i64>,
    pub cpc_micros: Option<i64>,
    pub cpm_micros: Option<i64>,
    pub cost_per_conversion_micros: Option<i64>,
    pub synced_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
