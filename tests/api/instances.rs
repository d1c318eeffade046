//! Several instances on one Postgres database against one TikTok (the first instance's sandbox,
//! reached by the others through TIKTOK_* settings, as a real deployment reaches TikTok). SQLite
//! is single-instance by design: these tests need `TEST_DATABASE_URL`, so they are ignored in the
//! SQLite pass and run with `--include-ignored` in the Postgres pass of scripts/test.sh.

use crate::helpers::{spawn_app_with, wait_until, TestApp, TestDb};
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wevion::{
    db::entities::sync_run::{self, RunStatus},
    roles::Role,
    sync::Outcome,
};

pub(crate) const KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/// Fails a test that needs Postgres when it was run without it: it must not pass unseen.
pub(crate) fn require_postgres() {
    let on_postgres = std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"));
    assert!(
        on_postgres,
        "this test needs Postgres: set TEST_DATABASE_URL=postgres://… (it is ignored without --include-ignored)"
    );
}

/// The settings of another instance joining `first`: its TikTok (the sandbox `first` hosts),
/// its token key and its public address.
pub(crate) fn joining_vars(first: &TestApp, instance_id: &str) -> Vec<(String, String)> {
    let tiktok = &first.state.settings.tiktok;
    [
        ("TIKTOK_ADVERTISER_PATH_QPS", "1000".to_owned()),
        ("TIKTOK_TOKEN_KEY", KEY.to_owned()),
        ("TIKTOK_APP_ID", tiktok.app_id.clone()),
        ("TIKTOK_APP_SECRET", tiktok.app_secret.expose_secret().to_owned()),
        ("TIKTOK_AUTH_URL", first.sandbox_url("portal/auth")),
        ("TIKTOK_API_BASE_URL", first.sandbox_url("open_api/v1.3/")),
        ("TIKTOK_REDIRECT_URI", first.state.redirect_uri.to_string()),
        // Behind one load balancer every instance answers at the same public address.
        ("APP_PUBLIC_URL", first.base.clone()),
        ("INSTANCE_ID", instance_id.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Instances sharing one database; the first hosts the sandbox and the signed-in manager.
pub(crate) struct Fleet {
    pub apps: Vec<TestApp>,
    pub db: TestDb,
}

impl Fleet {
    /// `n` instances with `TIKTOK_QPS` = the sandbox's app limit = `qps`; Postgres only.
    pub async fn start(n: usize, qps: u32, extra: &[(&str, &str)]) -> Self {
        require_postgres();
        let db = TestDb::fresh().await;
        let qps = qps.to_string();
        let mut vars = vec![
            ("SANDBOX_APP_QPS", qps.as_str()),
            ("TIKTOK_QPS", qps.as_str()),
            ("SANDBOX_ADVERTISER_PATH_QPS", "1000"),
            ("TIKTOK_ADVERTISER_PATH_QPS", "1000"),
            ("TIKTOK_TOKEN_KEY", KEY),
            ("INSTANCE_ID", "instance-1"),
        ];
        vars.extend_from_slice(extra);
        let first = spawn_app_with(&db, &vars).await;
        first.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
        let mut apps = vec![first];
        for i in 2..=n {
            let mut joining = joining_vars(&apps[0], &format!("instance-{i}"));
            joining.push(("TIKTOK_QPS".into(), qps.clone()));
            let mut vars: Vec<(&str, &str)> = joining.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            vars.extend_from_slice(extra);
            apps.push(spawn_app_with(&db, &vars).await);
        }
        Self { apps, db }
    }

    pub fn first(&self) -> &TestApp {
        &self.apps[0]
    }

    /// New Business users at the sandbox, `per_user` advertisers each, connected and imported.
    async fn import(&self, users: usize, per_user: usize) -> usize {
        let first = self.first();
        for u in 0..users {
            let user: Value = first
                .sandbox_control("users", json!({"display_name": format!("Team {u}")}))
                .await
                .json()
                .await
                .unwrap();
            let user_id = user["user_id"].as_str().unwrap().to_owned();
            let mut ids = Vec::new();
            for a in 0..per_user {
                let body = json!({"user_id": user_id, "name": format!("Brand {u}-{a}")});
                let added: Value = first.sandbox_control("advertisers", body).await.json().await.unwrap();
                ids.push(added["advertiser_id"].as_str().unwrap().to_owned());
            }
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            first.connect_and_import(&user_id, &ids).await;
        }
        users * per_user
    }

    /// Every instance beats twice, so each knows how many share the budget.
    async fn beat(&self) {
        for _ in 0..2 {
            for app in &self.apps {
                app.state.sync.beat().await.unwrap();
            }
        }
    }

    /// One time for every instance (each test app has its own clock).
    fn align_clocks(&self) {
        let now = self.first().clock_now();
        self.apps.iter().for_each(|app| app.clock.set(now));
    }

    fn advance(&self, by: Duration) {
        self.apps.iter().for_each(|app| app.clock.advance(by));
    }

    /// Each instance runs two workers until nothing is due; returns the runs each one finished.
    async fn sync_everything(&self) -> Vec<usize> {
        let mut workers = tokio::task::JoinSet::new();
        for (i, app) in self.apps.iter().enumerate() {
            for _ in 0..2 {
                let engine = app.state.sync.clone();
                workers.spawn(async move {
                    let mut finished = 0;
                    for _ in 0..100 {
                        match engine.sync_next().await.expect("sync_next") {
                            Outcome::Idle => return (i, finished),
                            Outcome::Finished { succeeded: true, .. } => finished += 1,
                            other => panic!("instance {i}: {other:?}"),
                        }
                    }
                    panic!("instance {i}: the queue never emptied");
                });
            }
        }
        let mut per_instance = vec![0; self.apps.len()];
        while let Some(done) = workers.join_next().await {
            let (i, finished) = done.unwrap();
            per_instance[i] += finished;
        }
        per_instance
    }

    async fn runs_per_account(&self) -> BTreeMap<i32, Vec<sync_run::Model>> {
        let mut per_account: BTreeMap<i32, Vec<sync_run::Model>> = BTreeMap::new();
        for run in sync_run::Entity::find().all(&self.first().state.db).await.unwrap() {
            per_account.entry(run.ad_account_id).or_default().push(run);
        }
        per_account
    }
}

async fn share_one_budget_and_sync_each_account_once_per_cycle(instances: usize) {
    let qps = 20;
    let fleet = Fleet::start(instances, qps, &[]).await;
    let accounts = fleet.import(2, 3).await;
    fleet.beat().await;
    for app in &fleet.apps {
        assert_eq!(app.state.tiktok.budget_per_second(), qps / instances as u32, "each keeps to its share");
    }

    for cycle in 1..=2 {
        let finished = fleet.sync_everything().await;
        assert_eq!(finished.iter().sum::<usize>(), accounts, "cycle {cycle}: one run per account: {finished:?}");
        assert!(finished.iter().all(|n| *n > 0), "cycle {cycle}: every instance took part: {finished:?}");
        let runs = fleet.runs_per_account().await;
        assert_eq!(runs.len(), accounts);
        for (account, runs) in &runs {
            assert_eq!(runs.len(), cycle, "account {account} synced once per cycle");
            assert!(runs.iter().all(|r| r.status == RunStatus::Succeeded && r.attempt == 1), "{runs:?}");
        }
        let sandbox = fleet.first().sandbox_counts().await;
        assert_eq!(sandbox["rate_limited"], 0, "together they never went over TikTok's limit: {sandbox}");
        assert_eq!(sandbox["counts"]["campaign/get/"], (accounts * cycle) as u64, "one read per account per cycle");
        // Calendar seconds may catch the end of one second's budget and the start of the next's
        // together; instances that did not share would send three budgets (60) a second.
        assert!(sandbox["busiest_second"].as_u64().unwrap() <= u64::from(qps) * 2, "{sandbox}");
        fleet.advance(Duration::minutes(16));
        // A jump of the clock makes every beat look old: each instance would take the whole
        // budget at its next beat until it saw the others' again. Real clocks do not jump.
        fleet.beat().await;
    }
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn two_instances_share_one_tiktok_budget_and_sync_each_account_exactly_once_per_cycle() {
    share_one_budget_and_sync_each_account_once_per_cycle(2).await;
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn three_instances_share_one_tiktok_budget_and_sync_each_account_exactly_once_per_cycle() {
    share_one_budget_and_sync_each_account_once_per_cycle(3).await;
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn tiktoks_app_rate_limit_met_by_one_instance_pauses_the_others_at_their_next_beat() {
    let fleet = Fleet::start(2, 20, &[("TIKTOK_RETRY_DELAY", "3s")]).await;
    fleet.import(1, 1).await;
    let (first, second) = (&fleet.apps[0], &fleet.apps[1]);
    first.sandbox_control("faults", json!({"path": "campaign/get/", "code": 40100})).await;
    fleet.align_clocks();
    let engine = first.state.sync.clone();
    let run = tokio::spawn(async move { engine.sync_next().await });
    let met = "the first instance to meet the 40100 and pause";
    wait_until(met, std::time::Duration::from_secs(30), || async { first.state.tiktok.paused_until() }).await;
    assert_eq!(second.state.tiktok.paused_until(), None);
    fleet.beat().await;
    let paused = second.state.tiktok.paused_until().expect("the other instance pauses too");
    let own = first.state.tiktok.paused_until().unwrap();
    assert!((paused - own).num_milliseconds().abs() < 500, "as long: {paused} vs {own}");
    assert!(matches!(run.await.unwrap().unwrap(), Outcome::Finished { succeeded: true, .. }));
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn the_connect_flow_works_when_each_request_reaches_another_instance() {
    let fleet = Fleet::start(3, 1000, &[]).await;
    let (a, b, c) = (&fleet.apps[0], &fleet.apps[1], &fleet.apps[2]);
    // One browser (its cookies) behind a load balancer that sends each request elsewhere.
    let browser = &a.client;
    let start = browser.get(format!("{}/connect/tiktok/start", b.base)).send().await.unwrap();
    assert_eq!(start.status(), 303);
    let portal = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let state = portal.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let callback = url::Url::parse(&a.authorize_at_portal(wevion::sandbox::BUSINESS_USER, &state).await).unwrap();
    let mut on_c = url::Url::parse(&c.base).unwrap();
    on_c.set_path(callback.path());
    on_c.set_query(callback.query());
    let page = browser.get(on_c).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let grant = crate::helpers::grant_in_callback_page(&page.text().await.unwrap());

    let picker = browser
        .post(format!("{}/api/tiktok/picker", a.base))
        .header("accept", "application/json")
        .json(&json!({"source": {"Grant": grant}}))
        .send()
        .await
        .unwrap();
    assert_eq!(picker.status(), 200);
    let listed: Value = picker.json().await.unwrap();
    assert_eq!(listed["advertisers"].as_array().unwrap().len(), 3, "{listed}");
    let imported = browser
        .post(format!("{}/api/tiktok/import", b.base))
        .header("accept", "application/json")
        .json(&json!({"source": {"Grant": grant}, "advertiser_ids": ["7000000000000000001"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let cards = a.connections().await;
    assert_eq!(cards[0]["accounts"].as_array().unwrap().len(), 1, "{cards}");
    let queued =
        sync_run::Entity::find().filter(sync_run::Column::Status.eq(RunStatus::Queued)).all(&c.state.db).await.unwrap();
    assert_eq!(queued.len(), 1, "the first sync is queued for whichever instance is free");
}
