//! Who saw the ads: each campaign's days by age and gender, platform and country are synced as
//! TikTok reports them, on their own schedule, and a breakdown TikTok refuses never holds the
//! daily results.

use crate::sync::{account, app_with, drain, last_run, pages_until, US};
use chrono::{Duration, NaiveDate};
use rust_decimal::{prelude::ToPrimitive, Decimal};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::collections::HashMap;
use wevion::{
    db::entities::{
        sync_run::{RunStatus, Step},
        tiktok_insight_breakdown as breakdown, tiktok_insight_daily as daily,
    },
    model::reports::{Breakdown, Level},
    sandbox::BUSINESS_USER,
    sync::today_of,
    tiktok::wire::{BreakdownRow, Bucket, DataLevel, WireMetric},
};

async fn stored(app: &crate::helpers::TestApp, by: Breakdown) -> Vec<breakdown::Model> {
    breakdown::Entity::find().filter(breakdown::Column::Breakdown.eq(by)).all(&app.state.db).await.unwrap()
}

/// TikTok's own rows of a breakdown, by campaign, day and bucket.
async fn tiktoks(
    app: &crate::helpers::TestApp,
    by: Breakdown,
    from: NaiveDate,
    to: NaiveDate,
) -> HashMap<(String, NaiveDate, Bucket), BreakdownRow> {
    let token = app.sandbox_token(BUSINESS_USER).await;
    let client = app.tiktok_client(1000, 0);
    let mut rows = HashMap::new();
    let mut start = from;
    while start <= to {
        let end = (start + Duration::days(6)).min(to);
        let report = client.breakdown_report(&token, US, DataLevel::Campaign, by, start, end).unwrap();
        for row in report.collect().await.unwrap() {
            rows.insert((row.row.id.clone(), row.row.date, row.bucket.clone()), row);
        }
        start = end + Duration::days(1);
    }
    rows
}

/// What TikTok sent for a metric, as its column keeps it.
fn kept(row: &BreakdownRow, m: WireMetric) -> Option<i64> {
    let v = row.row.metrics.get(m)?;
    if m.is_count() {
        v.to_i64()
    } else {
        (v * Decimal::from(1_000_000)).to_i64()
    }
}

fn bucket(r: &breakdown::Model) -> Bucket {
    Bucket {
        age: r.age.clone(),
        gender: r.gender.clone(),
        platform: r.platform.clone(),
        country_code: r.country_code.clone(),
    }
}

