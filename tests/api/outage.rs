//! Postgres going away mid-sync, through a TCP proxy the test cuts: the engine says so and
//! gives up its run, pages answer 503 with a clear message, and once the database is back the
//! run resumes where its last page left it and completes.

use crate::{
    helpers::{spawn_app_with, TestDb, CONNECT},
    instances::require_postgres,
    sync::{drain, last_run, pages_until, ADGROUPS, ADS, CAMPAIGNS, DAYS, US},
};
use sea_orm::{Database, EntityTrait, PaginatorTrait};
use serde_json::json;
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};
use tokio::{net::TcpListener, task::JoinSet};
use wevion::{
    db::entities::{sync_run::RunStatus, tiktok_ad_account, tiktok_campaign, tiktok_insight_daily},
    roles::Role,
    sandbox::BUSINESS_USER,
    sync::{Outcome, Step},
};

/// Forwards TCP to Postgres until cut: a cut drops every open connection and refuses new ones.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<std::sync::Mutex<JoinSet<()>>>,
}

impl Proxy {
    async fn to(target: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<std::sync::Mutex<JoinSet<()>>> = Arc::default();
        let (accepting, open) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused as good as closed
                }
                open.lock().unwrap().spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self { port, up, links }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.links.lock().unwrap().abort_all();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn postgres_going_away_mid_sync_gives_503_pages_and_the_run_resumes_and_completes_when_it_is_back() {
    require_postgres();
    let db = TestDb::fresh().await;
    let direct = Database::connect(&db.url).await.unwrap();
    let mut url = url::Url::parse(&db.url).unwrap();
    let target = (url.host_str().unwrap().to_owned(), url.port().unwrap_or(5432));
    let target = tokio::net::lookup_host(target).await.unwrap().next().unwrap();
    let proxy = Proxy::to(target).await;
    url.set_port(Some(proxy.port)).unwrap();
    let proxied = url.to_string();
    let mut vars = CONNECT.to_vec();
    vars.push(("DATABASE_URL", proxied.as_str()));
    let app = spawn_app_with(&db, &vars).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let account = tiktok_ad_account::Entity::find().one(&direct).await.unwrap().unwrap().id;
    // The database goes away while a page of the insights is at TikTok.
    let at_insights = pages_until(&app, |r| r.cursor.as_ref().is_some_and(|c| c.step == Step::Insights)).await;
    app.sandbox_control("latency", json!({"millis": 100})).await;
    let engine = app.state.sync.clone();
    let run = app.in_flight(async move { engine.sync_next().await }).await;
    proxy.cut();
    let failed = run.await.unwrap();
    assert!(failed.is_err(), "the engine says the database went away: {failed:?}");

    let page = app.get("/connect/tiktok").await;
    assert_eq!(page.status(), 503);
    assert!(page.text().await.unwrap().contains("cannot reach its database right now"));
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200, "the process itself is fine");
    assert!(app.state.sync.sync_next().await.is_err(), "still away: the engine backs off");

    proxy.restore();
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let resumed = last_run(&app, account).await;
    assert_eq!(resumed.id, at_insights.id);
    let attempt = at_insights.attempt + 2; // the one the database went away under, then this
    assert_eq!((resumed.status, resumed.attempt), (RunStatus::Succeeded, attempt), "the same run, resumed at once");
    assert_eq!(tiktok_campaign::Entity::find().count(&direct).await.unwrap(), CAMPAIGNS);
    assert_eq!(
        tiktok_insight_daily::Entity::find().count(&direct).await.unwrap(),
        (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS,
        "nothing duplicated or lost"
    );
    assert_eq!(app.get("/connect/tiktok").await.status(), 200);
}
