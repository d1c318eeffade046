//! A sign-in budget (per email address or client address): when it is whole again.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_limit")]
pub struct Model {
    /// `email:<address>` or `ip:<address or IPv6 /64>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// GCRA's theoretical arrival time, Unix milliseconds.
    pub tat_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
