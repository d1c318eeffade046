//! Benchmark (not a test): a first sync of a large sandbox advertiser through the real engine.
//!
//!   cargo bench --bench sync --no-default-features --features ssr
//!
//! Then, over the synced data, the server time of Ads Manager (default range), a drill-down,
//! a campaign's breakdowns, the campaign table by age and the Dashboard under concurrent clients.
//!
//! Knobs (environment): BENCH_CAMPAIGNS (1000), BENCH_ADGROUPS (10), BENCH_ADS (5), BENCH_QPS
//! (the app budget and the sandbox's limit, 10), BENCH_POSTGRES=1 for a fresh database on
//! BENCH_POSTGRES_URL (default the local server) instead of SQLite; BENCH_CLIENTS (20) and
//! BENCH_SECONDS (10) per page for the page loads, BENCH_PAGES=0 to skip them,
//! BENCH_REPORT_CACHE=0 to measure every page load computed afresh.

#[path = "support/mod.rs"]
mod support;

use sea_orm::{EntityTrait, PaginatorTrait};
use std::time::{Duration, Instant};
use support::{load, ms, BenchDb};
use wevion::{
    db::entities::{sync_run, tiktok_campaign, tiktok_insight_daily},
    sandbox::BUSINESS_USER,
    sync::Outcome,
};

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn pages(items: u64, size: u64) -> u64 {
    items.div_ceil(size).max(1)
}

