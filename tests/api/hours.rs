//! Today by hour: every sync reads today's hours up to the one under way, and the day that
//! ended is read once more, whole; hours add up to the day.

use crate::sync::{account, app_with, drain, US};
use chrono::{Duration, NaiveDate, Timelike};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};
use wevion::{
    db::entities::{tiktok_insight_daily as daily, tiktok_insight_hourly as hourly},
    model::reports::Level,
    sandbox::BUSINESS_USER,
    sync::today_of,
};

async fn hours_of(app: &crate::helpers::TestApp, day: NaiveDate) -> Vec<hourly::Model> {
    hourly::Entity::find().filter(hourly::Column::Date.eq(day)).all(&app.state.db).await.unwrap()
}

async fn campaign_days(app: &crate::helpers::TestApp, day: NaiveDate) -> Vec<daily::Model> {
    daily::Entity::find()
        .filter(daily::Column::Date.eq(day))
        .filter(daily::Column::Level.eq(Level::Campaign))
        .all(&app.state.db)
        .await
        .unwrap()
}

fn hours(rows: &[hourly::Model]) -> BTreeSet<i16> {
    rows.iter().map(|r| r.hour).collect()
}

#[tokio::test]
async fn todays_hours_run_to_the_hour_under_way_and_yesterdays_are_whole_and_add_up_to_its_day() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let now = app.clock_now().with_timezone(&chrono_tz::America::New_York);
    let (today, yesterday) = (today_of(&us, app.clock_now()), today_of(&us, app.clock_now()) - Duration::days(1));
    assert_eq!(hours(&hours_of(&app, today).await), (0..=now.hour() as i16).collect());
    let finished = hours_of(&app, yesterday).await;
    assert_eq!(hours(&finished), (0..24).collect());
    assert_eq!(us.hours_through, Some(yesterday));

    let mut sums: HashMap<String, [i64; 3]> = HashMap::new();
    for r in &finished {
        let s = sums.entry(r.object_id.clone()).or_default();
        for (sum, v) in s.iter_mut().zip([r.spend_micros, r.impressions, r.clicks]) {
            *sum += v.unwrap_or(0);
        }
    }
    let days = campaign_days(&app, yesterday).await;
    assert!(!days.is_empty());
    for d in days {
        let whole = [d.spend_micros, d.impressions, d.clicks].map(|v| v.unwrap_or(0));
        assert_eq!(sums.get(&d.object_id).copied().unwrap_or_default(), whole, "campaign {}", d.object_id);
    }
}

#[tokio::test]
async fn past_the_advertisers_midnight_the_day_that_ended_is_read_whole_once() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let first_day = today_of(&account(&app, US).await, app.clock_now());
    // 09:00 UTC + 20 h: just past midnight in New York; the day that ended is read, not yet held.
    app.clock.advance(Duration::hours(20));
    drain(&app).await;
    assert_eq!(account(&app, US).await.hours_through, Some(first_day - Duration::days(1)));
    // Two hours on, its figures have settled: read once more, whole, and held.
    app.clock.advance(Duration::hours(2));
    drain(&app).await;
    let us = account(&app, US).await;
    assert_eq!(today_of(&us, app.clock_now()), first_day + Duration::days(1), "a new day in New York");
    assert_eq!(us.hours_through, Some(first_day));
    let ended = hours_of(&app, first_day).await;
    assert_eq!(hours(&ended), (0..24).collect(), "the day that ended is whole");

    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    let again = hours_of(&app, first_day).await;
    let read_at = |rows: &[hourly::Model]| rows.iter().map(|r| (r.id, r.synced_at)).collect::<HashMap<_, _>>();
    assert_eq!(read_at(&again), read_at(&ended), "not read again");
}

#[tokio::test]
async fn housekeeping_deletes_hours_older_than_a_week_and_keeps_the_rest() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let today = today_of(&account(&app, US).await, app.clock_now());
    let yesterday = today - Duration::days(1);
    assert!(!hours_of(&app, yesterday).await.is_empty());
    app.clock.advance(Duration::days(8));
    let deleted = app.state.sync.prune_hours().await.unwrap();
    assert_eq!(deleted as usize, 24 * 4, "yesterday's 24 hours of 4 campaigns");
    assert!(hours_of(&app, yesterday).await.is_empty());
    assert!(!hours_of(&app, today).await.is_empty(), "a week back is kept");
}

#[tokio::test]
async fn hours_tiktok_refuses_are_a_gap_on_the_card_and_the_daily_results_still_arrive() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let refuse = serde_json::json!({"path": "report/integrated/get/", "code": 40002, "count": 1000,
        "dimension": "stat_time_hour"});
    app.sandbox_control("faults", refuse).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let run = crate::sync::last_run(&app, us.id).await;
    assert_eq!(run.status, wevion::db::entities::sync_run::RunStatus::Succeeded);
    let gaps: Vec<_> = run.step_errors().iter().map(|e| e.step).collect();
    assert_eq!(gaps, [wevion::db::entities::sync_run::Step::Hours], "{:?}", run.step_errors());
    assert_eq!(us.insights_through, Some(today_of(&us, app.clock_now())), "the daily results arrived");
    assert_eq!(us.hours_through, None, "no day's hours are held");
    let cards = app.connections().await.to_string();
    assert!(cards.contains("results by hour"), "the card says what is missing: {cards}");
}
