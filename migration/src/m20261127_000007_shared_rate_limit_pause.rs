//! TikTok's 40100 means the whole app is over its budget, not one instance: each instance
//! publishes until when it is pausing, and the others pause as long at their next beat.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncInstance {
    Table,
    TiktokPausedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SyncInstance::Table)
                .add_column(timestamp_with_time_zone_null(SyncInstance::TiktokPausedUntil))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(SyncInstance::Table).drop_column(SyncInstance::TiktokPausedUntil).to_owned())
            .await
    }
}
