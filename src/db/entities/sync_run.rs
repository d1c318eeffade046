//! One sync of one ad account: queued by Import (trigger `first`), the schedule or a person.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ad_account_id: i32,
    pub trigger: String,
    pub status: String,
    pub step: Option<String>,
    pub progress_done: i32,
    pub progress_total: i32,
    pub counts: Option<String>,
    pub requests: i32,
    pub rate_limit_waits: i32,
    pub retry_at: Option<ChronoDateTimeUtc>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub queued_at: ChronoDateTimeUtc,
    pub started_at: Option<ChronoDateTimeUtc>,
    pub last_progress_at: Option<ChronoDateTimeUtc>,
    pub finished_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
