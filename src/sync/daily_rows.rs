//! A report page's daily rows into `tiktok_insight_daily`: every metric of TikTok's standard
//! set in its column, exact (counts as integers, money, ratios and seconds in millionths),
//! `"-"` as NULL. A page written twice ends the same.

use super::store::{count, micros, upsert};
use crate::{
    db::entities::tiktok_insight_daily::{ActiveModel, Column as C},
    model::reports::Level,
    tiktok::wire::{ReportRow, WireMetric, METRIC_COUNT},
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, Value};
use std::collections::HashMap;
use strum::VariantArray;

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

/// The largest figures a daily row keeps. Anything larger is no real day of one object (100
/// billion impressions, 100 billion in any currency, a play longer than a day), and sums over
/// every row a report adds up stay far from overflowing (the reports add in two halves anyway).
pub const MAX_COUNT: i64 = 100_000_000_000;
pub const MAX_MICROS: i64 = 100_000_000_000_000_000;
pub const MAX_PLAY_MICROS: i64 = 86_400_000_000;

/// A figure TikTok sent that its column cannot keep: its row is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub object_id: String,
    pub date: NaiveDate,
    pub metric: &'static str,
    pub value: String,
}

/// What TikTok sent, out of what a column keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OutOfRange;

/// Money may be negative (TikTok corrects spend with credits); a count never is.
fn within(v: Option<i64>, max: i64) -> Result<i64, OutOfRange> {
    v.filter(|v| v.unsigned_abs() <= max.unsigned_abs()).ok_or(OutOfRange)
}

fn count_within(v: Option<i64>) -> Result<i64, OutOfRange> {
    v.filter(|v| (0..=MAX_COUNT).contains(v)).ok_or(OutOfRange)
}

/// The purchases' value (millionths): what the purchases and the value per purchase imply.
/// (`total_purchase_value` is another event's value at TikTok: in-app purchases.)
fn purchase_value(row: &ReportRow) -> Result<Option<i64>, OutOfRange> {
    let (Some(n), Some(each)) =
        (row.metrics.get(WireMetric::CompletePayment), row.metrics.get(WireMetric::ValuePerCompletePayment))
    else {
        return Ok(None);
    };
    within(n.checked_mul(each).and_then(|v| micros(Some(v))), MAX_MICROS).map(Some)
}

/// One metric's value as its column keeps it; `"-"` (or not sent) is none.
fn stored(row: &ReportRow, m: WireMetric) -> Result<Option<i64>, OutOfRange> {
    let Some(value) = row.metrics.get(m) else { return Ok(None) };
    let kept = match m {
        _ if m.is_count() => count_within(count(Some(value))),
        WireMetric::AverageVideoPlay => within(micros(Some(value)), MAX_PLAY_MICROS),
        _ => within(micros(Some(value)), MAX_MICROS),
    };
    kept.map(Some)
}

/// A row's figures as their columns keep them: by metric (in [`WireMetric::VARIANTS`] order),
/// and the purchases' value.
pub struct Figures {
    pub by_metric: [Option<i64>; METRIC_COUNT],
    pub purchase_value: Option<i64>,
}

/// The row's figures as stored, or the first that cannot be.
pub fn figures(r: &ReportRow) -> Result<Figures, Refused> {
    let refused = |metric: &'static str, value: Option<rust_decimal::Decimal>| Refused {
        object_id: r.id.clone(),
        date: r.date,
        metric,
        value: value.map_or_else(String::new, |v| v.to_string()),
    };
    let mut by_metric = [None; METRIC_COUNT];
    for &m in WireMetric::VARIANTS {
        by_metric[m.index()] = stored(r, m).map_err(|OutOfRange| refused(m.wire(), r.metrics.get(m)))?;
    }
    let purchase_value = purchase_value(r).map_err(|OutOfRange| {
        refused("complete_payment × value_per_complete_payment", r.metrics.get(WireMetric::CompletePayment))
    })?;
    Ok(Figures { by_metric, purchase_value })
}

