//! Writing what TikTok sent: batched multi-row upserts on each table's unique key (idempotent:
//! a page written twice ends the same), and marking what no longer comes back as gone.

use chrono::{DateTime, Utc};
use rust_decimal::{prelude::ToPrimitive, Decimal};
use sea_orm::{
    sea_query::{Alias, Asterisk, Expr, ExprTrait, OnConflict, Query},
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, Iterable,
};

/// Rows per INSERT statement on SQLite: well under its bound-variable limit for our widest table.
const SQLITE_CHUNK: usize = 400;
/// Postgres takes up to 65,535 bound values a statement. Fewer, larger statements are faster
/// there: the driver sets no TCP_NODELAY, so each statement that spans several TCP segments
/// (or TLS records) waits once for the server's delayed ACK, however big it is.
const POSTGRES_VALUES: usize = 60_000;

/// Rows per INSERT statement for a table of `columns` columns.
fn chunk_rows(backend: DatabaseBackend, columns: usize) -> usize {
    match backend {
        DatabaseBackend::Postgres => (POSTGRES_VALUES / columns.max(1)).max(1),
        _ => SQLITE_CHUNK,
    }
}

/// Upserts `rows` (already unique on `key`) into their table.
pub async fn upsert<A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    key: &[<A::Entity as EntityTrait>::Column],
    update: &[<A::Entity as EntityTrait>::Column],
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let per_statement = chunk_rows(db.get_database_backend(), <A::Entity as EntityTrait>::Column::iter().count());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .on_conflict(OnConflict::columns(key.iter().copied()).update_columns(update.iter().copied()).to_owned())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Marks the account's rows of `E` that this run did not see as gone (never deleted), once a
/// step has read every page.
pub async fn mark_gone<E: EntityTrait + Default>(
    db: &impl ConnectionTrait,
    account_id: i32,
    run_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let col = |name: &str| Expr::col((E::default(), Alias::new(name)));
    let stmt = Query::update()
        .table(E::default())
        .value(Alias::new("gone_at"), now)
        .and_where(col("ad_account_id").eq(account_id))
        .and_where(col("gone_at").is_null())
        .and_where(col("seen_run_id").is_null().or(col("seen_run_id").ne(run_id)))
        .to_owned();
    Ok(db.execute(&stmt).await?.rows_affected())
}

/// The account's rows of `E` that the run `run_id` saw (wrote; writing a row clears its gone mark).
pub async fn count_seen<E: EntityTrait + Default>(
    db: &impl ConnectionTrait,
    account_id: i32,
    run_id: i32,
) -> Result<u64, DbErr> {
    let col = |name: &str| Expr::col((E::default(), Alias::new(name)));
    let stmt = Query::select()
        .expr(Expr::col(Asterisk).count())
        .from(E::default())
        .and_where(col("ad_account_id").eq(account_id))
        .and_where(col("seen_run_id").eq(run_id))
        .to_owned();
    let row = db.query_one(&stmt).await?;
    let n: i64 = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Rows written by one run past which the planner's statistics are refreshed at its end.
pub const BULK_ROWS: u64 = 50_000;

/// After a bulk load Postgres plans from stale statistics (autovacuum analyzes a while later),
/// and a report query may then scan a whole table; refreshing them takes a sampled pass. SQLite
/// keeps no statistics unless asked, and the report queries name their indexes there.
pub async fn refresh_statistics(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE tiktok_insight_daily, tiktok_campaign, tiktok_adgroup, tiktok_ad").await?;
    }
    Ok(())
}

/// Money and ratios as millionths: exact, and summable in SQL on either database.
pub fn micros(d: Option<Decimal>) -> Option<i64> {
    // Checked: a huge number from TikTok is no value, never a panic.
    d.and_then(|d| d.checked_mul(Decimal::from(1_000_000))?.round().to_i64())
}

/// A count TikTok may send with a fraction (cut).
pub fn count(d: Option<Decimal>) -> Option<i64> {
    d.and_then(|d| d.trunc().to_i64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_is_kept_to_the_millionth_without_floats() {
        assert_eq!(micros(Some(Decimal::from_str("1234.56").unwrap())), Some(1_234_560_000));
        assert_eq!(micros(Some(Decimal::from_str("0.1").unwrap())), Some(100_000));
        assert_eq!(micros(Some(Decimal::MAX)), None, "too large to hold is no value, not a panic");
        assert_eq!(micros(None), None);
        assert_eq!(count(Some(Decimal::from_str("12.9").unwrap())), Some(12));
    }
}
