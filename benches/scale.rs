//! Benchmark (not a test): several instances of the real binary on one Postgres database,
//! syncing many advertiser accounts against one TikTok app budget.
//!
//!   cargo bench --bench scale --no-default-features --features ssr
//!
//! A TikTok stand-in (the sandbox, served by this process, limited to the budget) and
//! BENCH_INSTANCES `wevion serve` processes on a fresh Postgres database, all with
//! `TIKTOK_QPS` = the budget. A manager signs in on instance 1 and connects BENCH_CONNECTIONS
//! sandbox users of BENCH_ADVERTISERS_PER_CONNECTION advertisers each through the OAuth flow,
//! importing each user's advertisers in one go, one connection after another; one connection is
//! held back and connected and imported mid-load. Then, every BENCH_SAMPLE_SECONDS until the end:
//! requests per second TikTok received against the budget, accounts waiting for a worker, runs in
//! flight and done, overdue accounts (active, next sync more than one interval ago), Postgres
//! connections of the database, each instance's resident memory, the machine's CPU use.
//!
//! The summary: mean req/s while work was due (some run waiting for a worker) against the
//! budget; the most requests TikTok saw in any wall-clock second; 40100/40133 answers; Import →
//! first campaign stored for the late connection; overdue accounts once the first syncs were done;
//! peak RSS per instance; peak Postgres connections; what one run costs in requests.
//!
//! Knobs (environment): BENCH_MINUTES (10), BENCH_CONNECTIONS (50),
//! BENCH_ADVERTISERS_PER_CONNECTION (10), BENCH_INSTANCES (3), BENCH_QPS (the budget: the app's
//! TIKTOK_QPS and the stand-in's limit, 150), BENCH_SYNC_INTERVAL (1m), BENCH_SYNC_CONCURRENCY
//! (workers per instance; unset: the app's default), BENCH_LATE_IMPORT_SECONDS (180 after the
//! first connection; at most half the run), BENCH_SAMPLE_SECONDS (10); sizes per advertiser:
//! BENCH_CAMPAIGNS (3), BENCH_ADGROUPS (1 per campaign), BENCH_ADS (1 per ad group), BENCH_DAYS
//! (30 days of delivery); BENCH_POSTGRES_URL (the server, default the local one, trust auth);
//! BENCH_LOG (the instances' RUST_LOG, warn); BENCH_KEEP=1 keeps the database and the
//! instances' logs. The instances are stopped (SIGTERM, then kill) and the database dropped at
//! the end, also after a failure or Ctrl-C.
//!
//!   BENCH_MINUTES=2 BENCH_CONNECTIONS=10 cargo bench --bench scale --no-default-features --features ssr
//!
//! Why 150 req/s: with these sizes a scheduled sync of one account costs 14 requests (a first one
//! 22), so 500 accounts once a minute need 500 × 14 ÷ 60 ≈ 117 req/s, and background syncs get
//! 90% of the budget: 150 leaves them 135. With less (BENCH_QPS=50: 45 for syncs) the accounts
//! fall further behind every minute whatever the engine does, and overdue only measures that.

#[path = "support/mod.rs"]
mod support;

use axum::{
    extract::{Request, State},
    middleware::{from_fn_with_state, Next},
    response::Response,
    Router,
};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use support::BenchDb;
use tokio::process::{Child, Command};
use wevion::{
    clock::SystemClock,
    sandbox::{DataSizes, RegisteredApp, Sandbox, SandboxSettings},
};

const APP_ID: &str = "7999000000000000077";
const APP_SECRET: &str = "scale-bench-secret";
const TOKEN_KEY: &str = "5c616c6520626e6368206b6579203332206279746573206c6f6e672121212121";
const METRICS_TOKEN: &str = "scale-bench-metrics";
const MANAGER: &str = "manager@scale.bench";
/// The benchmark's own database sessions carry this name, so they are not counted as the app's.
const BENCH_APP_NAME: &str = "wevion-scale-bench";

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Knobs {
    minutes: u64,
    connections: u64,
    per_connection: u64,
    instances: u64,
    qps: u64,
    interval: Duration,
    interval_text: String,
    concurrency: Option<u64>,
    late_after: Duration,
    sample_every: Duration,
    sizes: DataSizes,
    log: String,
    keep: bool,
}

