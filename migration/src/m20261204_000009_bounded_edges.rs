//! Holding at the edges: the claim query reaches queued and running runs through an index
//! however many finished runs are kept, sign-in limits live in the database so that every
//! instance counts the same attempts, and each instance says how large a share of TikTok's
//! budget it takes (a web-only one takes less than one that syncs).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SyncRun {
    Table,
    Status,
    QueuedAt,
}

#[derive(DeriveIden)]
enum SyncInstance {
    Table,
    BudgetWeight,
}

#[derive(DeriveIden)]
enum LoginLimit {
    Table,
    /// `email:<address>` or `ip:<address or IPv6 /64>`.
    Key,
    /// When the key's budget is whole again (GCRA's theoretical arrival time), in Unix ms.
    TatMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("sync_run_claim")
                .table(SyncRun::Table)
                .col(SyncRun::Status)
                .col(SyncRun::QueuedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginLimit::Table)
                .col(string(LoginLimit::Key).primary_key())
                .col(big_integer(LoginLimit::TatMs))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(SyncInstance::Table)
                // Rows from before were all syncing instances (only those beat): four shares.
                .add_column(integer(SyncInstance::BudgetWeight).default(4))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(SyncInstance::Table).drop_column(SyncInstance::BudgetWeight).to_owned())
            .await?;
        m.drop_table(Table::drop().table(LoginLimit::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("sync_run_claim").table(SyncRun::Table).to_owned()).await
    }
}
