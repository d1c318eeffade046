//! The Dashboard's parts about who saw the ads and when: the range's results by age and gender,
//! country and platform, and today by hour against yesterday, from the rows the sync stored.

use crate::reports::{app_with, dashboard, last, synced, US};
use chrono::{Duration, Timelike};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;
use wevion::{
    db::entities::{tiktok_insight_breakdown as breakdown, tiktok_insight_hourly as hourly},
    model::{
        format::money,
        reports::{Breakdown, DashboardQuery, Preset},
    },
    reports::bucket_labels,
    sandbox::BUSINESS_USER,
};

#[tokio::test]
async fn the_dashboards_age_and_gender_panel_sums_every_campaigns_stored_split_rows() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let d = dashboard(&app, &DashboardQuery { account: None, range: last(Preset::Last30) }).await;
    let panel = d.panels.iter().find(|p| p.currency == "USD").expect("a panel in dollars");
    assert_eq!(panel.charts.len(), 3, "age and gender, country, platform");
    let chart = &panel.charts[0];
    assert!(chart.title.starts_with("Spend (USD) by age and gender"), "{}", chart.title);

    let rows = breakdown::Entity::find()
        .filter(breakdown::Column::Breakdown.eq(Breakdown::AgeGender))
        .filter(breakdown::Column::Date.between(d.from.unwrap(), d.to.unwrap()))
        .all(&app.state.db)
        .await
        .unwrap();
    let mut stored: BTreeMap<Vec<String>, i64> = BTreeMap::new();
    for r in rows {
        let labels = bucket_labels(Breakdown::AgeGender, &r.age, &r.gender, &r.platform, &r.country_code);
        *stored.entry(labels).or_insert(0) += r.spend_micros.unwrap_or(0);
    }
    let spend_at = chart.table_head.iter().position(|h| h == "Spend (USD)").unwrap();
    let shown: BTreeMap<Vec<String>, String> =
        chart.table.iter().map(|row| (row[..2].to_vec(), row[spend_at].clone())).collect();
    let expected: BTreeMap<Vec<String>, String> = stored.into_iter().map(|(k, v)| (k, money(v))).collect();
    assert_eq!(shown, expected);
}

#[tokio::test]
async fn today_by_hour_adds_up_the_stored_hours_and_compares_with_yesterday_at_the_same_hour() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let d = dashboard(&app, &DashboardQuery::from_pairs([])).await;
    let pacing = d.pacing.iter().find(|p| p.currency == "USD").expect("today by hour in dollars");
    // The tests' clock stands at 09:00 UTC: 04:00 in New York, Acme Shoes US's time zone, where
    // the sync just ran: the hours through 03:00 had ended an hour before it read them.
    let local = app.clock_now().with_timezone(&chrono_tz::America::New_York);
    let ended = local.hour() as usize - 1;
    assert!(
        pacing.lines[0].starts_with("Spend: ") && pacing.lines[0].contains(&format!("at {ended:02}:00")),
        "{:?}",
        pacing.lines
    );
    let today = local.date_naive();
    let rows = hourly::Entity::find()
        .filter(hourly::Column::Date.between(today - Duration::days(1), today))
        .all(&app.state.db)
        .await
        .unwrap();
    let spend = pacing.charts.iter().find(|c| c.title.starts_with("Spend (USD)")).unwrap();
    let (mut now, mut then) = (0i64, 0i64);
    for h in 0..24 {
        let of = |day| {
            rows.iter()
                .filter(|r| r.date == day && r.hour as usize == h)
                .map(|r| r.spend_micros.unwrap_or(0))
                .sum::<i64>()
        };
        (now, then) = (now + of(today), then + of(today - Duration::days(1)));
        let expected_today = if h < ended { money(now) } else { "—".to_owned() };
        assert_eq!(spend.table[h][1..], [expected_today, money(then)], "through {h:02}:59");
    }
}