impl Knobs {
    fn from_env() -> Self {
        let minutes = knob("BENCH_MINUTES", 10).max(1);
        let interval_text = std::env::var("BENCH_SYNC_INTERVAL").unwrap_or_else(|_| "1m".into());
        let interval = humantime::parse_duration(&interval_text).expect("BENCH_SYNC_INTERVAL is a duration (1m, 30s)");
        let late = knob("BENCH_LATE_IMPORT_SECONDS", 180).min(minutes * 60 / 2);
        Self {
            minutes,
            connections: knob("BENCH_CONNECTIONS", 50).max(2),
            per_connection: knob("BENCH_ADVERTISERS_PER_CONNECTION", 10).max(1),
            instances: knob("BENCH_INSTANCES", 3).max(1),
            qps: knob("BENCH_QPS", 150).max(1),
            interval,
            interval_text,
            concurrency: std::env::var("BENCH_SYNC_CONCURRENCY").ok().and_then(|v| v.parse().ok()),
            late_after: Duration::from_secs(late),
            sample_every: Duration::from_secs(knob("BENCH_SAMPLE_SECONDS", 10).max(1)),
            sizes: DataSizes {
                campaigns: knob("BENCH_CAMPAIGNS", 3).max(1) as u32,
                adgroups_per_campaign: knob("BENCH_ADGROUPS", 1).max(1) as u32,
                ads_per_adgroup: knob("BENCH_ADS", 1).max(1) as u32,
                days: knob("BENCH_DAYS", 30).max(1) as u32,
            },
            log: std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into()),
            keep: std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1"),
        }
    }
}

// ---- the TikTok stand-in ----------------------------------------------------------------------

/// Requests the stand-in's Marketing API received, in total and per wall-clock second (what
/// TikTok's per-second limit counts), counted on arrival like the sandbox counts them.
#[derive(Clone, Default)]
struct Arrivals {
    total: Arc<AtomicU64>,
    per_second: Arc<Mutex<BTreeMap<i64, u64>>>,
}

async fn count_arrival(State(arrivals): State<Arrivals>, request: Request, next: Next) -> Response {
    if request.uri().path().contains("/open_api/") {
        arrivals.total.fetch_add(1, Ordering::Relaxed);
        let second = chrono::Utc::now().timestamp();
        *arrivals.per_second.lock().unwrap().entry(second).or_default() += 1;
    }
    next.run(request).await
}

struct StandIn {
    /// `http://127.0.0.1:PORT/tiktok`
    base: String,
    arrivals: Arrivals,
    http: reqwest::Client,
}

impl StandIn {
    async fn start(k: &Knobs, redirect_uri: &str) -> Self {
        let sandbox = Sandbox::new(
            SandboxSettings {
                app_qps: k.qps as u32,
                advertiser_path_qps: 1000,
                sizes: k.sizes,
                ..SandboxSettings::default()
            },
            vec![RegisteredApp {
                app_id: APP_ID.into(),
                secret: APP_SECRET.into(),
                redirect_uris: vec![redirect_uri.to_owned()],
            }],
            Arc::new(SystemClock),
        );
        let arrivals = Arrivals::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/tiktok", listener.local_addr().unwrap());
        let router: Router =
            Router::new().nest("/tiktok", sandbox.router()).layer(from_fn_with_state(arrivals.clone(), count_arrival));
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { base, arrivals, http: reqwest::Client::new() }
    }

    async fn control(&self, path: &str, body: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let response = self.http.post(format!("{}/control/{path}", self.base)).json(&body).send().await?;
        anyhow::ensure!(response.status().is_success(), "control/{path}: {}", response.status());
        Ok(response.json().await?)
    }

    /// A Business user with `n` advertisers; returns the user id and the advertiser ids.
    async fn business_user(&self, index: u64, n: u64) -> anyhow::Result<(String, Vec<String>)> {
        let user = self.control("users", serde_json::json!({"display_name": format!("Scale User {index}")})).await?;
        let user_id = user["user_id"].as_str().ok_or_else(|| anyhow::anyhow!("control/users: {user}"))?.to_owned();
        let mut advertisers = Vec::new();
        for a in 1..=n {
            let body = serde_json::json!({"user_id": user_id, "name": format!("Scale {index}-{a}")});
            let added = self.control("advertisers", body).await?;
            advertisers.push(
                added["advertiser_id"]
                    .as_str()
                    .ok_or_else(|| anyhow::anyhow!("control/advertisers: {added}"))?
                    .to_owned(),
            );
        }
        Ok((user_id, advertisers))
    }

