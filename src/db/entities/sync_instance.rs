//! An instance serving this database, alive while its heartbeat is recent.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_instance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub instance_id: String,
    pub started_at: ChronoDateTimeUtc,
    pub heartbeat_at: ChronoDateTimeUtc,
    /// Until when this instance holds back its TikTok calls after a 40100, for the others to follow.
    pub tiktok_paused_until: Option<ChronoDateTimeUtc>,
    /// The shares of TikTok's app budget this instance takes (see `sync::instances`).
    pub budget_weight: i32,
    /// This instance's TikTok requests that timed out in the last 10 s (TikTok's penalty
    /// counts the whole app's).
    pub tiktok_timeouts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