#[tokio::test]
async fn breakdown_rows_are_tiktoks_row_by_row_and_add_up_to_the_campaigns_days() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let run = last_run(&app, us.id).await;
    assert_eq!(run.status, RunStatus::Succeeded);
    assert!(run.step_errors().is_empty(), "no refused metric or dimension was asked for: {:?}", run.step_errors());
    let today = today_of(&us, app.clock_now());
    let from = today - Duration::days(89);
    let days: Vec<daily::Model> = daily::Entity::find()
        .filter(daily::Column::AdAccountId.eq(us.id))
        .filter(daily::Column::Level.eq(Level::Campaign))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(!days.is_empty());

    for by in [Breakdown::AgeGender, Breakdown::Platform, Breakdown::Country] {
        let mine = stored(&app, by).await;
        let theirs = tiktoks(&app, by, from, today).await;
        assert_eq!(mine.len(), theirs.len(), "{by:?}: every bucket of every day is stored");
        for r in &mine {
            let t = theirs.get(&(r.object_id.clone(), r.date, bucket(r))).expect("TikTok has the row");
            let pairs = [
                (WireMetric::Spend, r.spend_micros),
                (WireMetric::Impressions, r.impressions),
                (WireMetric::Clicks, r.clicks),
                (WireMetric::Ctr, r.ctr_micros),
                (WireMetric::Cpc, r.cpc_micros),
                (WireMetric::Conversion, r.conversions),
                (WireMetric::CostPerConversion, r.cost_per_conversion_micros),
                (WireMetric::Result, r.results),
                (WireMetric::VideoWatched6s, r.video_watched_6s),
                (WireMetric::Reach, r.reach),
                (WireMetric::Frequency, r.frequency_micros),
                (WireMetric::Likes, r.likes),
            ];
            for (m, value) in pairs {
                assert_eq!(value, kept(t, m), "{by:?} {} on {} {:?}: {}", r.object_id, r.date, bucket(r), m.wire());
            }
        }
        // The buckets of a campaign's day add up to its day.
        let mut sums: HashMap<(String, NaiveDate), [i64; 3]> = HashMap::new();
        for r in &mine {
            let s = sums.entry((r.object_id.clone(), r.date)).or_default();
            for (sum, v) in s.iter_mut().zip([r.spend_micros, r.impressions, r.clicks]) {
                *sum += v.unwrap_or(0);
            }
        }
        for d in days.iter().filter(|d| d.date >= from) {
            let whole = [d.spend_micros, d.impressions, d.clicks].map(|v| v.unwrap_or(0));
            assert_eq!(
                sums.get(&(d.object_id.clone(), d.date)).copied().unwrap_or_default(),
                whole,
                "{by:?} {} on {}",
                d.object_id,
                d.date
            );
        }
    }
    let audience = stored(&app, Breakdown::AgeGender).await;
    assert!(audience.iter().all(|r| r.reach.is_none()), "TikTok does not break reach down by age");
    assert!(stored(&app, Breakdown::Country).await.iter().any(|r| r.reach.is_some()), "countries carry reach");
}

#[tokio::test]
async fn a_breakdown_tiktok_refuses_is_a_gap_on_the_card_while_the_rest_arrives() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let refuse = json!({"path": "report/integrated/get/", "code": 40002, "count": 1000, "dimension": "platform"});
    app.sandbox_control("faults", refuse).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let run = last_run(&app, us.id).await;
    assert_eq!(run.status, RunStatus::Succeeded);
    let gaps: Vec<_> = run.step_errors().iter().filter(|e| e.step == Step::Breakdowns).collect();
    assert_eq!(gaps.len(), 1, "one gap for the breakdown, not one per window: {gaps:?}");
    assert!(gaps[0].message.contains("platform"), "{}", gaps[0].message);
    assert!(stored(&app, Breakdown::Platform).await.is_empty());
    assert!(!stored(&app, Breakdown::AgeGender).await.is_empty(), "the other breakdowns are read");
    assert_eq!(us.insights_through, Some(today_of(&us, app.clock_now())), "the daily results arrived");
    let cards = app.connections().await;
    assert!(cards.to_string().contains("platform breakdown"), "the card says what is missing: {cards}");
}

#[tokio::test]
async fn breakdowns_are_read_at_most_hourly_and_the_window_daily() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let first = account(&app, US).await;
    let today = today_of(&first, app.clock_now());
    assert_eq!(first.breakdowns_through, Some(today));
    assert_eq!(first.breakdowns_read_at, Some(app.clock_now()));

    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    let later = account(&app, US).await;
    assert_eq!(later.breakdowns_read_at, first.breakdowns_read_at, "not again within the hour");
    assert_ne!(later.insights_through, None);
    assert!(later.last_synced_at > first.last_synced_at, "the daily results were read");

    app.clock.advance(Duration::minutes(45));
    drain(&app).await;
    let hour_on = account(&app, US).await;
    assert!(hour_on.breakdowns_read_at > first.breakdowns_read_at, "an hour on, read again");
    assert_eq!(hour_on.breakdowns_window_at, first.breakdowns_window_at, "the window waits a day");

    app.clock.advance(Duration::hours(24));
    drain(&app).await;
    assert!(account(&app, US).await.breakdowns_window_at > first.breakdowns_window_at, "a day on, the window");
}