    /// `rate_limited` and `busiest_second` from `control/counts`.
    async fn counts(&self) -> anyhow::Result<(u64, u64)> {
        let counts: serde_json::Value =
            self.http.get(format!("{}/control/counts", self.base)).send().await?.json().await?;
        Ok((counts["rate_limited"].as_u64().unwrap_or(0), counts["busiest_second"].as_u64().unwrap_or(0)))
    }
}

// ---- the instances ----------------------------------------------------------------------------

struct Instance {
    number: u64,
    pid: u32,
    child: Child,
    log: PathBuf,
}

/// Every instance started so far, so that they are stopped whatever happens to the run.
type Fleet = Arc<tokio::sync::Mutex<Vec<Instance>>>;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn common_env(k: &Knobs, db_url: &str, tiktok: &str, redirect_uri: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("DATABASE_URL", db_url.to_owned()),
        ("TIKTOK_APP_ID", APP_ID.into()),
        ("TIKTOK_APP_SECRET", APP_SECRET.into()),
        ("TIKTOK_TOKEN_KEY", TOKEN_KEY.into()),
        ("TIKTOK_AUTH_URL", format!("{tiktok}/portal/auth")),
        ("TIKTOK_API_BASE_URL", format!("{tiktok}/open_api/v1.3/")),
        ("TIKTOK_REDIRECT_URI", redirect_uri.to_owned()),
        ("TIKTOK_QPS", k.qps.to_string()),
        ("SYNC_INTERVAL", k.interval_text.clone()),
        ("METRICS_TOKEN", METRICS_TOKEN.into()),
        ("RUST_LOG", k.log.clone()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    if let Some(workers) = k.concurrency {
        env.push(("SYNC_CONCURRENCY".into(), workers.to_string()));
    }
    env
}

/// `wevion args…` run to its end (the CLI), from the project folder.
async fn cli(args: &[&str], env: &[(String, String)], extra: &[(&str, &str)]) -> anyhow::Result<()> {
    let out = Command::new(env!("CARGO_BIN_EXE_wevion"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .envs(extra.iter().copied())
        .output()
        .await?;
    anyhow::ensure!(
        out.status.success(),
        "wevion {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Starts `wevion serve` number `number` on `port` and waits until it answers `/readyz`.
async fn start_instance(
    fleet: &Fleet,
    number: u64,
    port: u16,
    env: &[(String, String)],
    logs: &Path,
) -> anyhow::Result<String> {
    let base = format!("http://127.0.0.1:{port}");
    let log = logs.join(format!("instance-{number}.log"));
    let file = std::fs::File::create(&log)?;
    let child = Command::new(env!("CARGO_BIN_EXE_wevion"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("INSTANCE_ID", format!("scale-{number}"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("APP_PUBLIC_URL", format!("{base}/"))
        .stdout(file.try_clone()?)
        .stderr(file)
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().ok_or_else(|| anyhow::anyhow!("instance {number} has no pid"))?;
    fleet.lock().await.push(Instance { number, pid, child, log: log.clone() });
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return Ok(base);
            }
        }
        let exited =
            fleet.lock().await.iter_mut().find(|i| i.number == number).and_then(|i| i.child.try_wait().ok().flatten());
        if let Some(status) = exited {
            anyhow::bail!("instance {number} exited ({status}) before it was ready:\n{}", tail(&log, 20));
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "instance {number} not ready within 60 s:\n{}",
            tail(&log, 20)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// SIGTERM to every instance, then a kill for any still running after 45 s (a stopping instance
/// waits up to 8 s for its runs and 35 s for a token refresh in flight).
async fn stop_all(fleet: &Fleet) {
    let mut instances = fleet.lock().await;
    for instance in instances.iter() {
        let _ = std::process::Command::new("kill").args(["-TERM", &instance.pid.to_string()]).status();
    }
    for instance in instances.iter_mut() {
        match tokio::time::timeout(Duration::from_secs(45), instance.child.wait()).await {
            Ok(_) => {}
            Err(_) => {
                eprintln!("instance {} did not stop within 45 s of SIGTERM: killing it", instance.number);
                let _ = instance.child.kill().await;
            }
        }
    }
}

/// A `/proc/<pid>/status` field in MiB (`VmRSS`, `VmHWM`).
fn proc_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time a process used so far, in clock ticks.
fn proc_cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command: state is field 3 of the line, utime 14 and stime 15.
    let get = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

/// The machine's (busy, total) CPU ticks so far.
fn machine_cpu() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<u64> =
        stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

// ---- sampling ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Sample {
    /// Seconds since the first connection.
    t: f64,
    /// Requests the stand-in received so far, and answered 40100/40133.
    requests: u64,
    rate_limited: u64,
    accounts: i64,
    /// Accounts whose first sync has not finished.
    unsynced: i64,
    /// Runs waiting for a worker: queued and claimable, or due and not queued yet, for over 3 s
    /// (an idle worker looks every second, so these wait because every worker is busy).
    waiting: i64,
    running: i64,
    overdue: i64,
    /// How long past its due time the latest account is (0 when none is due).
    late_s: f64,
    succeeded: i64,
    failed: i64,
    pg_connections: i64,
    rss_mib: Vec<f64>,
    machine_cpu: (u64, u64),
}

async fn db_sample(db: &DatabaseConnection, interval: Duration) -> anyhow::Result<Sample> {
    let sql = "select
        (select count(*) from tiktok_ad_account where sync_state = 'active') as accounts,
        (select count(*) from tiktok_ad_account where sync_state = 'active' and last_synced_at is null) as unsynced,
        (select count(*) from sync_run where status = 'queued'
           and greatest(queued_at, coalesce(retry_at, queued_at)) <= now() - interval '3 seconds')
          + (select count(*) from tiktok_ad_account a where a.sync_state = 'active'
               and a.next_sync_at <= now() - interval '3 seconds'
               and not exists (select 1 from sync_run r where r.ad_account_id = a.id and r.status in ('queued', 'running')))
          as waiting,
        (select count(*) from sync_run where status = 'running') as running,
        (select count(*) from tiktok_ad_account where sync_state = 'active'
           and next_sync_at < now() - $1 * interval '1 second') as overdue,
        (select coalesce(greatest(extract(epoch from now() - min(next_sync_at)), 0), 0)::float8
           from tiktok_ad_account where sync_state = 'active') as late_s,
        (select count(*) from sync_run where status = 'succeeded') as succeeded,
        (select count(*) from sync_run where status = 'failed') as failed,
        (select count(*) from pg_stat_activity where datname = current_database()
           and application_name <> $2) as pg_connections";
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            sql,
            [interval.as_secs_f64().into(), BENCH_APP_NAME.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no sample row"))?;
    Ok(Sample {
        accounts: row.try_get("", "accounts")?,
        unsynced: row.try_get("", "unsynced")?,
        waiting: row.try_get("", "waiting")?,
        running: row.try_get("", "running")?,
        overdue: row.try_get("", "overdue")?,
        late_s: row.try_get("", "late_s")?,
        succeeded: row.try_get("", "succeeded")?,
        failed: row.try_get("", "failed")?,
        pg_connections: row.try_get("", "pg_connections")?,
        ..Sample::default()
    })
}

async fn count(db: &DatabaseConnection, sql: &str, values: Vec<sea_orm::Value>) -> anyhow::Result<i64> {
    let row = db.query_one_raw(Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)).await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0))
}

fn print_header(instances: usize) {
    let rss: Vec<String> = (1..=instances).map(|i| format!("i{i}")).collect();
    println!(
        "{:>5} {:>6} {:>5} {:>5} {:>7} {:>4} {:>7} {:>6} {:>8} {:>6} {:>6} {:>3} {:>4}  rss MiB ({})",
        "t s",
        "req/s",
        "%bud",
        "40100",
        "waiting",
        "run",
        "overdue",
        "late s",
        "unsynced",
        "done",
        "failed",
        "pg",
        "cpu%",
        rss.join("/")
    );
}

fn print_sample(s: &Sample, prev: &Sample, qps: u64) {
    let dt = (s.t - prev.t).max(1e-9);
    let rps = s.requests.saturating_sub(prev.requests) as f64 / dt;
    let (busy, total) = (s.machine_cpu.0 - prev.machine_cpu.0, s.machine_cpu.1 - prev.machine_cpu.1);
    let cpu = if total > 0 { 100.0 * busy as f64 / total as f64 } else { f64::NAN };
    let rss: Vec<String> = s.rss_mib.iter().map(|m| format!("{m:.0}")).collect();
    println!(
        "{:>5.0} {:>6.1} {:>5.0} {:>5} {:>7} {:>4} {:>7} {:>6.0} {:>8} {:>6} {:>6} {:>3} {:>4.0}  {}",
        s.t,
        rps,
        100.0 * rps / qps as f64,
        s.rate_limited.saturating_sub(prev.rate_limited),
        s.waiting,
        s.running,
        s.overdue,
        s.late_s,
        s.unsynced,
        s.succeeded,
        s.failed,
        s.pg_connections,
        cpu,
        rss.join("/")
    );
}

// ---- the run ----------------------------------------------------------------------------------

struct LateImport {
    at: f64,
    authorized_in: Duration,
    import_answered_in: Duration,
    first_campaign: Option<Duration>,
    all_first_synced: Option<Duration>,
}

struct Outcome {
    samples: Vec<Sample>,
    connected_in: Duration,
    /// Connect and Import of each connection, shortest first.
    each_connect: Vec<Duration>,
    late: anyhow::Result<LateImport>,
    peak_rss: Vec<f64>,
    cpu_s: Vec<f64>,
    bench_cpu_s: f64,
    runs: Vec<(String, i64, f64, f64, f64)>,
    busiest_second: u64,
    per_second: Vec<(i64, u64)>,
    metrics: Vec<String>,
    expected_accounts: u64,
    /// The wall-clock second the run started in (Unix time).
    t0_unix: i64,
}

#[tokio::main]
async fn main() {
    let k = Arc::new(Knobs::from_env());
    let db = BenchDb::fresh(true).await;
    let logs = tempfile::tempdir().unwrap();
    let fleet: Fleet = Arc::default();
    let run = tokio::spawn(scenario(k.clone(), db.url.clone(), logs.path().to_owned(), fleet.clone()));
    let abort = run.abort_handle();
    let outcome = tokio::select! {
        joined = run => joined.map_err(|e| anyhow::anyhow!("the benchmark stopped: {e}")).and_then(|r| r),
        _ = tokio::signal::ctrl_c() => {
            abort.abort();
            Err(anyhow::anyhow!("interrupted"))
        }
    };
    let failed = outcome.is_err();
    if failed {
        for instance in fleet.lock().await.iter() {
            eprintln!(
                "--- instance {} log ({}), last lines:\n{}",
                instance.number,
                instance.log.display(),
                tail(&instance.log, 15)
            );
        }
    }
    stop_all(&fleet).await;
    if k.keep {
        println!("instance logs kept in {}", logs.keep().display());
    }
    db.remove().await;
    match outcome {
        Ok(outcome) => summary(&k, &outcome),
        Err(e) => {
            eprintln!("scale benchmark failed: {e:#}");
            std::process::exit(1);
        }
    }
}

async fn scenario(k: Arc<Knobs>, db_url: String, logs: PathBuf, fleet: Fleet) -> anyhow::Result<Outcome> {
    let ports: Vec<u16> = (0..k.instances).map(|_| free_port()).collect();
    let redirect_uri = format!("http://127.0.0.1:{}/connect/tiktok/callback", ports[0]);
    let tiktok = StandIn::start(&k, &redirect_uri).await;
    let env = common_env(&k, &db_url, &tiktok.base, &redirect_uri);
    let mut monitor_url = url::Url::parse(&db_url)?;
    monitor_url.query_pairs_mut().append_pair("application_name", BENCH_APP_NAME);
    let monitor = sea_orm::Database::connect(
        ConnectOptions::new(monitor_url.to_string()).max_connections(2).sqlx_logging(false).to_owned(),
    )
    .await?;

    // The schema and the manager, by the CLI (it migrates first), before any instance starts.
    cli(
        &["user", "add", "--workspace", "Scale", "--email", MANAGER, "--role", "manager"],
        &env,
        &[("WEVION_PASSWORD", support::PASSWORD)],
    )
    .await?;

    // The people at TikTok: one Business user per connection, each with their advertisers.
    let mut users = Vec::new();
    for index in 1..=k.connections {
        users.push(tiktok.business_user(index, k.per_connection).await?);
    }
    let expected_accounts = k.connections * k.per_connection;

    let mut bases = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        bases.push(start_instance(&fleet, i as u64 + 1, *port, &env, &logs).await?);
    }
    // Each instance learns of the others at its next beat (every 5 s).
    tokio::time::sleep(Duration::from_secs(6)).await;
    let pids: Vec<u32> = fleet.lock().await.iter().map(|i| i.pid).collect();
    let cpu_start: Vec<u64> = pids.iter().map(|p| proc_cpu_ticks(&p.to_string())).collect();
    let bench_cpu_start = proc_cpu_ticks("self");

    let (http, _cookie) = support::sign_in(&bases[0], MANAGER).await;
    let (late_user, late_ids) = users.pop().expect("at least two connections");
    println!(
        "scale · {} instances on Postgres · {} advertisers over {} connections ({} held back for {} s) · \
         TIKTOK_QPS={} · SYNC_INTERVAL={} · {} campaigns × {} ad groups × {} ads, {} days each · {} min",
        k.instances,
        expected_accounts,
        k.connections,
        late_ids.len(),
        k.late_after.as_secs(),
        k.qps,
        k.interval_text,
        k.sizes.campaigns,
        k.sizes.adgroups_per_campaign,
        k.sizes.ads_per_adgroup,
        k.sizes.days,
        k.minutes
    );
    println!();
    print_header(pids.len());

    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(k.minutes * 60);

    // Sampling, until the deadline.
    let sampler = {
        let (monitor, k, tiktok_base, arrivals, pids) =
            (monitor.clone(), k.clone(), tiktok.base.clone(), tiktok.arrivals.clone(), pids.clone());
        tokio::spawn(async move {
            let counts = StandIn { base: tiktok_base, arrivals: arrivals.clone(), http: reqwest::Client::new() };
            let mut samples: Vec<Sample> = Vec::new();
            let mut next = t0;
            loop {
                let mut s = match db_sample(&monitor, k.interval).await {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("sample failed: {e:#}");
                        Sample { pg_connections: -1, ..samples.last().cloned().unwrap_or_default() }
                    }
                };
                s.t = t0.elapsed().as_secs_f64();
                s.requests = arrivals.total.load(Ordering::Relaxed);
                s.rate_limited =
                    counts.counts().await.map_or_else(|_| samples.last().map_or(0, |p| p.rate_limited), |c| c.0);
                s.rss_mib = pids.iter().map(|p| proc_mib(*p, "VmRSS:")).collect();
                s.machine_cpu = machine_cpu();
                if let Some(prev) = samples.last() {
                    print_sample(&s, prev, k.qps);
                }
                samples.push(s);
                next += k.sample_every;
                if next > deadline {
                    break;
                }
                tokio::time::sleep_until(next.into()).await;
            }
            samples
        })
    };

    // The held-back connection, mid-load: Connect (OAuth), then Import, timed to its first campaign.
    let late = {
        let (monitor, base, http, late_after) = (monitor.clone(), bases[0].clone(), http.clone(), k.late_after);
        tokio::spawn(async move {
            tokio::time::sleep_until((t0 + late_after).into()).await;
            let at = t0.elapsed().as_secs_f64();
            let started = Instant::now();
            let grant = support::authorize(&base, &http, &late_user).await;
            let authorized_in = started.elapsed();
            let ids: Vec<&str> = late_ids.iter().map(String::as_str).collect();
            let sent = Instant::now();
            support::import(&base, &http, grant, &ids).await;
            let import_answered_in = sent.elapsed();
            let list = late_ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
            let campaigns = format!(
                "select count(*) from tiktok_campaign c join tiktok_ad_account a on a.id = c.ad_account_id \
                 where a.advertiser_id in ({list})"
            );
            let synced = format!(
                "select count(*) from tiktok_ad_account where advertiser_id in ({list}) and last_synced_at is not null"
            );
            let give_up = deadline + Duration::from_secs(60);
            let (mut first_campaign, mut all_first_synced) = (None, None);
            while Instant::now() < give_up && all_first_synced.is_none() {
                if first_campaign.is_none() && count(&monitor, &campaigns, vec![]).await? > 0 {
                    first_campaign = Some(sent.elapsed());
                }
                if count(&monitor, &synced, vec![]).await? == late_ids.len() as i64 {
                    all_first_synced = Some(sent.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            anyhow::Ok(LateImport { at, authorized_in, import_answered_in, first_campaign, all_first_synced })
        })
    };

    // The manager connects the others one after another, each user's advertisers in one Import.
    let mut each_connect = Vec::new();
    for (user, ids) in &users {
        let started = Instant::now();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let grant = support::authorize(&bases[0], &http, user).await;
        support::import(&bases[0], &http, grant, &ids).await;
        each_connect.push(started.elapsed());
    }
    let connected_in = t0.elapsed();
    each_connect.sort();

    let samples = sampler.await?;
    let late = late.await.map_err(anyhow::Error::from).and_then(|r| r);

    // Figures that need the instances still running.
    let peak_rss: Vec<f64> = pids.iter().map(|p| proc_mib(*p, "VmHWM:")).collect();
    let ticks = clock_ticks();
    let cpu_s: Vec<f64> =
        pids.iter().zip(&cpu_start).map(|(p, s)| (proc_cpu_ticks(&p.to_string()) - s) as f64 / ticks).collect();
    let bench_cpu_s = (proc_cpu_ticks("self") - bench_cpu_start) as f64 / ticks;
    let mut metrics = Vec::new();
    for base in &bases {
        metrics.push(
            reqwest::Client::new()
                .get(format!("{base}/metrics"))
                .bearer_auth(METRICS_TOKEN)
                .send()
                .await?
                .text()
                .await?,
        );
    }
    let rows = monitor
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "select trigger, count(*) as runs, avg(requests)::float8 as requests,
                    avg(extract(epoch from finished_at - started_at))::float8 as seconds,
                    avg(extract(epoch from started_at - queued_at))::float8 as queued
             from sync_run where status = 'succeeded' group by trigger order by trigger",
        ))
        .await?;
    let mut runs = Vec::new();
    for r in rows {
        runs.push((
            r.try_get::<String>("", "trigger")?,
            r.try_get::<i64>("", "runs")?,
            r.try_get::<f64>("", "requests")?,
            r.try_get::<f64>("", "seconds")?,
            r.try_get::<f64>("", "queued")?,
        ));
    }
    let busiest_second = tiktok.counts().await?.1;
    let (from, to) =
        ((chrono::Utc::now() - chrono::Duration::from_std(t0.elapsed())?).timestamp(), chrono::Utc::now().timestamp());
    let per_second: Vec<(i64, u64)> = tiktok
        .arrivals
        .per_second
        .lock()
        .unwrap()
        .range(from..=to) // every second of the run, the first and last only in part
        .map(|(s, n)| (*s, *n))
        .collect();
    Ok(Outcome {
        samples,
        connected_in,
        each_connect,
        late,
        peak_rss,
        cpu_s,
        bench_cpu_s,
        runs,
        busiest_second,
        per_second,
        metrics,
        expected_accounts,
        t0_unix: from,
    })
}

/// The sum of a Prometheus counter's series whose labels contain `labels` (all when empty).
fn metric_sum(text: &str, name: &str, labels: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']) && l.contains(labels))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .fold(0.0, |sum, v| sum + v)
}

fn summary(k: &Knobs, o: &Outcome) {
    let budget = k.qps as f64;
    let s = &o.samples;
    println!();
    println!("summary ({} instances, budget {} req/s, SYNC_INTERVAL={})", k.instances, k.qps, k.interval_text);
    let median = o.each_connect.get(o.each_connect.len() / 2).copied().unwrap_or_default();
    let slowest = o.each_connect.last().copied().unwrap_or_default();
    println!(
        "connecting {} connections took      {:.1} s (Connect + Import of one: median {:.2} s, slowest {:.2} s)",
        k.connections - 1,
        o.connected_in.as_secs_f64(),
        median.as_secs_f64(),
        slowest.as_secs_f64()
    );

    // Intervals with work waiting for a worker at both ends.
    let (mut due_requests, mut due_seconds, mut due_intervals) = (0u64, 0f64, 0usize);
    for w in s.windows(2) {
        if w[0].waiting > 0 && w[1].waiting > 0 {
            due_requests += w[1].requests - w[0].requests;
            due_seconds += w[1].t - w[0].t;
            due_intervals += 1;
        }
    }
    let (first, last) = (s.first().cloned().unwrap_or_default(), s.last().cloned().unwrap_or_default());
    let all_rps = (last.requests - first.requests) as f64 / (last.t - first.t).max(1e-9);
    if due_seconds > 0.0 {
        let rps = due_requests as f64 / due_seconds;
        println!(
            "req/s while work was due            {rps:.1} = {:.0}% of the budget ({due_intervals} intervals, {due_seconds:.0} s)",
            100.0 * rps / budget
        );
    } else {
        println!("req/s while work was due            (never any work waiting for a worker)");
    }
    println!("req/s over the whole run            {all_rps:.1} = {:.0}% of the budget", 100.0 * all_rps / budget);
    let max_second = o.per_second.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let above = o.per_second.iter().filter(|(_, n)| *n as f64 > budget).count();
    println!(
        "most requests in one second         {max_second} = {:.0}% of the budget; {above} seconds above it, of {} with requests (stand-in's busiest second: {})",
        100.0 * max_second as f64 / budget,
        o.per_second.len(),
        o.busiest_second
    );
    let seconds: BTreeMap<i64, u64> = o.per_second.iter().copied().collect();
    let over: Vec<String> = seconds
        .iter()
        .filter(|(_, n)| **n as f64 > budget)
        .take(10)
        .map(|(second, n)| {
            let before = seconds.get(&(second - 1)).copied().unwrap_or(0);
            format!("t={} s: {n} (second before: {before})", second - o.t0_unix)
        })
        .collect();
    if !over.is_empty() {
        println!("  above the budget                  {}", over.join("; "));
    }
    println!("answered 40100/40133 (rate limited) {}", last.rate_limited);
    match &o.late {
        Ok(late) => {
            let secs = |d: Option<Duration>| {
                d.map_or("not within the run".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()))
            };
            println!(
                "late connection at t={:.0} s          OAuth connect {:.2} s; Import answered in {:.2} s",
                late.at,
                late.authorized_in.as_secs_f64(),
                late.import_answered_in.as_secs_f64()
            );
            println!("  Import → first campaign stored    {} (target < 10 s)", secs(late.first_campaign));
            println!("  Import → all its first syncs done {}", secs(late.all_first_synced));
        }
        Err(e) => println!("late connection                     failed: {e:#}"),
    }
    let done = s
        .iter()
        .find(|x| x.accounts as u64 + k.per_connection >= o.expected_accounts && x.accounts > 0 && x.unsynced == 0);
    match done {
        Some(d) => {
            let after: Vec<&Sample> = s.iter().filter(|x| x.t >= d.t).collect();
            let max_overdue = after.iter().map(|x| x.overdue).max().unwrap_or(0);
            let max_late = after.iter().map(|x| x.late_s).fold(0.0, f64::max);
            let overdue_samples = after.iter().filter(|x| x.overdue > 0).count();
            println!("first syncs of all {} accounts done at t={:.0} s", d.accounts, d.t);
            println!(
                "  after that: most overdue at once   {max_overdue} accounts (more than one interval late; target 0), in {overdue_samples} of {} samples",
                after.len()
            );
            println!("  latest account past its due time  {max_late:.0} s (one interval = {} s)", k.interval.as_secs());
        }
        None => println!(
            "first syncs not all done by the end  ({} of {} accounts still without one)",
            last.unsynced, last.accounts
        ),
    }
    println!("max overdue at any time             {}", s.iter().map(|x| x.overdue).max().unwrap_or(0));
    println!("runs succeeded / failed             {} / {}", last.succeeded, last.failed);
    for (trigger, n, requests, seconds, queued) in &o.runs {
        println!(
            "  {trigger:<9} runs {n:>6}: {requests:.1} requests each, {seconds:.1} s each, {queued:.1} s queued before a worker took it"
        );
    }
    if let Some((_, _, per_run, _, _)) = o.runs.iter().find(|r| r.0 == "scheduled") {
        let needed = o.expected_accounts as f64 * per_run / k.interval.as_secs_f64();
        println!(
            "  every account once per interval needs {needed:.0} req/s = {:.0}% of the budget (background syncs get 90%)",
            100.0 * needed / budget
        );
    }
    let rss: Vec<String> = o.peak_rss.iter().map(|m| format!("{m:.0}")).collect();
    println!("peak RSS per instance (MiB)         {}", rss.join(" / "));
    let cpu: Vec<String> = o.cpu_s.iter().map(|c| format!("{c:.0}")).collect();
    println!(
        "CPU seconds per instance            {} (stand-in and this benchmark: {:.0}; run {:.0} s on {} cores)",
        cpu.join(" / "),
        o.bench_cpu_s,
        last.t,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("peak Postgres connections           {}", s.iter().map(|x| x.pg_connections).max().unwrap_or(0));
    for (i, m) in o.metrics.iter().enumerate() {
        println!(
            "instance {}: {:.0} TikTok answers ({:.0} rate limited), {:.0} runs ended, budget share {:.0} req/s of {} instances",
            i + 1,
            metric_sum(m, "wevion_tiktok_requests_total", ""),
            metric_sum(m, "wevion_tiktok_requests_total", "outcome=\"rate_limited\""),
            metric_sum(m, "wevion_sync_runs_total", ""),
            metric_sum(m, "wevion_tiktok_budget_per_second", ""),
            metric_sum(m, "wevion_instances", "")
        );
    }
}
