//! `HISTORY_DAYS`: how far back a first sync reads, and what a later raise reads — only the days
//! the account does not hold yet, never the months it has.

use crate::sync::{account, app_with, drain, last_run, US};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::collections::HashMap;
use wevion::{
    db::entities::{sync_run::RunStatus, tiktok_insight_daily},
    sandbox::BUSINESS_USER,
    sync::{today_of, Outcome, Step, SyncSettings},
};

/// When each stored row (by id) was last written, and its day.
async fn rows(app: &crate::helpers::TestApp, account_id: i32) -> HashMap<i32, (NaiveDate, DateTime<Utc>)> {
    tiktok_insight_daily::Entity::find()
        .filter(tiktok_insight_daily::Column::AdAccountId.eq(account_id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, (r.date, r.synced_at)))
        .collect()
}

#[tokio::test]
async fn raising_history_days_reads_only_the_months_the_account_does_not_hold() {
    let (_db, app) = app_with(&[("SANDBOX_DAYS", "400")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let today = today_of(&us, app.clock_now());
    let day = |back: i64| today - Duration::days(back);
    assert_eq!(us.history_from, Some(day(89)), "the default history: 90 days");
    let first = rows(&app, us.id).await;
    assert_eq!(first.values().map(|(d, _)| *d).min(), Some(day(89)), "nothing older was read");

    // An instance restarted with a year of history, a scheduled sync later.
    let longer = app.state.sync.with_settings(SyncSettings { history_days: 365, ..app.state.sync.settings().clone() });
    app.clock.advance(Duration::minutes(16));
    for _ in 0..20 {
        if longer.sync_next().await.unwrap() == Outcome::Idle {
            break;
        }
    }
    let us = account(&app, US).await;
    assert_eq!(us.history_from, Some(day(364)));
    let after = rows(&app, us.id).await;
    let days: std::collections::BTreeSet<NaiveDate> = after.values().map(|(d, _)| *d).collect();
    assert!((0..365).all(|back| days.contains(&day(back))), "every day of the year is held");
    for (id, (date, synced_at)) in &first {
        // The sync's own tier reads today and yesterday again; the rest it held stays as it was.
        if *date < day(1) {
            assert_eq!(after.get(id).map(|(_, s)| s), Some(synced_at), "{date} was held and not read again");
        }
    }

    // The next sync has nothing more to fill in.
    app.clock.advance(Duration::minutes(16));
    assert!(matches!(longer.sync_next().await.unwrap(), Outcome::Finished { succeeded: true, .. }), "a sync ran");
    assert_eq!(longer.sync_next().await.unwrap(), Outcome::Idle);
    let again = rows(&app, us.id).await;
    for (id, (date, synced_at)) in &after {
        if *date < day(1) {
            assert_eq!(again.get(id).map(|(_, s)| s), Some(synced_at), "{date} read again");
        }
    }
}

#[tokio::test]
async fn a_history_longer_than_a_year_is_read_whole_and_checked_over_its_last_year() {
    let (_db, app) = app_with(&[("SANDBOX_DAYS", "500"), ("HISTORY_DAYS", "400")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let today = today_of(&us, app.clock_now());
    assert_eq!(us.history_from, Some(today - Duration::days(399)));
    let run = crate::sync::last_run(&app, us.id).await;
    assert!(run.step_errors().is_empty(), "{:?}", run.step_errors());
    let check = run.data_check.expect("checked");
    assert_eq!(
        (check.from, check.mismatched_campaigns),
        (today - Duration::days(364), 0),
        "TikTok's totals span a year"
    );
}

#[tokio::test]
async fn three_years_of_history_fill_in_after_today_span_by_span_and_an_old_span_tiktok_keeps_failing_is_a_gap() {
    let (_db, app) = app_with(&[("SANDBOX_DAYS", "1100")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let today = today_of(&us, app.clock_now());
    let day = |back: i64| today - Duration::days(back);
    // TikTok keeps failing on every report that starts more than a year back.
    let old = json!({"path": "report/integrated/get/", "code": 50000, "count": 100_000, "before": day(364)});
    app.sandbox_control("faults", old).await;
    let longer = app.state.sync.with_settings(SyncSettings { history_days: 1095, ..app.state.sync.settings().clone() });
    app.clock.advance(Duration::minutes(16));

    // The run is stopped mid-backfill, once its first span (30 days before the 90 held) is in.
    let mut stopped = None;
    for _ in 0..200 {
        assert!(matches!(longer.sync_pages(1).await.unwrap(), Outcome::Paused { .. }), "still running");
        let run = last_run(&app, us.id).await;
        if run.step == Some(Step::Backfill) && account(&app, US).await.history_from == Some(day(119)) {
            stopped = Some(run);
            break;
        }
    }
    let stopped = stopped.expect("the backfill reached its second span");
    assert!(stopped.cursor.is_some_and(|c| !c.windows.is_empty()), "stopped mid-backfill");
    let us = account(&app, US).await;
    assert_eq!(us.insights_through, Some(today), "today was read before any older day");
    let before = rows(&app, us.id).await;

    // Resumed: the spans not read yet, newest first, until the failing one.
    for _ in 0..20 {
        if longer.sync_next().await.unwrap() == Outcome::Idle {
            break;
        }
    }
    let run = last_run(&app, us.id).await;
    assert_eq!((run.id, run.status), (stopped.id, RunStatus::Succeeded), "the same run, resumed");
    let us = account(&app, US).await;
    // Spans of 30 days back from day 90: the ninth starts 359 days back; the tenth starts 389
    // days back, past what TikTok answers.
    assert_eq!(us.history_from, Some(day(359)), "every readable span is held");
    let gaps: Vec<Step> = run.step_errors().iter().map(|e| e.step).collect();
    assert_eq!(gaps, [Step::Backfill], "the failing span is a gap: {:?}", run.step_errors());
    let after = rows(&app, us.id).await;
    for (id, (date, synced_at)) in &before {
        if *date < day(1) {
            assert_eq!(after.get(id).map(|(_, s)| s), Some(synced_at), "{date} was read once");
        }
    }
    let held: std::collections::BTreeSet<NaiveDate> = after.values().map(|(d, _)| *d).collect();
    assert!((0..=359).all(|back| held.contains(&day(back))), "every readable day is held");

    // The next sync reads today, and tries the failing span again.
    app.clock.advance(Duration::minutes(16));
    assert!(matches!(longer.sync_next().await.unwrap(), Outcome::Finished { succeeded: true, .. }));
    let us = account(&app, US).await;
    assert_eq!(us.last_synced_at, Some(app.clock_now()), "today is fresh");
    assert_eq!(us.history_from, Some(day(359)));
    let run = last_run(&app, us.id).await;
    assert_eq!(run.step_errors().iter().map(|e| e.step).collect::<Vec<_>>(), [Step::Backfill]);
}
