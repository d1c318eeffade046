//! The real binary as one instance among others, stopped mid-sync: killed outright (the others
//! take its run over once the lease lapses and resume it) or asked to stop (it writes the page in
//! flight, hands the run back and exits within seconds). Postgres (ignored without it): an
//! instance in-process hosts the sandbox and takes over. Cargo builds the binary for these tests
//! (`CARGO_BIN_EXE_wevion`), so it is always there when they run.

use crate::{
    helpers::{wait_until, Binary},
    instances::{joining_vars, Fleet},
    sync::{drain, last_run, ADGROUPS, ADS, CAMPAIGNS, DAYS, US},
};
use chrono::Duration;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use std::time::Instant;
use wevion::{
    db::entities::{
        sync_run::{self, RunStatus},
        tiktok_ad_account, tiktok_campaign, tiktok_insight_daily,
    },
    sandbox::BUSINESS_USER,
    sync::Outcome,
};

/// A fleet of one in-process instance with US imported and its first sync queued, and the
/// binary as a second instance syncing it slowly; returns once the binary is mid-insights.
async fn binary_mid_run() -> (Fleet, Binary, i32) {
    let fleet = Fleet::start(1, 1000, &[]).await;
    let first = fleet.first();
    // The binary's clock is the real one: this instance's starts there too, so leases compare.
    first.clock.set(chrono::Utc::now());
    first.connect_and_import(BUSINESS_USER, &[US]).await;
    let account = tiktok_ad_account::Entity::find().one(&first.state.db).await.unwrap().unwrap().id;
    // Slow answers, so the binary can be stopped between two report pages.
    first.sandbox_control("latency", json!({"millis": 150})).await;
    let mut envs: Vec<(&str, String)> = vec![
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
        ("DATABASE_URL", fleet.db.url.clone()),
        ("SYNC_CONCURRENCY", "1".into()),
        ("TIKTOK_QPS", "1000".into()),
        ("RUST_LOG", "info".into()),
    ];
    let joining = joining_vars(first, "binary-1");
    envs.extend(joining.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let (binary, _) = Binary::start(&["serve"], &envs, "listening").await;
    // Another process: it cannot be driven a page at a time, so this waits for its progress.
    let mid_insights =
        wait_until("the binary to get between two report pages", std::time::Duration::from_secs(60), || async {
            let run = last_run(first, account).await;
            let cursor = run.cursor.clone().unwrap_or_default();
            (cursor.step == wevion::sync::Step::Insights && cursor.insights_from.is_some()).then_some(run)
        })
        .await;
    assert!(mid_insights.holder.unwrap_or_default().starts_with("binary-1/"), "the binary holds the run");
    (fleet, binary, account)
}

async fn assert_complete_and_unduplicated(fleet: &Fleet) {
    let db = &fleet.first().state.db;
    assert_eq!(tiktok_campaign::Entity::find().count(db).await.unwrap(), CAMPAIGNS);
    assert_eq!(
        tiktok_insight_daily::Entity::find().count(db).await.unwrap(),
        (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS,
        "nothing duplicated or lost"
    );
    assert_eq!(sync_run::Entity::find().count(db).await.unwrap(), 1, "one run, resumed");
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn an_instance_killed_mid_run_has_its_run_taken_over_after_the_lease_and_resumed_to_a_clean_end() {
    let (fleet, mut binary, account) = binary_mid_run().await;
    binary.child.start_kill().unwrap(); // SIGKILL: no clean-up at all
    binary.child.wait().await.unwrap();
    let first = fleet.first();
    first.sandbox_control("latency", json!({"millis": 0})).await;
    let stopped = last_run(first, account).await;
    assert_eq!(stopped.status, RunStatus::Running, "the dead instance's lease still stands");

    assert!(drain(first).await.is_empty(), "nobody takes a run over before its lease lapses");
    // The binary's clock is the real one, ahead of this instance's by the test's own time.
    let lease_until = stopped.lease_expires_at.expect("a lease");
    first.clock.advance(lease_until - first.clock_now() + Duration::seconds(1));
    let outcomes = drain(first).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let resumed = last_run(first, account).await;
    assert_eq!((resumed.id, resumed.attempt, resumed.status), (stopped.id, 2, RunStatus::Succeeded));
    assert_complete_and_unduplicated(&fleet).await;
    binary.stop().await;
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn an_instance_asked_to_stop_mid_run_writes_its_page_hands_the_run_back_and_exits_within_ten_seconds() {
    let (fleet, binary, account) = binary_mid_run().await;
    let pid = binary.child.id().expect("running").to_string();
    let asked = Instant::now();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let mut binary = binary;
    let status = wait_until("the instance to exit after SIGTERM", std::time::Duration::from_secs(10), || {
        let exited = binary.child.try_wait().expect("the child's status");
        async move { exited }
    })
    .await;
    assert!(status.success(), "a clean exit: {status}");
    eprintln!("stopped {:?} after SIGTERM", asked.elapsed());
    let output = binary.stop().await;
    assert!(output.contains("sync run paused for shutdown"), "{output}");

    let first = fleet.first();
    let handed_back = last_run(first, account).await;
    assert_eq!((handed_back.status, handed_back.holder.clone()), (RunStatus::Queued, None), "released at once");
    assert_eq!(handed_back.step, Some(wevion::sync::Step::Insights), "its place is kept");
    first.sandbox_control("latency", json!({"millis": 0})).await;
    let outcomes = drain(first).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "no lease to wait for");
    assert_eq!(last_run(first, account).await.id, handed_back.id);
    assert_complete_and_unduplicated(&fleet).await;
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn an_instance_that_runs_no_syncs_still_takes_its_share_of_the_tiktok_budget() {
    // The in-process instance runs the engine (nothing to sync): four shares.
    let fleet = Fleet::start(1, 10, &[("SYNC_CONCURRENCY", "1")]).await;
    let first = fleet.first();
    let mut envs: Vec<(&str, String)> = vec![
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
        ("DATABASE_URL", fleet.db.url.clone()),
        ("SYNC_CONCURRENCY", "0".into()),
        ("TIKTOK_QPS", "10".into()),
    ];
    let joining = joining_vars(first, "web-only-1");
    envs.extend(joining.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let (binary, _) = Binary::start(&["serve"], &envs, "listening").await;
    // Its pickers and callbacks call TikTok too: it takes one share of the app's 10 a second
    // beside the syncing instance's four.
    wait_until(
        "the web-only instance to count among those sharing the budget",
        std::time::Duration::from_secs(30),
        || async {
            // The binary's beats carry the real time; this instance's clock is the test's.
            first.clock.set(chrono::Utc::now());
            (first.state.sync.beat().await.unwrap() == 2).then_some(())
        },
    )
    .await;
    assert_eq!(first.state.tiktok.budget_per_second(), 8);
    binary.stop().await;
}