#[tokio::main]
async fn main() {
    let (c, g, a) = (knob("BENCH_CAMPAIGNS", 1000), knob("BENCH_ADGROUPS", 10), knob("BENCH_ADS", 5));
    let qps = knob("BENCH_QPS", 10);
    let db = BenchDb::fresh(std::env::var("BENCH_POSTGRES").is_ok_and(|v| v == "1")).await;
    let (cs, gs, as_, q) = (c.to_string(), g.to_string(), a.to_string(), qps.to_string());
    let cache = if knob("BENCH_REPORT_CACHE", 1) == 0 { "0" } else { "64" }.to_string();
    let app = support::spawn_app(
        &db,
        &[
            ("SANDBOX_CAMPAIGNS", cs.as_str()),
            ("SANDBOX_ADGROUPS_PER_CAMPAIGN", gs.as_str()),
            ("SANDBOX_ADS_PER_ADGROUP", as_.as_str()),
            ("SANDBOX_APP_QPS", q.as_str()),
            ("SANDBOX_ADVERTISER_PATH_QPS", "100000"),
            ("TIKTOK_QPS", q.as_str()),
            ("TIKTOK_ADVERTISER_PATH_QPS", q.as_str()),
            ("SYNC_CONCURRENCY", "0"),
            ("REPORT_CACHE_MB", cache.as_str()),
        ],
    )
    .await;
    let (http, cookie) = app.manager("Bench", "bench@bench.test").await;
    app.connect(&http, BUSINESS_USER, &["7000000000000000001"]).await;
    let imported = Instant::now();

    // Watch for the first campaign while the engine runs.
    let watch_db = app.state.db.clone();
    let watcher = tokio::spawn(async move {
        loop {
            if tiktok_campaign::Entity::find().count(&watch_db).await.unwrap_or(0) > 0 {
                return imported.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let started = Instant::now();
    let outcome = app.state.sync.sync_next().await.expect("the sync runs");
    let wall = started.elapsed();
    let first_campaign = watcher.await.unwrap();
    assert!(matches!(outcome, Outcome::Finished { succeeded: true, .. }), "{outcome:?}");

    let run = sync_run::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let rows = tiktok_insight_daily::Entity::find().count(&app.state.db).await.unwrap();
    // The fewest requests the data needs: every list at its page-size maximum, 30-day report windows.
    let creatives = (c * 2).clamp(3, 5000);
    let days = 90;
    let report = |entities: u64| (0..3).map(|_| pages(entities * 30, 1000)).sum::<u64>() * days / 90;
    let minimum = 1 // advertiser/info
        + pages(c, 1000) + pages(c * g, 1000) + pages(c * g * a, 1000)
        + 2 * pages(creatives, 1000) + pages(4, 100) + pages(2, 20) + 1
        + report(c) + report(c * g) + report(c * g * a) + report(1)
        + pages(c, 1000); // the data check's totals
    let physical = run.requests as f64 / qps as f64;
    println!("first sync on {} · {c} campaigns × {g} ad groups × {a} ads, {days} days · TIKTOK_QPS={qps}", db.label);
    println!(
        "requests made           {} (minimum the data needs: {minimum}; ratio {:.3})",
        run.requests,
        run.requests as f64 / minimum as f64
    );
    println!(
        "wall time               {:.1} s (requests ÷ QPS = {physical:.1} s; ratio {:.2})",
        wall.as_secs_f64(),
        wall.as_secs_f64() / physical
    );
    println!("insight rows written    {rows} ({:.0} rows/s over the whole run)", rows as f64 / wall.as_secs_f64());
    println!("rate-limit answers      {}", run.rate_limit_waits);
    println!("first campaign readable {:.2} s after Import", first_campaign.as_secs_f64());
    println!("peak RSS                {:.0} MiB (sandbox, app and engine in one process)", support::peak_rss_mib());
    if knob("BENCH_PAGES", 1) == 1 {
        report_pages(&app, &cookie).await;
    }
    db.remove().await;
}

/// Server time of the report pages over the synced data.
async fn report_pages(app: &support::BenchApp, cookie: &str) {
    let clients = knob("BENCH_CLIENTS", 20) as usize;
    let run = Duration::from_secs(knob("BENCH_SECONDS", 10));
    // The campaign that spent most over the last 7 days, to drill into.
    let http = support::client(&app.base);
    // The first row's drill-down link of the table for `query`.
    let first_drill = |query: wevion::model::reports::AdsQuery| {
        let request = http
            .post(format!("{}/api/ads/table", app.base))
            .header("cookie", cookie)
            .json(&serde_json::json!({ "query": query }));
        async move {
            let table: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            table["rows"][0]["drill"].as_str().expect("a row to drill into").to_owned()
        }
    };
    let drill = first_drill(wevion::model::reports::AdsQuery::default()).await;
    let ads_of_group = first_drill(query_of(&drill)).await;
    println!();
    let cache = if knob("BENCH_REPORT_CACHE", 1) == 0 { "each computed afresh" } else { "answers kept between syncs" };
    println!("report pages · {clients} concurrent clients · {}s each · {cache}", run.as_secs());
    println!("{:<44} {:>8} {:>10} {:>10} {:>7}", "page", "req/s", "p50", "p99", "errors");
    for (label, path) in [
        ("/ads (campaigns, last 7 days)", "/ads".to_owned()),
        ("/ads drill-down: a campaign's ad groups", drill.clone()),
        ("the campaign's breakdown by country", format!("{drill}&audience=country")),
        ("/ads?breakdown=age (campaigns by age)", "/ads?breakdown=age".to_owned()),
        ("/ads drill-down: an ad group's ads", ads_of_group),
        ("/ads?level=ads (every ad, by spend)", "/ads?level=ads".to_owned()),
        ("/dashboard (last 7 days)", "/dashboard".to_owned()),
        ("/dashboard?range=last_90", "/dashboard?range=last_90".to_owned()),
    ] {
        load(&app.base, &path, Some(cookie), clients, Duration::from_secs(1)).await; // warm up
        let s = load(&app.base, &path, Some(cookie), clients, run).await;
        println!("{label:<44} {:>8.0} {:>10} {:>10} {:>7}", s.rps(), ms(s.p50), ms(s.p99), s.errors);
    }
}

fn query_of(href: &str) -> wevion::model::reports::AdsQuery {
    let query = href.split_once('?').map_or("", |(_, q)| q);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    wevion::model::reports::AdsQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}
