//! An account stops syncing (Disconnect, or unticked in Manage accounts) while its run is at
//! TikTok: the run ends at its next write, which is not made, and the account's times stay.

use crate::{
    helpers::{wait_until, TestApp},
    sync::{account, app_with, at_step, drain, last_run, pages_until, EU, US},
};
use chrono::Duration;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::json;
use wevion::{
    db::entities::{
        sync_run::{self, RunStatus},
        tiktok_ad_account::{self, SyncState},
    },
    sandbox::BUSINESS_USER,
    sync::{Outcome, Step},
};

/// A scheduled run of `advertiser` (the only account due), started after its first sync, held
/// inside a slow call to TikTok; returns the account as it was before, the run's task and the run.
async fn a_scheduled_run_at_tiktok(
    app: &TestApp,
    advertiser: &str,
) -> (tiktok_ad_account::Model, tokio::task::JoinHandle<Outcome>, sync_run::Model) {
    drain(app).await;
    let before = account(app, advertiser).await;
    app.clock.advance(Duration::minutes(16));
    let run = pages_until(app, at_step(Step::AdGroups)).await;
    assert_eq!(run.ad_account_id, before.id, "the run is {advertiser}'s");
    app.sandbox_control("latency", json!({"millis": 1000})).await;
    let engine = app.state.sync.clone();
    let task = app.in_flight(async move { engine.sync_next().await.expect("sync_next") }).await;
    app.sandbox_control("latency", json!({"millis": 0})).await;
    (before, task, run)
}

async fn the_run_was_stopped_and_the_account_left_as_it_was(
    app: &TestApp,
    task: tokio::task::JoinHandle<Outcome>,
    run: &sync_run::Model,
    before: &tiktok_ad_account::Model,
) {
    let outcome = task.await.unwrap();
    assert_eq!(outcome, Outcome::Stopped { run_id: run.id }, "the worker stopped at its next write");
    let ended = sync_run::Entity::find_by_id(run.id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!((ended.status, ended.holder, ended.lease_expires_at), (RunStatus::Cancelled, None, None));
    let after = account(app, &before.advertiser_id).await;
    assert_eq!(after.sync_state, SyncState::Disconnected);
    assert_eq!(
        (after.last_synced_at, after.next_sync_at, after.last_run_id),
        (before.last_synced_at, before.next_sync_at, before.last_run_id),
        "the stopped account's last sync, next sync and last run are as they were"
    );
    assert!(drain(app).await.is_empty(), "nothing of it is left to run");
}

#[tokio::test]
async fn disconnect_stops_a_running_run_at_its_next_page_and_leaves_the_accounts_times_as_they_were() {
    let (_db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US]).await;
    let (before, task, run) = a_scheduled_run_at_tiktok(&app, US).await;

    let response = app.json_fn("tiktok/disconnect", json!({ "connection_id": connection })).await;
    assert_eq!(response.status(), 200);

    the_run_was_stopped_and_the_account_left_as_it_was(&app, task, &run, &before).await;
}

#[tokio::test]
async fn unticking_an_account_in_manage_accounts_stops_its_running_run_and_the_others_sync_on() {
    let (_db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    drain(&app).await;
    // Only US is due when the clock moves on.
    let eu = account(&app, EU).await;
    let mut later_sync: tiktok_ad_account::ActiveModel = eu.clone().into();
    later_sync.next_sync_at = Set(Some(app.clock_now() + Duration::hours(1)));
    later_sync.update(&app.state.db).await.unwrap();
    let (before, task, run) = a_scheduled_run_at_tiktok(&app, US).await;

    let outcome: serde_json::Value = app.import(json!({ "Connection": connection }), &[EU]).await.json().await.unwrap();
    assert_eq!(outcome["stopped"].as_i64(), Some(1));

    the_run_was_stopped_and_the_account_left_as_it_was(&app, task, &run, &before).await;
    app.clock.advance(Duration::hours(1));
    let later = drain(&app).await;
    assert!(matches!(later.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "EU syncs on: {later:?}");
}

/// How many of this database's sessions wait on a lock of this kind (`advisory`, or the row and
/// transaction locks a `SELECT … FOR` or an `UPDATE` waits on).
async fn waiting_on(db: &sea_orm::DatabaseConnection, advisory: bool) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let wait = if advisory { "wait_event = 'advisory'" } else { "wait_event IN ('transactionid', 'tuple')" };
    let sql = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
         AND wait_event_type = 'Lock' AND {wait}"
    );
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn disconnect_against_a_finishing_daily_results_step_waits_its_turn_and_never_deadlocks() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    crate::instances::require_postgres();
    let (db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US]).await;
    // The daily-results step's last write (the account's `insights_through`) waits, inside its
    // transaction, until the test lets it go: the account row is then locked by the sync.
    app.state
        .db
        .execute_unprepared(
            "CREATE FUNCTION hold_here() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$; \
             CREATE TRIGGER hold_here AFTER UPDATE OF insights_through ON tiktok_ad_account \
             FOR EACH ROW EXECUTE FUNCTION hold_here();",
        )
        .await
        .unwrap();
    let holder = sea_orm::Database::connect(&db.url).await.unwrap();
    let gate = holder.begin().await.unwrap();
    gate.execute_unprepared("SELECT pg_advisory_xact_lock(4242)").await.unwrap();
    let engine = app.state.sync.clone();
    let sync = tokio::spawn(async move { engine.sync_next().await });
    let limit = std::time::Duration::from_secs(60);
    wait_until("the sync to hold the account", limit, || async {
        (waiting_on(&holder, true).await == 1).then_some(())
    })
    .await;

    let disconnect = app.json_fn("tiktok/disconnect", json!({ "connection_id": connection }));
    let open_the_gate = async {
        wait_until("Disconnect to wait for the account", limit, || async {
            (waiting_on(&holder, false).await >= 1).then_some(())
        })
        .await;
        gate.commit().await.unwrap();
    };
    let (response, ()) = tokio::join!(disconnect, open_the_gate);
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let outcome = sync.await.unwrap().expect("the sync's writes were not refused");
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!(outcome, Outcome::Stopped { run_id: run.id }, "the run stopped at its write after Disconnect");
    assert_eq!(run.status, RunStatus::Cancelled);
    assert_eq!(account(&app, US).await.sync_state, SyncState::Disconnected);
}
