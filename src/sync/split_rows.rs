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
    tiktok::wire::{BreakdownRow, HourRow, ReportRow, WireMetric},
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, Iden, Value};
use std::{collections::HashMap, str::FromStr};
use strum::VariantArray;

/// The column of `A`'s table a metric is kept in: the daily rows' column of the same name.
fn column<C: FromStr>(m: WireMetric) -> C {
    let name = Iden::to_string(&daily_rows::column(m));
    C::from_str(&name).unwrap_or_else(|_| unreachable!("split rows have the daily column {name}"))
}

/// The metric columns, the purchases' value and when: what an upsert of a known row updates.
fn updated<C: FromStr>(purchase_value: C, synced_at: C) -> Vec<C> {
    let mut update: Vec<C> = WireMetric::VARIANTS.iter().map(|&m| column(m)).collect();
    update.extend([purchase_value, synced_at]);
    update
}

/// Each row (the last of any repeated key) as a model with its figures, or refused when a figure
/// is out of what its column keeps.
fn models<K, R, A>(
    rows: Vec<R>,
    key: impl Fn(&R) -> K,
    report_row: impl Fn(&R) -> &ReportRow,
    model: impl Fn(R, &Figures) -> A,
) -> (Vec<A>, Vec<Refused>)
where
    K: std::hash::Hash + Eq,
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Column: FromStr,
{
    let mut unique: HashMap<K, R> = HashMap::new();
    for row in rows {
        unique.insert(key(&row), row);
    }
    let (mut models, mut refused) = (Vec::new(), Vec::new());
    for row in unique.into_values() {
        match figures(report_row(&row)) {
            Ok(figures) => {
                let mut m = model(row, &figures);
                for &metric in WireMetric::VARIANTS {
                    m.set(column(metric), Value::BigInt(figures.by_metric[metric.index()]));
                }
                models.push(m);
            }
            Err(r) => refused.push(r),
        }
    }
    refused.sort_by(|a, b| (&a.object_id, a.date).cmp(&(&b.object_id, b.date)));
    (models, refused)
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
    let (models, refused) = models(
        rows,
        |r| (r.row.id.clone(), r.row.date, r.bucket.clone()),
        |r| &r.row,
        |BreakdownRow { row, bucket }, figures| breakdown::ActiveModel {
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
        },
    );
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
    let (models, refused) = models(
        rows,
        |r| (r.row.id.clone(), r.row.date, r.hour),
        |r| &r.row,
        |HourRow { row, hour }, figures| hourly::ActiveModel {
            ad_account_id: Set(account_id),
            level: Set(level),
            object_id: Set(row.id),
            date: Set(row.date),
            // 0–23: a parsed hour of a day.
            hour: Set(hour as i16),
            purchase_value_micros: Set(figures.purchase_value),
            synced_at: Set(now),
            ..Default::default()
        },
    );
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
