//! Fairness of the queue: a long run cannot hold a worker while other accounts wait.
//! A run's turn passes while one of its pages is at TikTok: the test brings the run to its ad
//! groups a page at a time, lets the next page's call reach the sandbox slowly, then moves the
//! clock past the turn.

use crate::sync::{account, app_with, at_step, counts, drain, last_run, pages_until, CAMPAIGNS, EU, JAPAN, US};
use chrono::Duration;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use wevion::{
    db::entities::sync_run::RunTrigger,
    db::entities::{sync_run::RunStatus, tiktok_campaign},
    roles::Role,
    sandbox::{BUSINESS_USER, SECOND_BUSINESS_USER},
    sync::{Outcome, Step},
};

#[tokio::test]
async fn a_newly_imported_account_is_synced_before_scheduled_runs_that_were_due_earlier() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    drain(&app).await;
    // Both are due again; their scheduled runs are queued (an engine told to stop at once
    // queues what is due and hands back the one it took).
    app.clock.advance(Duration::minutes(16));
    let stopping = CancellationToken::new();
    stopping.cancel();
    assert!(matches!(app.state.sync.sync_next_until(&stopping).await.unwrap(), Outcome::Paused { .. }));
    let bob = app.second_member("Acme", "bob@acme.test", Role::Manager).await;
    bob.connect_and_import(SECOND_BUSINESS_USER, &[JAPAN]).await;
    let japan = account(&app, JAPAN).await;

    let first = app.state.sync.sync_next().await.unwrap();
    assert!(matches!(first, Outcome::Finished { account_id, .. } if account_id == japan.id), "{first:?}");
    assert_eq!(last_run(&app, japan.id).await.trigger, RunTrigger::First);
    let rest = drain(&app).await;
    assert_eq!(rest.len(), 2, "then the scheduled ones: {rest:?}");
}

#[tokio::test]
async fn a_long_run_gives_its_turn_to_waiting_accounts_and_resumes_after_them_where_it_stopped() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    let (us, eu) = (account(&app, US).await, account(&app, EU).await);
    let stopped_at = pages_until(&app, at_step(Step::AdGroups)).await;
    let long_id = stopped_at.ad_account_id;
    let waiting_id = if long_id == us.id { eu.id } else { us.id };
    app.sandbox_control("latency", json!({"millis": 300})).await;
    let engine = app.state.sync.clone();
    let long = app.in_flight(async move { engine.sync_next().await }).await;

    // Its turn is over while the other account waits: it goes back behind it.
    app.clock.advance(Duration::minutes(3));
    app.sandbox_control("latency", json!({"millis": 0})).await;
    let yielded = long.await.unwrap().unwrap();
    assert!(matches!(yielded, Outcome::Yielded { .. }), "{yielded:?}");
    let handed_back = last_run(&app, long_id).await;
    assert_eq!((handed_back.status, handed_back.holder.clone()), (RunStatus::Queued, None));

    let next = app.state.sync.sync_next().await.unwrap();
    assert!(
        matches!(next, Outcome::Finished { account_id, succeeded: true, .. } if account_id == waiting_id),
        "{next:?}"
    );
    let last = app.state.sync.sync_next().await.unwrap();
    assert!(matches!(last, Outcome::Finished { account_id, succeeded: true, .. } if account_id == long_id), "{last:?}");
    let resumed = last_run(&app, long_id).await;
    assert_eq!((resumed.id, resumed.attempt), (stopped_at.id, stopped_at.attempt + 2), "the same run, resumed");
    assert_eq!(counts(&app).await["counts"]["campaign/get/"], 2, "campaigns were not read again");
    assert_eq!(tiktok_campaign::Entity::find().count(&app.state.db).await.unwrap(), 2 * CAMPAIGNS);
}

