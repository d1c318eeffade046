//! Spawns the real app on port 0 against a fresh database: a SQLite file in a temp folder,
//! or, when `TEST_DATABASE_URL` names a Postgres server, a new database on it per test.
//! Long: the one harness every integration test uses (app, database, member, sandbox, waits).

pub use crate::binary::Binary;
use leptos::config::LeptosOptions;
use reqwest::{header, redirect::Policy, Client, Response};
use std::collections::HashMap;
use wevion::{
    auth::accounts,
    clock::ManualClock,
    roles::Role,
    server::{AppState, Application},
    settings::Settings,
};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn fresh() -> Self {
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) {
            Some(server) => {
                let name = format!("wevion_t_{}", uuid::Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(&server).await.expect("connect to TEST_DATABASE_URL");
                use sea_orm::ConnectionTrait;
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin.close().await.ok();
                let mut url = url::Url::parse(&server).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                Self { url: url.to_string(), _dir: None }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Self { url, _dir: Some(dir) }
            }
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    /// The clock the app and its sandbox read: moves only when a test moves it.
    pub clock: Arc<ManualClock>,
    /// Keeps cookies, never follows redirects (tests look at them), and says it comes from the
    /// app's own pages (`Origin`), as a browser on them would.
    pub client: Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// Stops the server and waits until it is gone (and its SQLite lock with it), for a restart.
    pub async fn shut_down(mut self) {
        self.server.abort();
        let _ = (&mut self.server).await;
    }
}

/// Settings for a test app: the given database, no background sync (tests drive
/// `SyncEngine::sync_next` themselves unless they set `SYNC_CONCURRENCY`), quick retries.
pub fn settings_for(db: &TestDb, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".to_string(), db.url.clone()),
        ("SYNC_CONCURRENCY".to_string(), "0".to_string()),
        ("TIKTOK_RETRY_DELAY".to_string(), "20ms".to_string()),
    ]);
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let leptos = LeptosOptions::builder().output_name("wevion").site_root("target/site").build();
    Settings::from_lookup(|k| vars.get(k).cloned(), leptos).expect("test settings are valid")
}

/// Where every test's clock starts: 09:00 UTC today, whatever the hour the test runs. The
/// sandbox's advertisers' midnights fall at 00:00 (GMT), 04:00–05:00 (New York), 07:00–08:00
/// (Los Angeles), 15:00 (Tokyo) and 22:00–23:00 (Berlin) UTC, so a test letting up to 6 hours
/// pass starts no new day anywhere; one that lets more pass means to.
pub fn test_morning() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now().date_naive().and_hms_opt(9, 0, 0).expect("09:00 exists").and_utc()
}

/// A listener on a free port of 127.0.0.1, for tests that must know the port before start-up.
pub async fn free_listener() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port")
}

pub async fn spawn_app(db: &TestDb) -> TestApp {
    spawn_app_with(db, &[]).await
}

pub async fn spawn_app_with(db: &TestDb, extra: &[(&str, &str)]) -> TestApp {
    spawn_app_on(db, extra, free_listener().await).await
}

pub async fn spawn_app_on(db: &TestDb, extra: &[(&str, &str)], listener: tokio::net::TcpListener) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        wevion::telemetry::init();
    }
    let clock = Arc::new(ManualClock::new(test_morning()));
    let app = Application::build_on(settings_for(db, extra), listener, clock.clone()).await.expect("app builds");
    let base = format!("http://{}", app.addr());
    let state = app.state().clone();
    let server = tokio::spawn(async move {
        app.run_until_stopped().await.expect("server runs");
    });
    TestApp { client: client_for(&base), base, state, clock, server }
}

/// A bare client: no cookies from before, no `Origin`.
pub fn client() -> Client {
    Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client builds")
}

/// A client on the app's own pages: it keeps cookies and sends the app's `Origin`.
pub fn client_for(base: &str) -> Client {
    let mut headers = header::HeaderMap::new();
    headers.insert(header::ORIGIN, header::HeaderValue::from_str(base).expect("an origin"));
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .default_headers(headers)
        .build()
        .expect("client builds")
}

impl TestApp {
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use wevion::clock::Clock;
        self.clock.now()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Calls a server function the way the hydrated page does (JSON answers, not redirects).
    pub async fn server_fn(&self, name: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(&format!("/api/{name}")))
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .expect("server fn call")
    }

    pub async fn add_user(&self, workspace: &str, email: &str, role: Role) {
        accounts::add_user(&self.state.db, workspace, email, role, PASSWORD).await.expect("add user");
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.server_fn("login", &[("email", email), ("password", password)]).await
    }

    /// Adds a member and signs this app's client in as them.
    pub async fn signed_in_as(&self, workspace: &str, email: &str, role: Role) {
        self.add_user(workspace, email, role).await;
        let response = self.sign_in(email, PASSWORD).await;
        assert!(
            response.status().is_success() || response.status().is_redirection(),
            "sign-in failed: {}",
            response.status()
        );
    }
}

/// Decodes a server function's error body.
pub async fn app_error(response: Response) -> wevion::error::AppError {
    let body = response.text().await.expect("body");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not an AppError ({e}): {body}"))
}

