//! A day's results split by bucket (`tiktok_insight_breakdown`) or by hour
//! (`tiktok_insight_hourly`), kept exactly like the daily rows (`daily_rows.rs`: the same
//! columns, units and bounds). A page written twice ends the same.

use super::{
    daily_rows::{self, figures, Figures, Refused},
    store::upsert,
};
use crate::{
    db::entities::{tiktok_insight_breakdown as breakdown, tiktok_insight_hourly as hourly},
    model::reports::{Breakdown, Level},
    tiktok::wire::{BreakdownRow, Bucket, HourRow, WireMetric},
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, Iden, Value};
use std::{collections::HashMap, str::FromStr};
use strum::VariantArray;

/// The column of `A`'s table a metric is kept in: the daily rows' column of the same name.
fn column<C: FromStr>(m: WireMetric) -> C {
    let name = Iden::to_string(&daily_rows::column(m));
    C::from_str(&name).unwrap_or_else(|_| unreachable!("split rows have the daily column {name}"))
}

/// Every metric's figure into its column.
fn set_figures<A>(model: &mut A, figures: &Figures)
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Column: FromStr,
{
    for &m in WireMetric::VARIANTS {
        model.set(column(m), Value::BigInt(figures.by_metric[m.index()]));
    }
}

/// The metric columns, the purchases' value and when: what an upsert of a known row updates.
fn updated<C: FromStr>(purchase_value: C, synced_at: C) -> Vec<C> {
    let mut update: Vec<C> = WireMetric::VARIANTS.iter().map(|&m| column(m)).collect();
    update.extend([purchase_value, synced_at]);
    update
}

/// Upserts the rows of breakdown `by` at `level` (the last of any repeated object, day and
/// bucket wins); returns the rows not stored because a figure was out of what its column keeps.
pub async fn write_breakdown(
    db: &impl ConnectionTrait,
    account_id: i32,
    level: Level,
    by: Breakdown,
    rows: Vec<BreakdownRow>,
    now: DateTime<Utc>,
) -> Result<Vec<Refused>, DbErr> {
    use breakdown::Column as C;
    let mut unique: HashMap<(String, NaiveDate, Bucket), BreakdownRow> = HashMap::new();
    for row in rows {
        unique.insert((row.row.id.clone(), row.row.date, row.bucket.clone()), row);
    }
    let (mut models, mut refused) = (Vec::new(), Vec::new());
    for BreakdownRow { row, bucket } in unique.into_values() {
        let figures = match figures(&row) {
            Ok(f) => f,
            Err(r) => {
                refused.push(r);
                continue;
            }
        };
        let mut model = breakdown::ActiveModel {
            ad_account_id: Set(account_id),
            level: Set(level),
            object_id: Set(row.id),
            date: Set(row.date),
            breakdown: Set(by),
            age: Set(bucket.age),
            gender: Set(bucket.gender),
            platform: Set(bucket.platform),
            country_code: Set(bucket.country_code),
            purchase_value_micros: Set(figures.purchase_value),
            synced_at: Set(now),
            ..Default::default()
        };
        set_figures(&mut model, &figures);
        models.push(model);
    }
    refused.sort_by(|a, b| (&a.object_id, a.date).cmp(&(&b.object_id, b.date)));
    let key =
        [C::AdAccountId, C::Breakdown, C::Level, C::ObjectId, C::Date, C::Age, C::Gender, C::Platform, C::CountryCode];
    upsert(db, models, &key, &updated(C::PurchaseValueMicros, C::SyncedAt)).await?;
    Ok(refused)
}

/// Upserts hourly rows at `level` (the last of any repeated object, day and hour wins); returns
/// the rows not stored because a figure was out of what its column keeps.
pub async fn write_hours(
    db: &impl ConnectionTrait,
    account_id: i32,
    level: Level,
    rows: Vec<HourRow>,
    now: DateTime<Utc>,
) -> Result<Vec<Refused>, DbErr> {
    use hourly::Column as C;
    let mut unique: HashMap<(String, NaiveDate, u32), HourRow> = HashMap::new();
    for row in rows {
        unique.insert((row.row.id.clone(), row.row.date, row.hour), row);
    }
    let (mut models, mut refused) = (Vec::new(), Vec::new());
    for HourRow { row, hour } in unique.into_values() {
        let figures = match figures(&row) {
            Ok(f) => f,
            Err(r) => {
                refused.push(r);
                continue;
            }
        };
        let mut model = hourly::ActiveModel {
            ad_account_id: Set(account_id),
            level: Set(level),
            object_id: Set(row.id),
            date: Set(row.date),
            // 0–23: a parsed hour of a day.
            hour: Set(hour as i16),
            purchase_value_micros: Set(figures.purchase_value),
            synced_at: Set(now),
            ..Default::default()
        };
        set_figures(&mut model, &figures);
        models.push(model);
    }
    refused.sort_by(|a, b| (&a.object_id, a.date).cmp(&(&b.object_id, b.date)));
    let key = [C::AdAccountId, C::Level, C::ObjectId, C::Date, C::Hour];
    upsert(db, models, &key, &updated(C::PurchaseValueMicros, C::SyncedAt)).await?;
    Ok(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_the_daily_rows_column_in_both_tables() {
        for &m in WireMetric::VARIANTS {
            let daily = Iden::to_string(&daily_rows::column(m));
            assert_eq!(Iden::to_string(&column::<breakdown::Column>(m)), daily);
            assert_eq!(Iden::to_string(&column::<hourly::Column>(m)), daily);
        }
    }
}
