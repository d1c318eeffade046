//! `HISTORY_DAYS`: how far back a first sync reads, and what a later raise reads — only the days
//! the account does not hold yet, never the months it has.

use crate::sync::{account, app_with, drain, US};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use wevion::{
    db::entities::tiktok_insight_daily,
    sandbox::BUSINESS_USER,
    sync::{today_of, Outcome, SyncSettings},
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