// ---- TikTok sandbox helpers ---------------------------------------------------------------------

use secrecy::SecretString;
use std::{sync::Arc, time::Duration};
use wevion::{
    clock::SystemClock,
    tiktok::{ClientConfig, RetryPolicy, TikTokClient},
};

/// Sandbox settings for tests: a generous QPS so only the tests about limits meet them.
pub const FAST_SANDBOX: &[(&str, &str)] = &[("SANDBOX_APP_QPS", "1000"), ("SANDBOX_ADVERTISER_PATH_QPS", "1000")];

impl TestApp {
    pub fn sandbox_url(&self, path: &str) -> String {
        format!("{}/sandbox/tiktok/{}", self.base, path.trim_start_matches('/'))
    }

    /// Walks the sandbox portal as `user_id` and returns the auth code it redirects with.
    pub async fn portal_auth_code(&self, user_id: &str) -> String {
        let location = self.portal_decision(user_id, "authorize", "test-state").await;
        let url = url::Url::parse(&location).expect("redirect is a URL");
        let pairs: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs.get("state").map(String::as_str), Some("test-state"));
        assert_eq!(pairs.get("auth_code"), pairs.get("code"), "both names carry the code");
        pairs["auth_code"].clone()
    }

    /// Posts the portal form and returns where it redirects.
    pub async fn portal_decision(&self, user_id: &str, decision: &str, state: &str) -> String {
        let response = client()
            .post(self.sandbox_url("portal/auth"))
            .form(&[
                ("app_id", self.state.settings.tiktok.app_id.as_str()),
                ("redirect_uri", self.state.redirect_uri.as_str()),
                ("state", state),
                ("user_id", user_id),
                ("decision", decision),
            ])
            .send()
            .await
            .expect("portal answers");
        assert!(response.status().is_redirection(), "portal said {}", response.status());
        response.headers()[header::LOCATION].to_str().unwrap().to_string()
    }

    /// A client for this app's sandbox with quick retries.
    pub fn tiktok_client(&self, qps: u32, max_retries: usize) -> TikTokClient {
        let settings = &self.state.settings.tiktok;
        TikTokClient::new(
            ClientConfig {
                api_base_url: url::Url::parse(&self.sandbox_url("open_api/v1.3/")).unwrap(),
                auth_url: url::Url::parse(&self.sandbox_url("portal/auth")).unwrap(),
                app_id: settings.app_id.clone(),
                app_secret: settings.app_secret.clone(),
                qps,
                advertiser_path_qps: qps,
                timeout: Duration::from_secs(5),
                retry: RetryPolicy {
                    max_retries,
                    min_delay: Duration::from_millis(5),
                    max_delay: Duration::from_millis(50),
                },
            },
            Arc::new(SystemClock),
        )
        .expect("client builds")
    }

    /// A fresh token for a sandbox user, straight from the portal and the token endpoint.
    pub async fn sandbox_token(&self, user_id: &str) -> SecretString {
        let code = self.portal_auth_code(user_id).await;
        let grant = self.tiktok_client(1000, 0).exchange_code(&SecretString::from(code)).await.expect("exchange");
        grant.access_token
    }

    pub async fn sandbox_control(&self, path: &str, body: serde_json::Value) -> Response {
        client().post(self.sandbox_url(&format!("control/{path}"))).json(&body).send().await.expect("control answers")
    }

    pub async fn sandbox_counts(&self) -> serde_json::Value {
        client().get(self.sandbox_url("control/counts")).send().await.unwrap().json().await.unwrap()
    }
}

// ---- connect flow helpers -----------------------------------------------------------------------

/// Settings for connect-flow tests: fast sandbox, one quick retry.
pub const CONNECT: &[(&str, &str)] =
    &[("SANDBOX_APP_QPS", "1000"), ("SANDBOX_ADVERTISER_PATH_QPS", "1000"), ("TIKTOK_MAX_RETRIES", "0")];

impl TestApp {
    /// `GET /connect/tiktok/start…` as the signed-in member; returns the portal URL's state.
    pub async fn start_connect(&self, query: &str) -> String {
        let response = self.get(&format!("/connect/tiktok/start{query}")).await;
        assert_eq!(response.status(), 303, "start answered {}", response.status());
        let portal = url::Url::parse(response.headers()[header::LOCATION].to_str().unwrap()).unwrap();
        let pairs: HashMap<String, String> = portal.query_pairs().into_owned().collect();
        assert_eq!(pairs.len(), 3, "exactly app_id, redirect_uri and state: {portal}");
        pairs["state"].clone()
    }

    /// The callback URL the portal sends the browser to after `decision`.
    pub async fn authorize_at_portal(&self, tiktok_user: &str, state: &str) -> String {
        self.portal_decision(tiktok_user, "authorize", state).await
    }