#[tokio::test]
async fn after_twenty_days_of_late_attribution_sync_now_makes_the_windows_breakdowns_tiktoks_again() {
    let (_db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let today = today_of(&us, app.clock_now());
    let window_from = today - Duration::days(27);
    app.sandbox_control("attribution", json!({"advertiser_id": US, "days": 20})).await;
    let theirs = tiktoks(&app, Breakdown::AgeGender, window_from, today).await;
    let conversions = |rows: &[breakdown::Model]| -> HashMap<(String, NaiveDate, Bucket), Option<i64>> {
        rows.iter()
            .filter(|r| r.date >= window_from)
            .map(|r| ((r.object_id.clone(), r.date, bucket(r)), r.conversions))
            .collect()
    };
    let tiktoks_conversions: HashMap<_, _> =
        theirs.iter().map(|(k, r)| (k.clone(), kept(r, WireMetric::Conversion))).collect();
    assert_ne!(conversions(&stored(&app, Breakdown::AgeGender).await), tiktoks_conversions, "TikTok moved on");

    app.clock.advance(Duration::seconds(1));
    let asked = app.json_fn("tiktok/sync-now", json!({ "connection_id": connection })).await;
    assert_eq!(asked.status(), 200);
    drain(&app).await;
    assert_eq!(conversions(&stored(&app, Breakdown::AgeGender).await), tiktoks_conversions);
}

#[tokio::test]
async fn buckets_that_do_not_add_up_to_their_day_show_on_the_card() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let odd = json!({"path": "report/integrated/get/", "kind": "figure", "metric": "spend", "value": "999.00",
        "dimension": "age", "count": 1});
    app.sandbox_control("faults", odd).await;
    drain(&app).await;
    // The next sync's data check compares what is stored.
    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    let run = last_run(&app, account(&app, US).await.id).await;
    let check = run.data_check.expect("checked");
    assert!(check.split_mismatches > 0, "{check:?}");
    assert!(check.splits.iter().all(|s| s.split == "age and gender" && s.figure == "spend"), "{:?}", check.splits);
    let cards = app.connections().await.to_string();
    assert!(cards.contains("age and gender breakdown of campaign"), "{cards}");
}

#[tokio::test]
async fn a_clean_sync_finds_every_breakdown_and_hour_adding_up() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    let run = last_run(&app, account(&app, US).await.id).await;
    let check = run.data_check.expect("checked");
    // A settled week of 4 campaigns in three breakdowns, and yesterday's hours of 4.
    assert_eq!(check.split_days_checked, 7 * 4 * 3 + 4, "{check:?}");
    assert_eq!((check.split_mismatches, check.splits), (0, Vec::new()));
}

#[tokio::test]
async fn a_breakdown_window_tiktok_finds_too_large_is_read_in_halves_and_nothing_is_missing() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let large = json!({"path": "report/integrated/get/", "code": 40067, "count": 1, "dimension": "platform"});
    app.sandbox_control("faults", large).await;
    drain(&app).await;
    let run = last_run(&app, account(&app, US).await.id).await;
    assert!(run.step_errors().is_empty(), "{:?}", run.step_errors());
    assert_eq!(stored(&app, Breakdown::Platform).await.len(), 90 * 4 * 3, "every day, campaign and platform");
    // The first sync's 39 requests, the refusal and the second half.
    assert_eq!(run.requests, 39 + 2);
}

#[tokio::test]
async fn a_run_stopped_mid_breakdowns_resumes_where_it_was_and_reads_no_window_twice() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let mid = pages_until(&app, |run| {
        run.cursor.as_ref().and_then(|c| c.breakdowns.as_ref()).is_some_and(|b| b.slices.len() == 5)
    })
    .await;
    assert_eq!(mid.cursor.as_ref().map(|c| c.step), Some(Step::Breakdowns));
    drain(&app).await;
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!((run.id, run.status), (mid.id, RunStatus::Succeeded), "the same run, resumed");
    assert_eq!(run.requests, 39, "no page read twice");
    assert_eq!(stored(&app, Breakdown::AgeGender).await.len(), 90 * 4 * 18);
}
