//! A report page's daily rows into `tiktok_insight_daily`: every metric of TikTok's standard
//! set in its column, exact (counts as integers, money, ratios and seconds in millionths),
//! `"-"` as NULL. A page written twice ends the same.

use super::store::{count, micros, upsert};
use crate::{
    db::entities::tiktok_insight_daily::{ActiveModel, Column as C},
    model::reports::Level,
    tiktok::wire::{ReportRow, WireMetric},
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, Value};
use std::collections::HashMap;

/// The column each metric is kept in.
pub fn column(m: WireMetric) -> C {
    match m {
        WireMetric::Spend => C::SpendMicros,
        WireMetric::Impressions => C::Impressions,
        WireMetric::Clicks => C::Clicks,
        WireMetric::Ctr => C::CtrMicros,
        WireMetric::Cpc => C::CpcMicros,
        WireMetric::Cpm => C::CpmMicros,
        WireMetric::Reach => C::Reach,
        WireMetric::Frequency => C::FrequencyMicros,
        WireMetric::CostPer1000Reached => C::CostPer1000ReachedMicros,
        WireMetric::Conversion => C::Conversions,
        WireMetric::CostPerConversion => C::CostPerConversionMicros,
        WireMetric::ConversionRate => C::ConversionRateMicros,
        WireMetric::Result => C::Results,
        WireMetric::CostPerResult => C::CostPerResultMicros,
        WireMetric::ResultRate => C::ResultRateMicros,
        WireMetric::CompletePayment => C::Purchases,
        WireMetric::ValuePerCompletePayment => C::ValuePerPurchaseMicros,
        WireMetric::VideoPlayActions => C::VideoPlays,
        WireMetric::VideoWatched2s => C::VideoWatched2s,
        WireMetric::VideoWatched6s => C::VideoWatched6s,
        WireMetric::VideoViewsP25 => C::VideoViewsP25,
        WireMetric::VideoViewsP50 => C::VideoViewsP50,
        WireMetric::VideoViewsP75 => C::VideoViewsP75,
        WireMetric::VideoViewsP100 => C::VideoViewsP100,
        WireMetric::AverageVideoPlay => C::AverageVideoPlayMicros,
        WireMetric::ProfileVisits => C::ProfileVisits,
        WireMetric::Likes => C::Likes,
        WireMetric::Comments => C::Comments,
        WireMetric::Shares => C::Shares,
        WireMetric::Follows => C::Follows,
    }
}

/// The purchases' value (millionths): what the purchases and the value per purchase imply.
/// (`total_purchase_value` is another event's value at TikTok: in-app purchases.)
fn purchase_value(row: &ReportRow) -> Option<i64> {
    let n = row.metrics.get(WireMetric::CompletePayment)?;
    micros(n.checked_mul(row.metrics.get(WireMetric::ValuePerCompletePayment)?))
}

/// One metric's value as its column keeps it.
fn stored(row: &ReportRow, m: WireMetric) -> Option<i64> {
    let value = row.metrics.get(m);
    if m.is_count() {
        count(value)
    } else {
        micros(value)
    }
}

/// Upserts the rows (the last of any repeated id and day wins) at `level`.
pub async fn write(
    db: &impl ConnectionTrait,
    account_id: i32,
    level: Level,
    rows: Vec<ReportRow>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut unique: HashMap<(String, NaiveDate), ReportRow> = HashMap::new();
    for row in rows {
        unique.insert((row.id.clone(), row.date), row);
    }
    let models: Vec<ActiveModel> = unique
        .into_values()
        .map(|r| {
            let mut model = ActiveModel {
                ad_account_id: Set(account_id),
                level: Set(level),
                date: Set(r.date),
                synced_at: Set(now),
                ..Default::default()
            };
            for m in WireMetric::ALL {
                model.set(column(m), Value::BigInt(stored(&r, m)));
            }
            model.purchase_value_micros = Set(purchase_value(&r));
            model.object_id = Set(r.id);
            model
        })
        .collect();
    let mut update: Vec<C> = WireMetric::ALL.into_iter().map(column).collect();
    update.extend([C::PurchaseValueMicros, C::SyncedAt]);
    upsert(db, models, &[C::AdAccountId, C::Level, C::ObjectId, C::Date], &update).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiktok::wire::Metrics;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn row(pairs: &[(WireMetric, &str)]) -> ReportRow {
        let mut metrics = Metrics::default();
        for (m, v) in pairs {
            metrics.set(*m, Some(Decimal::from_str(v).unwrap()));
        }
        ReportRow { id: "1".into(), date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), metrics }
    }

    #[test]
    fn every_metric_has_a_column_of_its_own() {
        let columns: std::collections::HashSet<String> =
            WireMetric::ALL.into_iter().map(|m| sea_orm::Iden::to_string(&column(m))).collect();
        assert_eq!(columns.len(), WireMetric::ALL.len());
    }

    #[test]
    fn counts_are_whole_and_money_ratios_and_seconds_millionths() {
        let r = row(&[(WireMetric::Likes, "12"), (WireMetric::Ctr, "1.18"), (WireMetric::AverageVideoPlay, "3.25")]);
        assert_eq!(stored(&r, WireMetric::Likes), Some(12));
        assert_eq!(stored(&r, WireMetric::Ctr), Some(1_180_000));
        assert_eq!(stored(&r, WireMetric::AverageVideoPlay), Some(3_250_000));
        assert_eq!(stored(&r, WireMetric::Follows), None, "not sent stays no value");
    }

    #[test]
    fn the_purchase_value_is_what_the_purchases_and_their_value_each_imply() {
        let implied = row(&[(WireMetric::CompletePayment, "3"), (WireMetric::ValuePerCompletePayment, "19.99")]);
        assert_eq!(purchase_value(&implied), Some(59_970_000));
        assert_eq!(
            purchase_value(&row(&[(WireMetric::CompletePayment, "3")])),
            None,
            "no value per purchase, no value"
        );
    }
}