#[tokio::test]
async fn a_long_run_with_nobody_waiting_keeps_its_worker() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    pages_until(&app, at_step(Step::AdGroups)).await;
    app.sandbox_control("latency", json!({"millis": 300})).await;
    let engine = app.state.sync.clone();
    let long = app.in_flight(async move { engine.sync_next().await }).await;
    app.clock.advance(Duration::minutes(3));
    app.sandbox_control("latency", json!({"millis": 0})).await;
    let outcome = long.await.unwrap().unwrap();
    // Kept its worker: never gave its turn away. (A write SQLite found busy under a loaded
    // machine may put the run back to try again later; that is not giving its turn.)
    assert!(matches!(outcome, Outcome::Finished { succeeded: true, .. } | Outcome::Paused { .. }), "{outcome:?}");
}

#[tokio::test]
async fn a_long_first_sync_keeps_its_worker_when_only_scheduled_runs_wait_behind_it() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    app.clock.advance(Duration::minutes(16)); // US is due again
    app.connect_and_import(BUSINESS_USER, &[EU]).await;
    let eu = account(&app, EU).await;
    let at_ad_groups = pages_until(&app, at_step(Step::AdGroups)).await;
    assert_eq!(at_ad_groups.ad_account_id, eu.id, "the first sync goes first");
    app.sandbox_control("latency", json!({"millis": 300})).await;
    let engine = app.state.sync.clone();
    let first_sync = app.in_flight(async move { engine.sync_next().await }).await;
    // US's scheduled run waits, but a claim would take this first sync before it anyway.
    app.clock.advance(Duration::minutes(3));
    app.sandbox_control("latency", json!({"millis": 0})).await;
    let outcome = first_sync.await.unwrap().unwrap();
    assert!(matches!(outcome, Outcome::Finished { account_id, .. } if account_id == eu.id), "{outcome:?}");
    assert_eq!(last_run(&app, eu.id).await.attempt, at_ad_groups.attempt + 1, "never handed back");
}

/// Writes straight to a run row, as another version of the app could have.
async fn write_run_row(app: &crate::helpers::TestApp, account_id: i32, set: &str) {
    use sea_orm::ConnectionTrait;
    let sql = format!("update sync_run set {set} where ad_account_id = {account_id}");
    app.state.db.execute_unprepared(&sql).await.unwrap();
}

#[tokio::test]
async fn a_run_whose_saved_state_this_version_cannot_read_ends_failed_and_the_queue_goes_on() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    let (us, eu) = (account(&app, US).await, account(&app, EU).await);
    // A newer version queued it at a step this one does not know.
    write_run_row(&app, us.id, r#"step = 'audience_breakdowns', cursor = '{"step":"audience_breakdowns","page":1}'"#)
        .await;

    let outcomes = drain(&app).await;
    assert!(
        matches!(outcomes.as_slice(), [Outcome::Finished { account_id, succeeded: true, .. }] if *account_id == eu.id),
        "the other account still syncs: {outcomes:?}"
    );
    let ended = last_run(&app, us.id).await;
    assert_eq!((ended.status, ended.step, ended.cursor), (RunStatus::Failed, None, None));
    assert!(ended.error_message.unwrap().contains("could not be read"));
    let card = &app.connections().await[0]["accounts"];
    let us_card = card.as_array().unwrap().iter().find(|a| a["advertiser_id"] == US).unwrap();
    assert!(us_card["sync_error"].as_str().unwrap().contains("could not be read"), "{us_card}");

    // Its next sync starts afresh.
    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    assert_eq!(last_run(&app, us.id).await.status, RunStatus::Succeeded);
}

#[tokio::test]
async fn a_saved_cursor_that_is_not_json_reads_as_none_and_the_run_starts_from_the_beginning() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let us = account(&app, US).await;
    write_run_row(&app, us.id, r#"cursor = '{"step":"campaigns","page":"two"}'"#).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    assert_eq!(tiktok_campaign::Entity::find().count(&app.state.db).await.unwrap(), CAMPAIGNS);
}

#[tokio::test]
async fn cards_still_load_when_a_last_run_carries_a_cause_this_version_does_not_know() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    write_run_row(&app, us.id, "error_kind = 'from_a_newer_version'").await;
    let cards = app.connections().await;
    let accounts = cards[0]["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{cards}");
    let eu_card = accounts.iter().find(|a| a["advertiser_id"] == EU).unwrap();
    assert!(eu_card["sync_label"].as_str().unwrap().starts_with("Last synced"), "{eu_card}");
}
