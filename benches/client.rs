//! Benchmark (not a test): pages the TikTok client through a large sandbox advertiser's
//! ad-level daily report and prints what it cost.
//!
//!   cargo bench --bench client --no-default-features --features ssr
//!
//! Knobs (environment): BENCH_CAMPAIGNS (1000), BENCH_ADGROUPS (10), BENCH_ADS (5),
//! BENCH_DAYS (report window, 3), BENCH_QPS (app budget on both sides, 10).

use chrono::{Duration as Days, Utc};
use secrecy::SecretString;
use std::{sync::Arc, time::Duration, time::Instant};
use wevion::{
    clock::SystemClock,
    sandbox::{DataSizes, RegisteredApp, Sandbox, SandboxSettings, BUSINESS_USER, MOUNT},
    tiktok::{wire::DataLevel, ClientConfig, RetryPolicy, TikTokClient},
};

fn knob(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Peak resident set size of this process (sandbox and client together), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let sizes = DataSizes {
        campaigns: knob("BENCH_CAMPAIGNS", 1000),
        adgroups_per_campaign: knob("BENCH_ADGROUPS", 10),
        ads_per_adgroup: knob("BENCH_ADS", 5),
        days: 90,
    };
    let window = knob("BENCH_DAYS", 3).clamp(1, 30);
    let qps = knob("BENCH_QPS", 10);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let redirect = format!("http://{addr}/callback");
    let app = RegisteredApp {
        app_id: "7300000000000000009".into(),
        secret: "bench-secret".into(),
        redirect_uris: vec![redirect.clone()],
    };
    let config =
        SandboxSettings { app_qps: qps, advertiser_path_qps: qps.max(20), sizes, ..SandboxSettings::default() };
    let sandbox = Sandbox::new(config, vec![app], Arc::new(SystemClock));
    let router: axum::Router = axum::Router::new().nest(MOUNT, sandbox.router());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let base = format!("http://{addr}{MOUNT}/");
    let client = TikTokClient::new(
        ClientConfig {
            api_base_url: url::Url::parse(&format!("{base}open_api/v1.3/")).unwrap(),
            auth_url: url::Url::parse(&format!("{base}portal/auth")).unwrap(),
            app_id: "7300000000000000009".into(),
            app_secret: SecretString::from("bench-secret".to_string()),
            qps,
            advertiser_path_qps: qps.max(20),
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
        },
        Arc::new(SystemClock),
    )
    .unwrap();

    // Authorize through the portal like a person would, then exchange the code.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = http
        .post(format!("{base}portal/auth"))
        .form(&[
            ("app_id", "7300000000000000009"),
            ("redirect_uri", &redirect),
            ("state", "b"),
            ("user_id", BUSINESS_USER),
            ("decision", "authorize"),
        ])
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "auth_code").unwrap().1.into_owned();
    let token = client.exchange_code(&SecretString::from(code)).await.unwrap().access_token;

    let end = Utc::now().date_naive() - Days::days(1);
    let start = end - Days::days(window as i64 - 1);
    let metered = client.metered();
    let started = Instant::now();
    let mut pages = metered.daily_report(&token, "7000000000000000001", DataLevel::Ad, start, end).unwrap();
    let mut rows = 0usize;
    while let Some(page) = pages.next_page().await.expect("report pages") {
        rows += page.items.len();
    }
    let wall = started.elapsed().as_secs_f64();
    let m = metered.meter();
    let ads = sizes.campaigns as u64 * sizes.adgroups_per_campaign as u64 * sizes.ads_per_adgroup as u64;
    println!("client benchmark: ad-level daily report, {ads} ads x {window} days ({start}..={end}), QPS {qps}");
    println!("  requests        {}", m.requests);
    println!("  rows            {rows}");
    println!("  wall time       {wall:.2} s");
    println!("  rows/s          {:.0}", rows as f64 / wall);
    println!(
        "  rate-limit use  {:.2} (requests / (time x QPS); 1.00 = at the bound)",
        m.requests as f64 / (wall * qps as f64)
    );
    println!(
        "  retries         {} ({} rate limited), waited {:.2} s",
        m.retries,
        m.rate_limited,
        m.waited.as_secs_f64()
    );
    println!("  peak RSS        {:.1} MiB (sandbox and client in one process)", peak_rss_mib());
}
