//! A workspace's reporting currency and the daily rates to it.

use super::entities::{exchange_rate, workspace};
use chrono::NaiveDate;
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

/// Rows per insert statement: well under both databases' limit on bound values.
const ROWS_PER_INSERT: usize = 1000;

/// How many of the rates stored were new days and how many replaced a day's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub added: u64,
    pub replaced: u64,
}

/// Stores `rates` of `workspace_id` to `to` all in one transaction, or none of them: a day
/// already held takes the new rate.
pub async fn store(
    db: &DatabaseConnection,
    workspace_id: i32,
    to: &str,
    rates: Vec<exchange_rate::ActiveModel>,
) -> Result<Stored, DbErr> {
    use exchange_rate::Column;
    let total = rates.len() as u64;
    let txn = super::begin_write(db).await?;
    let held = || {
        exchange_rate::Entity::find()
            .filter(Column::WorkspaceId.eq(workspace_id))
            .filter(Column::ToCurrency.eq(to))
            .count(&txn)
    };
    let before = held().await?;
    let mut rates = rates.into_iter().peekable();
    while rates.peek().is_some() {
        let chunk: Vec<_> = rates.by_ref().take(ROWS_PER_INSERT).collect();
        exchange_rate::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([Column::WorkspaceId, Column::ToCurrency, Column::Currency, Column::Day])
                    .update_columns([Column::Rate, Column::UpdatedAt])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
    }
    let added = held().await? - before;
    txn.commit().await?;
    // Saturating: on Postgres another import of the same pair may commit between the counts.
    Ok(Stored { added, replaced: total.saturating_sub(added) })
}

/// The workspace's reporting currency, as stored (none: totals stay per currency).
pub async fn reporting_currency(db: &impl ConnectionTrait, workspace_id: i32) -> Result<Option<String>, DbErr> {
    Ok(workspace::Entity::find_by_id(workspace_id).one(db).await?.and_then(|w| w.reporting_currency))
}

pub async fn set_reporting_currency(
    db: &DatabaseConnection,
    workspace_id: i32,
    currency: Option<&str>,
) -> Result<(), DbErr> {
    workspace::Entity::update_many()
        .col_expr(workspace::Column::ReportingCurrency, Expr::value(currency.map(str::to_owned)))
        .filter(workspace::Column::Id.eq(workspace_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The rates of `workspace_id` to `to` a conversion of `from..=until` reads: those of its days,
/// and each currency's latest before them (a day without a rate takes the nearest earlier one).
pub async fn rates_for(
    db: &impl ConnectionTrait,
    workspace_id: i32,
    to: &str,
    (from, until): (NaiveDate, NaiveDate),
) -> Result<Vec<exchange_rate::Model>, DbErr> {
    use exchange_rate::Column;
    let pair =
        || exchange_rate::Entity::find().filter(Column::WorkspaceId.eq(workspace_id)).filter(Column::ToCurrency.eq(to));
    let mut rates = pair().filter(Column::Day.between(from, until)).all(db).await?;
    let latest_before: Vec<(String, Option<NaiveDate>)> = pair()
        .select_only()
        .column(Column::Currency)
        .column_as(Column::Day.max(), "day")
        .filter(Column::Day.lt(from))
        .group_by(Column::Currency)
        .into_tuple()
        .all(db)
        .await?;
    for (currency, day) in latest_before {
        let Some(day) = day else { continue };
        rates.extend(pair().filter(Column::Currency.eq(currency)).filter(Column::Day.eq(day)).one(db).await?);
    }
    Ok(rates)
}
