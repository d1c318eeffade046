//! One reporting currency per workspace (none: totals stay per currency) and the daily rates its
//! admins enter or import, from each advertiser currency to it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspace {
    Table,
    Id,
    ReportingCurrency,
}

#[derive(DeriveIden)]
enum ExchangeRate {
    Table,
    Id,
    WorkspaceId,
    Day,
    Currency,
    ToCurrency,
    Rate,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Workspace::Table)
                .add_column(string_len_null(Workspace::ReportingCurrency, 3))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ExchangeRate::Table)
                .col(pk_auto(ExchangeRate::Id))
                .col(integer(ExchangeRate::WorkspaceId))
                .col(date(ExchangeRate::Day))
                .col(string_len(ExchangeRate::Currency, 3))
                .col(string_len(ExchangeRate::ToCurrency, 3))
                // The decimal as entered ("0.9187"): both databases keep text exactly, and the
                // conversion multiplies in Rust, never in SQL.
                .col(string_len(ExchangeRate::Rate, 40))
                .col(timestamp_with_time_zone(ExchangeRate::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ExchangeRate::Table, ExchangeRate::WorkspaceId)
                        .to(Workspace::Table, Workspace::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One rate per workspace, pair and day; conversions read a pair's days in order.
        m.create_index(
            Index::create()
                .name("exchange_rate_pair_day")
                .table(ExchangeRate::Table)
                .col(ExchangeRate::WorkspaceId)
                .col(ExchangeRate::ToCurrency)
                .col(ExchangeRate::Currency)
                .col(ExchangeRate::Day)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ExchangeRate::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Workspace::Table).drop_column(Workspace::ReportingCurrency).to_owned()).await
    }
}
