//! Steps and runs that never hold each other back: a minor step that keeps failing is a gap at
//! once and the account's today is read at every interval (the step is tried again at the next
//! sync); a person clicking Sync now again and again reads the window a handful of times, and
//! another workspace's accounts sync on time meanwhile.

use crate::{
    helpers::{TestApp, TestDb},
    sync::{account, app_with, counts, drain, last_run, EU, JAPAN, US},
};
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use wevion::{
    db::entities::sync_run::{self, RunStatus, RunTrigger},
    roles::Role,
    sandbox::{BUSINESS_USER, SECOND_BUSINESS_USER},
    sync::{Outcome, Step},
};

/// Acme (US and EU, through `connection`) and Globex (Japan), first-synced, all three due again.
async fn two_workspaces_due() -> (TestDb, TestApp, i32) {
    let (db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    let globex = app.second_member("Globex", "gina@globex.test", Role::Manager).await;
    globex.connect_and_import(SECOND_BUSINESS_USER, &[JAPAN]).await;
    drain(&app).await;
    app.clock.advance(Duration::minutes(16));
    (db, app, connection)
}

fn asked(counts: &Value, path: &str) -> f64 {
    counts["counts"][path].as_f64().unwrap_or(0.0)
}

#[tokio::test]
async fn a_minor_step_that_keeps_failing_is_a_gap_at_once_and_today_is_read_at_every_interval() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // From now on TikTok answers every pixel list with a system error (50000).
    app.sandbox_control("faults", json!({"path": "pixel/list/", "code": 50000, "count": 100_000})).await;
    for sync in 0..3 {
        let before = counts(&app).await;
        let outcomes = drain(&app).await;
        assert!(
            matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]),
            "sync {sync} ends at once, never put back to wait for the pixels: {outcomes:?}"
        );
        let after = counts(&app).await;
        assert!(asked(&after, "report/integrated/get/") > asked(&before, "report/integrated/get/"), "today read");
        assert!(asked(&after, "pixel/list/") > asked(&before, "pixel/list/"), "the pixel step is tried again");

        let us = account(&app, US).await;
        assert_eq!(us.last_synced_at, Some(app.clock_now()), "sync {sync} brought today in");
        let run = last_run(&app, us.id).await;
        assert_eq!(run.status, RunStatus::Succeeded);
        assert_eq!(run.trigger, if sync == 0 { RunTrigger::First } else { RunTrigger::Scheduled });
        let gaps: Vec<Step> = run.step_errors().iter().map(|e| e.step).collect();
        assert_eq!(gaps, [Step::Pixels], "only the pixels are missing");
        assert!(run.step_errors()[0].message.contains("50000"), "with TikTok's evidence: {:?}", run.step_errors());
        let card = &app.connections().await[0]["accounts"][0];
        assert_eq!(card["gaps"].as_array().map(Vec::len), Some(1), "{card}");
        assert!(card["gaps"][0].as_str().unwrap_or_default().contains("pixels"), "{card}");
        assert!(card["sync_label"].as_str().unwrap_or_default().starts_with("Last synced"), "{card}");

        app.clock.advance(Duration::minutes(16));
    }
}

#[tokio::test]
async fn a_hundred_sync_now_clicks_in_a_minute_read_the_window_a_handful_of_times_and_others_sync_on_time() {
    let (_db, app, connection) = two_workspaces_due().await;
    let due = app.clock_now();

    // A manager clicks Sync now every 0.6 s for a minute, while a worker takes a run at each.
    let mut notices = Vec::new();
    for _ in 0..100 {
        let asked = app.json_fn("tiktok/sync-now", json!({ "connection_id": connection })).await;
        assert_eq!(asked.status(), 200);
        notices.push(asked.json::<Value>().await.unwrap()["notice"].as_str().unwrap_or_default().to_owned());
        app.state.sync.sync_next().await.expect("sync_next");
        app.clock.advance(Duration::milliseconds(600));
    }
    let japan = account(&app, JAPAN).await;
    let synced = japan.last_synced_at.expect("Globex's account has synced");
    assert!(
        synced >= due && synced - due <= Duration::seconds(10),
        "synced on time, not after the clicks: {synced} for {due}"
    );

    drain(&app).await;
    let manual = sync_run::Entity::find()
        .filter(sync_run::Column::Trigger.eq(RunTrigger::Manual))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(manual, 2, "one whole-window read per account, not a hundred");
    assert!(notices[0].starts_with("Sync queued for 2 advertiser accounts."), "{}", notices[0]);
    assert!(notices[99].starts_with("A sync was asked for at"), "the last click says when: {}", notices[99]);
}

#[tokio::test]
async fn a_scheduled_run_that_waited_two_minutes_goes_before_a_newer_manual_one() {
    let (_db, app, connection) = two_workspaces_due().await;
    let first = app.state.sync.sync_next().await.unwrap(); // queues the three, syncs one of Acme's
    app.clock.advance(Duration::minutes(3));
    let asked = app.json_fn("tiktok/sync-now", json!({ "connection_id": connection })).await;
    assert_eq!(asked.status(), 200);
    let mut order = Vec::new();
    for outcome in [first].into_iter().chain(drain(&app).await) {
        let Outcome::Finished { account_id, .. } = outcome else { panic!("{outcome:?}") };
        order.push(account_id);
    }
    let (us, eu, japan) = (account(&app, US).await.id, account(&app, EU).await.id, account(&app, JAPAN).await.id);
    assert_eq!(order, [us, eu, japan, us], "Globex's run, waiting since 09:16, before Acme's click at 09:19");
}

#[tokio::test]
async fn sync_now_right_after_a_sync_now_that_failed_reads_again_at_once() {
    let (_db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let click = || async {
        let asked = app.json_fn("tiktok/sync-now", json!({ "connection_id": connection })).await;
        assert_eq!(asked.status(), 200);
        asked.json::<Value>().await.unwrap()["notice"].as_str().unwrap_or_default().to_owned()
    };
    app.sandbox_control("faults", json!({"path": "adgroup/get/", "code": 40002, "count": 1})).await;
    assert_eq!(click().await, "Sync queued for 1 advertiser account.");
    drain(&app).await;
    let us = account(&app, US).await;
    assert_eq!(last_run(&app, us.id).await.status, RunStatus::Failed);
    // Nothing was read for the person: asking again reads now.
    assert_eq!(click().await, "Sync queued for 1 advertiser account.");
    assert!(matches!(drain(&app).await.as_slice(), [Outcome::Finished { succeeded: true, .. }]));
    assert!(click().await.starts_with("A sync was asked for at"), "a succeeded one counts");
}

#[tokio::test]
async fn retry_on_a_sync_that_is_not_stuck_is_a_sync_now_with_its_limit() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    for _ in 0..20 {
        let retried = app.json_fn("tiktok/retry-sync", json!({ "account_id": us.id })).await;
        assert_eq!(retried.status(), 200);
        drain(&app).await;
    }
    let manual = sync_run::Entity::find()
        .filter(sync_run::Column::Trigger.eq(RunTrigger::Manual))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(manual, 1, "one whole-window read, not twenty");
}
