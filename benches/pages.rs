//! Benchmark (not a test): server time of pages under concurrent clients, each on a kept-alive
//! connection, the way browsers hold them.
//!
//!   cargo bench --bench pages --no-default-features --features ssr
//!
//! Knobs (environment): BENCH_CLIENTS (50), BENCH_SECONDS per page (10), BENCH_POSTGRES=1 to
//! run on a fresh database on BENCH_POSTGRES_URL (default the local server) instead of SQLite.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;
use support::{load, ms, BenchDb};

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let clients = knob("BENCH_CLIENTS", 50) as usize;
    let run = Duration::from_secs(knob("BENCH_SECONDS", 10));
    let db = BenchDb::fresh(std::env::var("BENCH_POSTGRES").is_ok_and(|v| v == "1")).await;
    let app = support::spawn_app(&db, &[("SANDBOX_APP_QPS", "1000"), ("SANDBOX_ADVERTISER_PATH_QPS", "1000")]).await;
    let (http, cookie) = app.manager("Bench", "bench@bench.test").await;
    // A realistic page: two connections, four ad accounts.
    app.connect(
        &http,
        wevion::sandbox::BUSINESS_USER,
        &["7000000000000000001", "7000000000000000002", "7000000000000000003"],
    )
    .await;
    app.connect(&http, wevion::sandbox::SECOND_BUSINESS_USER, &["7000000000000000002", "7000000000000000004"]).await;

    println!("pages on {} · {clients} concurrent clients · {}s each", db.label, run.as_secs());
    println!("{:<28} {:>10} {:>10} {:>10} {:>8}", "page", "req/s", "p50", "p99", "errors");
    for (label, path, cookie) in
        [("/login", "/login", None), ("/connect/tiktok (signed in)", "/connect/tiktok", Some(cookie.as_str()))]
    {
        load(&app.base, path, cookie, clients, Duration::from_secs(1)).await; // warm up
        let s = load(&app.base, path, cookie, clients, run).await;
        println!("{label:<28} {:>10.0} {:>10} {:>10} {:>8}", s.rps(), ms(s.p50), ms(s.p99), s.errors);
    }
    println!("peak RSS {:.0} MiB (server and load client in one process)", support::peak_rss_mib());
    db.remove().await;
}
