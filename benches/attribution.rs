//! Benchmark (not a test): a day of scheduled syncs of one advertiser on the injected clock,
//! counting TikTok requests per sync and per day for each tier of the attribution re-reads
//! (see `wevion::sync::tiers`; a sync's hours and, hourly, its breakdowns included), against
//! what one app's budget allows.
//!
//!   cargo bench --bench attribution --no-default-features --features ssr
//!
//! Knobs (environment): BENCH_CAMPAIGNS (50), BENCH_ADGROUPS (2), BENCH_ADS (3), BENCH_QPS (the
//! app budget the figures are set against, 10), BENCH_POSTGRES=1 for Postgres. Requests are
//! counted, not timed: the sandbox answers as fast as it can.

#[path = "support/mod.rs"]
mod support;

use sea_orm::{EntityTrait, QueryOrder};
use std::{collections::BTreeMap, sync::Arc};
use support::BenchDb;
use wevion::{
    clock::ManualClock,
    db::entities::sync_run,
    sandbox::BUSINESS_USER,
    sync::{tiers::Reread, Outcome},
};

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Requests the sandbox answered so far: all, and report requests.
async fn counted(app: &support::BenchApp) -> (u64, u64) {
    let counts: serde_json::Value = reqwest::get(format!("{}/sandbox/tiktok/control/counts", app.base))
        .await
        .expect("the sandbox answers")
        .json()
        .await
        .expect("counts");
    let all = counts["counts"].as_object().map_or(0, |m| m.values().filter_map(|v| v.as_u64()).sum());
    (all, counts["counts"]["report/integrated/get/"].as_u64().unwrap_or(0))
}

#[tokio::main]
async fn main() {
    let (c, g, a) = (knob("BENCH_CAMPAIGNS", 50), knob("BENCH_ADGROUPS", 2), knob("BENCH_ADS", 3));
    let qps = knob("BENCH_QPS", 10);
    let db = BenchDb::fresh(std::env::var("BENCH_POSTGRES").is_ok_and(|v| v == "1")).await;
    let clock = Arc::new(ManualClock::starting_now());
    let (cs, gs, as_) = (c.to_string(), g.to_string(), a.to_string());
    let app = support::spawn_app_on_clock(
        &db,
        &[
            ("SANDBOX_CAMPAIGNS", cs.as_str()),
            ("SANDBOX_ADGROUPS_PER_CAMPAIGN", gs.as_str()),
            ("SANDBOX_ADS_PER_ADGROUP", as_.as_str()),
            ("SANDBOX_APP_QPS", "100000"),
            ("SANDBOX_ADVERTISER_PATH_QPS", "100000"),
            ("TIKTOK_QPS", "100000"),
            ("TIKTOK_ADVERTISER_PATH_QPS", "100000"),
            ("SYNC_CONCURRENCY", "0"),
        ],
        clock.clone(),
    )
    .await;
    let (http, _) = app.manager("Bench", "bench@bench.test").await;
    app.connect(&http, BUSINESS_USER, &["7000000000000000001"]).await;
    let first = app.state.sync.sync_next().await.expect("the first sync runs");
    assert!(matches!(first, Outcome::Finished { succeeded: true, .. }), "{first:?}");
    let (first_requests, first_reports) = counted(&app).await;

    // A day of syncs every SYNC_INTERVAL (15 minutes).
    let mut tiers: BTreeMap<&'static str, (u64, u64, u64)> = BTreeMap::new();
    for _ in 0..96 {
        clock.advance(chrono::Duration::minutes(15));
        let before = counted(&app).await;
        loop {
            match app.state.sync.sync_next().await.expect("a sync runs") {
                Outcome::Idle => break,
                Outcome::Finished { succeeded: true, .. } => {}
                other => panic!("a scheduled sync ended {other:?}"),
            }
        }
        let after = counted(&app).await;
        let run = sync_run::Entity::find().order_by_desc(sync_run::Column::Id).one(&app.state.db).await.unwrap();
        let tier = match run.and_then(|r| r.cursor).and_then(|c| c.reread) {
            Some(Reread::Window) => "whole window (28 days)",
            Some(Reread::Week) => "last 7 days",
            Some(Reread::Recent) => "today and yesterday",
            Some(Reread::History) | None => "other",
        };
        let entry = tiers.entry(tier).or_default();
        entry.0 += 1;
        entry.1 += after.0 - before.0;
        entry.2 += after.1 - before.1;
    }
    println!("a day of scheduled syncs on {} · {c} campaigns × {g} ad groups × {a} ads", db.label);
    println!(
        "first sync (the history, today's and yesterday's hours, the breakdowns): {first_requests} requests, {first_reports} of them reports"
    );
    println!("{:<24} {:>6} {:>14} {:>14} {:>12}", "tier", "syncs", "requests/sync", "reports/sync", "requests/day");
    let mut day = 0;
    for (tier, (syncs, requests, reports)) in &tiers {
        day += requests;
        println!(
            "{tier:<24} {syncs:>6} {:>14.1} {:>14.1} {requests:>12}",
            *requests as f64 / *syncs as f64,
            *reports as f64 / *syncs as f64
        );
    }
    let budget = qps * 86_400;
    println!("requests per advertiser per day: {day} (target ≤ 2,000)");
    println!("one app at {qps} QPS ({budget} requests a day) keeps {} such advertisers fresh", budget / day.max(1));
    db.remove().await;
}
