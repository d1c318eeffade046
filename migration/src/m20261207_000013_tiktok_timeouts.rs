//! Each instance says on its beat how many of its TikTok requests timed out in the last 10 s, so
//! every instance counts the app's timeouts against TikTok's penalty together.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncInstance {
    Table,
    TiktokTimeouts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SyncInstance::Table)
                .add_column(integer(SyncInstance::TiktokTimeouts).default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(SyncInstance::Table).drop_column(SyncInstance::TiktokTimeouts).to_owned())
            .await
    }
}
