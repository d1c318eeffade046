//! The instances serving one database, each beating its row every few seconds: the live ones
//! share TikTok's app budget between them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncInstance {
    Table,
    InstanceId,
    StartedAt,
    HeartbeatAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SyncInstance::Table)
                .col(string(SyncInstance::InstanceId).primary_key())
                .col(timestamp_with_time_zone(SyncInstance::StartedAt))
                .col(timestamp_with_time_zone(SyncInstance::HeartbeatAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SyncInstance::Table).to_owned()).await
    }
}