    /// Follows the callback URL with this member's session.
    pub async fn callback(&self, callback_url: &str) -> (u16, String) {
        let response = self.client.get(callback_url).send().await.expect("callback answers");
        let cache = response.headers().get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(cache.as_deref(), Some("no-store"), "the callback's address carries the auth code");
        let status = response.status().as_u16();
        let location = response.headers().get(header::LOCATION).map(|l| l.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        (status, location.unwrap_or(body))
    }

    /// The whole popup round trip; returns the pending grant id the page will pick from.
    pub async fn connect_tiktok_user(&self, tiktok_user: &str) -> i32 {
        let state = self.start_connect("").await;
        let callback = self.authorize_at_portal(tiktok_user, &state).await;
        let (status, body) = self.callback(&callback).await;
        assert_eq!(status, 200, "{body}");
        grant_in_callback_page(&body)
    }

    pub async fn json_fn(&self, name: &str, body: serde_json::Value) -> Response {
        self.client
            .post(self.url(&format!("/api/{name}")))
            .header(header::ACCEPT, "application/json")
            .json(&body)
            .send()
            .await
            .expect("server fn call")
    }

    pub async fn picker(&self, source: serde_json::Value) -> Response {
        self.json_fn("tiktok/picker", serde_json::json!({ "source": source })).await
    }

    pub async fn import(&self, source: serde_json::Value, ids: &[&str]) -> Response {
        self.json_fn("tiktok/import", serde_json::json!({ "source": source, "advertiser_ids": ids })).await
    }

    /// Connects a TikTok user and imports the given advertisers; returns the connection id.
    pub async fn connect_and_import(&self, tiktok_user: &str, ids: &[&str]) -> i32 {
        let grant = self.connect_tiktok_user(tiktok_user).await;
        let response = self.import(serde_json::json!({ "Grant": grant }), ids).await;
        assert_eq!(response.status(), 200);
        response.json::<serde_json::Value>().await.unwrap()["connection_id"].as_i64().unwrap() as i32
    }

    pub async fn connections(&self) -> serde_json::Value {
        let response = self.server_fn("tiktok/connections", &[]).await;
        assert_eq!(response.status(), 200);
        response.json::<serde_json::Value>().await.unwrap()["connections"].clone()
    }

    /// A second member of a workspace, with their own cookie jar.
    pub async fn second_member(&self, workspace: &str, email: &str, role: Role) -> TestApp {
        let other = TestApp {
            base: self.base.clone(),
            state: self.state.clone(),
            clock: self.clock.clone(),
            client: client_for(&self.base),
            server: tokio::spawn(async {}),
        };
        other.signed_in_as(workspace, email, role).await;
        other
    }
}

/// The grant id a successful callback page tells its opener about.
pub fn grant_in_callback_page(body: &str) -> i32 {
    let marker = "wevion:tiktok:authorized:";
    let start = body.find(marker).expect("the page tells the opener") + marker.len();
    body[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("a grant id")
}

/// How often [`wait_until`] looks again.
const POLL: Duration = Duration::from_millis(10);

/// The one way a test waits for what another task or process does: asks `check` every few
/// milliseconds until it answers `Some`, and fails the test after `limit`, naming `what`.
pub async fn wait_until<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    let timed_out = || -> ! { panic!("timed out after {}s waiting for {what}", limit.as_secs_f64()) };
    loop {
        // A check that hangs (a query, a request) counts against the limit too.
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), check()).await {
            Ok(Some(found)) => return found,
            Ok(None) if started.elapsed() < limit => tokio::time::sleep(POLL).await,
            _ => timed_out(),
        }
    }
}

impl TestApp {
    /// Every request the sandbox's Marketing API has counted so far.
    pub async fn sandbox_requests(&self) -> u64 {
        let counts = self.sandbox_counts().await;
        counts["counts"].as_object().expect("counts per path").values().filter_map(serde_json::Value::as_u64).sum()
    }

    /// Starts `work` (a sync call) on its own task and returns once it has a call at the
    /// sandbox, which answers after the latency the test set: the run is claimed and mid-page.
    pub async fn in_flight<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        let before = self.sandbox_requests().await;
        let task = tokio::spawn(work);
        let at_tiktok = || async { (self.sandbox_requests().await > before).then_some(()) };
        wait_until("the run's next call to reach the sandbox", Duration::from_secs(30), at_tiktok).await;
        task
    }
}

/// What a connection's card JSON says, read the way the page reads it.
pub mod card {
    use serde_json::Value;

    /// The yellow Reconnect card.
    pub fn needs_reconnect(card: &Value) -> bool {
        card["auth"].get("Reconnect").is_some()
    }

    /// TikTok's latest rejection of the token, on a Reconnect card.
    pub fn auth_error(card: &Value) -> Option<&str> {
        card["auth"]["Reconnect"]["evidence"]["text"].as_str()
    }

    /// A refresh problem that does not need Reconnect (yet), on a Connected card.
    pub fn auth_warning(card: &Value) -> Option<&str> {
        card["auth"]["Connected"]["warning"]["text"].as_str()
    }

    /// An account row's wait for TikTok (its rate limit or an outage).
    pub fn waiting(account: &Value) -> Option<&str> {
        account["run"]["notice"]["Waiting"].as_str()
    }

    /// An account row's Sync stuck notice.
    pub fn stuck(account: &Value) -> bool {
        account["run"]["notice"] == "Stuck"
    }
}