/// The row as stored, or the first figure that cannot be.
fn model(r: ReportRow, account_id: i32, level: Level, now: DateTime<Utc>) -> Result<ActiveModel, Refused> {
    let figures = figures(&r)?;
    let mut model = ActiveModel {
        ad_account_id: Set(account_id),
        level: Set(level),
        date: Set(r.date),
        synced_at: Set(now),
        purchase_value_micros: Set(figures.purchase_value),
        ..Default::default()
    };
    for &m in WireMetric::VARIANTS {
        model.set(column(m), Value::BigInt(figures.by_metric[m.index()]));
    }
    model.object_id = Set(r.id);
    Ok(model)
}

/// Upserts the rows (the last of any repeated id and day wins) at `level`; returns the rows not
/// stored because a figure was out of what its column keeps (for the card's gap).
pub async fn write(
    db: &impl ConnectionTrait,
    account_id: i32,
    level: Level,
    rows: Vec<ReportRow>,
    now: DateTime<Utc>,
) -> Result<Vec<Refused>, DbErr> {
    let mut unique: HashMap<(String, NaiveDate), ReportRow> = HashMap::new();
    for row in rows {
        unique.insert((row.id.clone(), row.date), row);
    }
    let (mut models, mut refused) = (Vec::new(), Vec::new());
    for row in unique.into_values() {
        match model(row, account_id, level, now) {
            Ok(m) => models.push(m),
            Err(r) => refused.push(r),
        }
    }
    refused.sort_by(|a, b| (&a.object_id, a.date).cmp(&(&b.object_id, b.date)));
    let mut update: Vec<C> = WireMetric::VARIANTS.iter().copied().map(column).collect();
    update.extend([C::PurchaseValueMicros, C::SyncedAt]);
    upsert(db, models, &[C::AdAccountId, C::Level, C::ObjectId, C::Date], &update).await?;
    Ok(refused)
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
            WireMetric::VARIANTS.iter().map(|&m| sea_orm::Iden::to_string(&column(m))).collect();
        assert_eq!(columns.len(), WireMetric::VARIANTS.len());
    }

    #[test]
    fn counts_are_whole_and_money_ratios_and_seconds_millionths() {
        let r = row(&[(WireMetric::Likes, "12"), (WireMetric::Ctr, "1.18"), (WireMetric::AverageVideoPlay, "3.25")]);
        assert_eq!(stored(&r, WireMetric::Likes), Ok(Some(12)));
        assert_eq!(stored(&r, WireMetric::Ctr), Ok(Some(1_180_000)));
        assert_eq!(stored(&r, WireMetric::AverageVideoPlay), Ok(Some(3_250_000)));
        assert_eq!(stored(&r, WireMetric::Follows), Ok(None), "not sent stays no value");
    }

    #[test]
    fn the_purchase_value_is_what_the_purchases_and_their_value_each_imply() {
        let implied = row(&[(WireMetric::CompletePayment, "3"), (WireMetric::ValuePerCompletePayment, "19.99")]);
        assert_eq!(purchase_value(&implied), Ok(Some(59_970_000)));
        assert_eq!(
            purchase_value(&row(&[(WireMetric::CompletePayment, "3")])),
            Ok(None),
            "no value per purchase, no value"
        );
    }

    #[test]
    fn a_figure_no_column_can_keep_refuses_its_row_and_a_large_real_one_is_kept() {
        let huge = row(&[(WireMetric::Spend, "9000000000000")]);
        assert_eq!(stored(&huge, WireMetric::Spend), Err(OutOfRange));
        let refused = model(huge, 1, Level::Campaign, Utc::now()).unwrap_err();
        assert_eq!((refused.metric, refused.value.as_str()), ("spend", "9000000000000"));
        let large = row(&[(WireMetric::Spend, "99999999999.99"), (WireMetric::Impressions, "100000000000")]);
        assert!(model(large, 1, Level::Campaign, Utc::now()).is_ok(), "100 billion in a day is kept");
        let long_play = row(&[(WireMetric::AverageVideoPlay, "86401")]);
        assert_eq!(stored(&long_play, WireMetric::AverageVideoPlay), Err(OutOfRange));
        let negative = row(&[(WireMetric::Spend, "-9000000000000"), (WireMetric::Clicks, "-1")]);
        assert_eq!(stored(&negative, WireMetric::Spend), Err(OutOfRange));
        assert_eq!(stored(&negative, WireMetric::Clicks), Err(OutOfRange), "a count is never negative");
        assert_eq!(stored(&row(&[(WireMetric::Spend, "-1.5")]), WireMetric::Spend), Ok(Some(-1_500_000)));
    }
}
