//! Each account remembers the first day of results it holds, so a raised `HISTORY_DAYS` reads
//! only the days before it. Accounts synced before start from their earliest stored day.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TiktokAdAccount {
    Table,
    HistoryFrom,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(TiktokAdAccount::Table).add_column(date_null(TiktokAdAccount::HistoryFrom)).to_owned(),
        )
        .await?;
        // The same statement on both databases: a correlated subquery, no date arithmetic.
        m.get_connection()
            .execute_unprepared(
                "UPDATE tiktok_ad_account SET history_from = \
                 (SELECT MIN(i.date) FROM tiktok_insight_daily i WHERE i.ad_account_id = tiktok_ad_account.id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(TiktokAdAccount::Table).drop_column(TiktokAdAccount::HistoryFrom).to_owned(),
        )
        .await?;
        Ok(())
    }
}
