//! An access path: this connection reaches this ad account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_access_path")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub connection_id: i32,
    pub ad_account_id: i32,
    pub created_at: ChronoDateTimeUtc,
    /// The last sync through this path that worked, and the last one that did not (failover).
    pub last_success_at: Option<ChronoDateTimeUtc>,
    pub last_error: Option<String>,
    pub last_error_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tiktok_connection::Entity",
        from = "Column::ConnectionId",
        to = "super::tiktok_connection::Column::Id"
    )]
    Connection,
    #[sea_orm(
        belongs_to = "super::tiktok_ad_account::Entity",
        from = "Column::AdAccountId",
        to = "super::tiktok_ad_account::Column::Id"
    )]
    AdAccount,
}

impl Related<super::tiktok_connection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Connection.def()
    }
}

impl Related<super::tiktok_ad_account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdAccount.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
