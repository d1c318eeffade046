//! TikTok's standard metric set through the product: stored exactly, figures for a range from
//! the summed days (never averaged ratios), and TikTok's `"-"` kept as no value on every page
//! and in the export.

use crate::reports::{app_with, campaigns, dashboard, last, synced, table, US};
use rust_decimal::{prelude::ToPrimitive, Decimal};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::collections::HashMap;
use wevion::{
    db::entities::tiktok_insight_daily,
    model::reports::{AdsQuery, ColumnSet, DashboardQuery, Metric, Preset, SortKey},
    sandbox::BUSINESS_USER,
    tiktok::wire::{DataLevel, WireMetric},
};

/// Metrics the advertiser's reports answer `"-"` for in the first test.
const NOT_APPLICABLE: [&str; 4] = ["complete_payment", "value_per_complete_payment", "total_purchase_value", "likes"];

#[tokio::test]
async fn a_metric_tiktok_answers_with_a_dash_stays_empty_in_ads_manager_the_dashboard_and_the_csv() {
    let (_db, app) = app_with(&[]).await;
    let set = app.sandbox_control("not-applicable", json!({"advertiser_id": US, "metrics": NOT_APPLICABLE})).await;
    assert_eq!(set.status(), 204);
    synced(&app, BUSINESS_USER, &[US]).await;

    let rows = tiktok_insight_daily::Entity::find().all(&app.state.db).await.unwrap();
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(
            (r.purchases, r.purchase_value_micros, r.value_per_purchase_micros, r.likes),
            (None, None, None, None)
        );
        assert!(r.spend_micros.is_some() && r.video_plays.is_some(), "the other metrics came");
    }

    let t = table(&app, &AdsQuery { columns: ColumnSet::Conversions, ..campaigns(last(Preset::Last7)) }).await;
    assert!(!t.rows.is_empty());
    for f in t.rows.iter().map(|r| &r.figures).chain(t.totals.iter().map(|t| &t.figures)) {
        for m in [Metric::Purchases, Metric::PurchaseValue, Metric::ValuePerPurchase, Metric::Roas] {
            assert_eq!(f.get(m), None, "{m:?} is no value, never 0");
        }
        assert!(f.get(Metric::Results).is_some());
    }
    let page = app.get("/ads?cols=conversions").await.text().await.unwrap();
    let cells = cells_of(&page, "purchases");
    assert!(!cells.is_empty(), "the page has purchase cells");
    assert!(cells.iter().all(|c| c == "—"), "the page shows a dash: {cells:?}");

    let d = dashboard(&app, &DashboardQuery { account: None, range: last(Preset::Last7) }).await;
    let kpi = |label: &str| d.totals[0].kpis.iter().find(|k| k.label == label).unwrap().clone();
    assert_eq!((kpi("ROAS").value, kpi("Purchase value").value), (None, None));
    assert!(kpi("Results").value.is_some() && kpi("Cost per result").value.is_some());

    let body = app.get("/ads/export.csv?cols=engagement").await.text().await.unwrap();
    let mut csv = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
    let at = |label: &str| header.iter().position(|h| h == label).unwrap_or_else(|| panic!("{label} in {header:?}"));
    let (likes, shares) = (at("Likes"), at("Shares"));
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert!(!records.is_empty());
    for r in &records {
        assert_eq!(&r[likes], "", "an empty cell, not 0");
        assert!(r[shares].parse::<i64>().is_ok(), "{:?}", &r[shares]);
    }
}

