//! A workspace's rate for one day from an advertiser currency to its reporting currency.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exchange_rate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub workspace_id: i32,
    pub day: Date,
    /// ISO 4217, as the advertiser's account states it ("USD").
    pub currency: String,
    /// The reporting currency the rate converts to.
    pub to_currency: String,
    /// One unit of `currency` in `to_currency`, the exact decimal entered ("0.9187").
    pub rate: String,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
