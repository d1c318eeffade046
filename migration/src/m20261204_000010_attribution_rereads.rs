//! TikTok revises a day's conversions for as long as its attribution window: each account
//! remembers when its last 7 days and its whole window were last read again.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TiktokAdAccount {
    Table,
    WeekRereadAt,
    WindowRereadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [TiktokAdAccount::WeekRereadAt, TiktokAdAccount::WindowRereadAt] {
            m.alter_table(
                Table::alter()
                    .table(TiktokAdAccount::Table)
                    .add_column(timestamp_with_time_zone_null(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [TiktokAdAccount::WeekRereadAt, TiktokAdAccount::WindowRereadAt] {
            m.alter_table(Table::alter().table(TiktokAdAccount::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