/// The text of each `data-metric` cell of `metric` in a page (tags and markers left out).
fn cells_of(page: &str, metric: &str) -> Vec<String> {
    page.split(&format!(r#"data-metric="{metric}""#))
        .skip(1)
        .map(|rest| {
            let cell = rest.split_once('>').map_or("", |(_, c)| c).split("</td>").next().unwrap_or("");
            let mut text = String::new();
            let mut in_tag = false;
            for ch in cell.chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.trim().to_owned()
        })
        .collect()
}

/// `text` as a number: thousands separators and a trailing % dropped.
fn number(text: Option<&str>) -> Option<f64> {
    text?.replace([',', '%'], "").parse().ok()
}

#[tokio::test]
async fn a_ranges_figures_are_tiktoks_totals_for_it_ratios_from_the_sums_not_averaged() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let (conversions, video) = (ColumnSet::Conversions, ColumnSet::Video);
    let query = |columns| AdsQuery { columns, ..campaigns(last(Preset::Last30)) };
    let t = table(&app, &query(conversions)).await;
    let v = table(&app, &query(video)).await;
    let (from, to) = (t.from.unwrap(), t.to.unwrap());

    // TikTok's own report over the same days, with no time dimension: its totals for the range.
    let token = app.sandbox_token(BUSINESS_USER).await;
    let client = app.tiktok_client(1000, 0);
    let theirs: HashMap<String, wevion::tiktok::wire::Metrics> = client
        .report_totals(&token, US, DataLevel::Campaign, from, to)
        .unwrap()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.metrics))
        .collect();
    let mut checked = 0;
    for (row, video_row) in t.rows.iter().zip(&v.rows) {
        assert_eq!(row.id, video_row.id, "the same order whatever the columns");
        let Some(m) = theirs.get(&row.id) else { continue };
        let tiktok = |w: WireMetric| m.get(w).and_then(|d: Decimal| d.to_f64());
        let close = |ours: Option<f64>, theirs: Option<f64>, what: &str| match (ours, theirs) {
            (Some(a), Some(b)) => assert!((a - b).abs() <= 0.011, "{what} of {}: ours {a}, TikTok's {b}", row.id),
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{what} of {}", row.id),
        };
        let f = &row.figures;
        close(number(f.get(Metric::Results)), tiktok(WireMetric::Result), "results");
        close(number(f.get(Metric::CostPerResult)), tiktok(WireMetric::CostPerResult), "cost per result");
        close(number(f.get(Metric::ConversionRate)), tiktok(WireMetric::ConversionRate), "conversion rate");
        // TikTok gives purchases and the value of each, to the cent: the value they imply is
        // exact to half a cent a purchase, day by day.
        let purchases = tiktok(WireMetric::CompletePayment);
        let implied = purchases.zip(tiktok(WireMetric::ValuePerCompletePayment)).map(|(n, each)| n * each);
        let slack = purchases.unwrap_or(0.0) * 0.005 + 0.011;
        let ours = number(f.get(Metric::PurchaseValue));
        assert!(ours.zip(implied).is_some_and(|(a, b)| (a - b).abs() <= slack), "{ours:?} vs {implied:?}");
        close(
            number(f.get(Metric::ValuePerPurchase)),
            tiktok(WireMetric::ValuePerCompletePayment),
            "value per purchase",
        );
        let spend = tiktok(WireMetric::Spend).filter(|s| *s > 0.0);
        let roas = number(f.get(Metric::Roas)).zip(ours.zip(spend).map(|(v, s)| v / s));
        assert!(
            roas.is_some_and(|(shown, from_sums)| (shown - from_sums).abs() <= 0.006),
            "ROAS is value ÷ spend: {roas:?}"
        );
        let f = &video_row.figures;
        close(number(f.get(Metric::Watched6s)), tiktok(WireMetric::VideoWatched6s), "6-second views");
        close(number(f.get(Metric::AverageWatch)), tiktok(WireMetric::AverageVideoPlay), "average watch time");
        checked += 1;
    }
    assert!(checked > 0, "TikTok had totals for the campaigns shown");
    assert_eq!(t.rows[0].figures.get(Metric::Reach), None, "a month's reach is not the sum of its days");
    let day = table(&app, &AdsQuery { columns: ColumnSet::Delivery, ..campaigns(last(Preset::Yesterday)) }).await;
    assert!(day.rows.iter().any(|r| r.figures.get(Metric::Frequency).is_some()), "one day shows reach and frequency");
    assert_eq!(day.totals[0].figures.get(Metric::Reach), None, "added up across campaigns it would count people twice");
    let by_reach = AdsQuery {
        columns: ColumnSet::Delivery,
        sort: SortKey::Metric(Metric::Reach),
        ..campaigns(last(Preset::Last7))
    };
    let week = table(&app, &by_reach).await;
    assert_eq!(week.query.sort, SortKey::default(), "a week's reach is not shown, so not sorted by");
    let csv = app.get(&format!("/ads/export.csv?{}", by_reach.to_query())).await;
    assert_eq!(csv.status(), 200);

    // The stored days are exact: every metric of one day is TikTok's to the millionth.
    let stored = tiktok_insight_daily::Entity::find()
        .filter(tiktok_insight_daily::Column::Date.eq(to))
        .filter(tiktok_insight_daily::Column::ObjectId.eq(t.rows[0].id.clone()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the campaign's last day is stored");
    let day = client.daily_report(&token, US, DataLevel::Campaign, to, to).unwrap().collect().await.unwrap();
    let m = &day.iter().find(|r| r.id == t.rows[0].id).expect("TikTok's row").metrics;
    let millionths = |w| m.get(w).and_then(|d: Decimal| (d * Decimal::from(1_000_000)).to_i64());
    assert_eq!(stored.average_video_play_micros, millionths(WireMetric::AverageVideoPlay));
    let implied = m.get(WireMetric::CompletePayment).zip(m.get(WireMetric::ValuePerCompletePayment));
    assert_eq!(
        stored.purchase_value_micros,
        implied.and_then(|(n, each)| (n * each * Decimal::from(1_000_000)).to_i64()),
        "what the purchases and their value each imply"
    );
    assert_eq!(stored.frequency_micros, millionths(WireMetric::Frequency));
    assert_eq!(stored.follows, m.get(WireMetric::Follows).and_then(|d| d.to_i64()));
}
