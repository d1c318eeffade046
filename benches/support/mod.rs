//! Shared by the benchmarks: the real app on a free port with a fresh database, a signed-in
//! member with a TikTok connection, and a small HTTP load client.

#![allow(dead_code)] // each benchmark uses the part it needs

use leptos::config::LeptosOptions;
use reqwest::{header, redirect::Policy, Client};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use wevion::{
    auth::accounts,
    clock::{Clock, SystemClock},
    roles::Role,
    server::{AppState, Application},
    settings::Settings,
};

pub const PASSWORD: &str = "bench password 1";

/// Peak resident set size of this process, in MiB.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A fresh database: a SQLite file in a temp folder, or a new database on the Postgres server
/// `BENCH_POSTGRES_URL` names when `postgres` is true.
pub struct BenchDb {
    pub url: String,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
    /// Postgres: the server and the database to drop at the end.
    drop: Option<(String, String)>,
}

impl BenchDb {
    pub async fn fresh(postgres: bool) -> Self {
        if postgres {
            let server = std::env::var("BENCH_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("wevion_bench_{}", std::process::id());
            let admin = sea_orm::Database::connect(&server).await.expect("Postgres for the benchmark");
            use sea_orm::ConnectionTrait;
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create bench database");
            let mut url = url::Url::parse(&server).unwrap();
            url.set_path(&name);
            Self { url: url.to_string(), label: "Postgres", _dir: None, drop: Some((server, name)) }
        } else {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
            // BENCH_KEEP=1 leaves the database behind for a look at its query plans.
            if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
                let kept = dir.keep();
                println!("database kept at {}", kept.join("bench.db").display());
                return Self { url, label: "SQLite", _dir: None, drop: None };
            }
            Self { url, label: "SQLite", _dir: Some(dir), drop: None }
        }
    }
}

impl BenchDb {
    /// Drops a Postgres database (unless BENCH_KEEP=1); a SQLite folder goes with `self`.
    pub async fn remove(self) {
        if let Some((server, name)) = &self.drop {
            if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
                println!("database kept: {name}");
                return;
            }
            use sea_orm::ConnectionTrait;
            if let Ok(admin) = sea_orm::Database::connect(server).await {
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
            }
        }
    }
}

pub struct BenchApp {
    pub base: String,
    pub state: AppState,
}

pub async fn spawn_app(db: &BenchDb, extra: &[(&str, &str)]) -> BenchApp {
    spawn_app_on_clock(db, extra, Arc::new(SystemClock)).await
}

/// The app on `clock` (a [`wevion::clock::ManualClock`] lets a day of syncs pass at once).
pub async fn spawn_app_on_clock(db: &BenchDb, extra: &[(&str, &str)], clock: Arc<dyn Clock>) -> BenchApp {
    let mut vars: HashMap<String, String> = HashMap::from([("DATABASE_URL".into(), db.url.clone())]);
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let leptos = LeptosOptions::builder().output_name("wevion").site_root("target/site").build();
    let settings = Settings::from_lookup(|k| vars.get(k).cloned(), leptos).expect("bench settings");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = Application::build_on(settings, listener, clock).await.expect("app builds");
    let base = format!("http://{}", app.addr());
    let state = app.state().clone();
    tokio::spawn(async move { app.run_until_stopped().await.unwrap() });
    BenchApp { base, state }
}

/// A client on the app's own pages: keeps cookies, sends the app's `Origin`.
pub fn client(base: &str) -> Client {
    let mut headers = header::HeaderMap::new();
    headers.insert(header::ORIGIN, header::HeaderValue::from_str(base).unwrap());
    Client::builder().cookie_store(true).redirect(Policy::none()).default_headers(headers).build().unwrap()
}

impl BenchApp {
    /// A manager of `workspace`, signed in on a fresh client; returns the session cookie too.
    pub async fn manager(&self, workspace: &str, email: &str) -> (Client, String) {
        accounts::add_user(&self.state.db, workspace, email, Role::Manager, PASSWORD).await.unwrap();
        sign_in(&self.base, email).await
    }

    /// Connects the sandbox user `tiktok_user` and imports `advertisers`; returns the connection id.
    pub async fn connect(&self, http: &Client, tiktok_user: &str, advertisers: &[&str]) -> i64 {
        let grant = authorize(&self.base, http, tiktok_user).await;
        import(&self.base, http, grant, advertisers).await
    }
}

/// Signs `email` (password [`PASSWORD`]) in at the app on `base` on a fresh client; returns it
/// with the session cookie.
pub async fn sign_in(base: &str, email: &str) -> (Client, String) {
    let http = client(base);
    let response = http
        .post(format!("{base}/api/login"))
        .header(header::ACCEPT, "application/json")
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    (http, cookie)
}

/// The OAuth flow of Connect on the app at `base` (start, the portal's Authorize for
/// `tiktok_user`, the callback); returns the grant the picker imports from.
pub async fn authorize(base: &str, http: &Client, tiktok_user: &str) -> i64 {
    let start = http.get(format!("{base}/connect/tiktok/start")).send().await.unwrap();
    let portal = url::Url::parse(start.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    let q: HashMap<String, String> = portal.query_pairs().into_owned().collect();
    let decided = Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
        .post(portal.as_str().split('?').next().unwrap())
        .form(&[
            ("app_id", q["app_id"].as_str()),
            ("redirect_uri", q["redirect_uri"].as_str()),
            ("state", q["state"].as_str()),
            ("user_id", tiktok_user),
            ("decision", "authorize"),
        ])
        .send()
        .await
        .unwrap();
    let callback = decided.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let page = http.get(&callback).send().await.unwrap().text().await.unwrap();
    let marker = "wevion:tiktok:authorized:";
    let at = page.find(marker).expect("the callback authorized") + marker.len();
    page[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

/// **Import selected** of `advertisers` from `grant`; returns the connection id.
pub async fn import(base: &str, http: &Client, grant: i64, advertisers: &[&str]) -> i64 {
    let imported: serde_json::Value = http
        .post(format!("{base}/api/tiktok/import"))
        .json(&serde_json::json!({"source": {"Grant": grant}, "advertiser_ids": advertisers}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    imported["connection_id"].as_i64().unwrap_or_else(|| panic!("imported: {imported}"))
}

/// What a load run measured.
pub struct Stats {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
}

impl Stats {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// `clients` concurrent clients, each on its own kept-alive connection, GET `path` for `run`.
pub async fn load(base: &str, path: &str, cookie: Option<&str>, clients: usize, run: Duration) -> Stats {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let url = format!("{base}{path}");
            let cookie = cookie.map(str::to_owned);
            tokio::spawn(async move {
                let http = Client::builder().redirect(Policy::none()).pool_max_idle_per_host(1).build().unwrap();
                let (mut times, mut errors) = (Vec::new(), 0usize);
                while started.elapsed() < run {
                    let mut request = http.get(&url);
                    if let Some(c) = &cookie {
                        request = request.header(header::COOKIE, c);
                    }
                    let t = Instant::now();
                    match request.send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            times.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (times, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (times, e) = task.await.unwrap();
        all.extend(times);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    Stats { requests: all.len(), errors, elapsed, p50: pick(0.50), p99: pick(0.99) }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
