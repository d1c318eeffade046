//! A workspace's reporting currency and the daily rates to it.

use super::entities::{exchange_rate, workspace};
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
};

/// Rows per insert statement: well under both databases' limit on bound values.
const ROWS_PER_INSERT: usize = 1000;

/// How many of the rates stored were new days and how many replaced a day's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub added: u64,
    pub replaced: u64,
}

pub async fn workspace_named(db: &DatabaseConnection, name: &str) -> Result<Option<workspace::Model>, DbErr> {
    workspace::Entity::find().filter(workspace::Column::Name.eq(name.trim())).one(db).await
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
    Ok(Stored { added, replaced: total - added })
}
