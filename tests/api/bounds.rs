//! What stays bounded however long the app runs and whoever calls it: finished sync runs are
//! pruned and the claim keeps to an index; sign-in budgets are shared by every instance and an
//! IPv6 client cannot escape its by changing addresses within its /64.

use crate::{
    helpers::{app_error, spawn_app, spawn_app_with, TestDb},
    instances::require_postgres,
    sync::{account, app_with, drain, US},
};
use chrono::Duration;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter};
use std::net::IpAddr;
use wevion::{
    auth::login_limit::{LoginLimiter, Quota},
    db::entities::sync_run::{self, RunStatus, RunTrigger},
    error::ErrorCode,
    roles::Role,
    sandbox::BUSINESS_USER,
    sync::KEEP_RUNS,
};

/// `n` finished runs of the account, queued long ago, the newest last.
async fn add_finished_runs(db: &impl ConnectionTrait, account_id: i32, n: u32, at: chrono::DateTime<chrono::Utc>) {
    let rows: Vec<sync_run::ActiveModel> = (0..n)
        .map(|i| sync_run::ActiveModel {
            ad_account_id: Set(account_id),
            trigger: Set(RunTrigger::Scheduled),
            status: Set(if i % 3 == 0 { RunStatus::Failed } else { RunStatus::Succeeded }),
            queued_at: Set(at - Duration::minutes(i64::from(n - i) * 15)),
            finished_at: Set(Some(at - Duration::minutes(i64::from(n - i) * 15 - 1))),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        sync_run::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await.unwrap();
    }
}

async fn runs_of(app: &crate::helpers::TestApp, account_id: i32) -> u64 {
    sync_run::Entity::find().filter(sync_run::Column::AdAccountId.eq(account_id)).count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn finished_runs_past_each_accounts_last_hundred_are_pruned_and_the_card_reads_as_before() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let card_before = app.connections().await[0]["accounts"][0].clone();
    // Old runs pile up beside the first sync's (which stays the account's last run).
    add_finished_runs(&app.state.db, us.id, 250, app.clock_now() - Duration::days(3)).await;
    // A queued run is never pruned, however old.
    let queued = sync_run::ActiveModel {
        ad_account_id: Set(us.id),
        trigger: Set(RunTrigger::Scheduled),
        status: Set(RunStatus::Queued),
        queued_at: Set(app.clock_now() - Duration::days(30)),
        ..Default::default()
    };
    sync_run::Entity::insert(queued).exec(&app.state.db).await.unwrap();

    assert_eq!(app.state.sync.prune_runs().await.unwrap(), 150, "all but the newest {KEEP_RUNS} and the last");
    assert_eq!(runs_of(&app, us.id).await, u64::from(KEEP_RUNS) + 2, "the newest, the card's last and the queued one");
    let last = sync_run::Entity::find_by_id(us.last_run_id.unwrap()).one(&app.state.db).await.unwrap();
    assert!(last.is_some(), "the card's last run stays");
    let card = app.connections().await[0]["accounts"][0].clone();
    assert_eq!((&card["counts"], &card["sync_error"]), (&card_before["counts"], &card_before["sync_error"]), "{card}");

    drain(&app).await;
    assert_eq!(app.state.sync.prune_runs().await.unwrap(), 2, "the oldest kept and the one no longer last");
    assert_eq!(runs_of(&app, us.id).await, u64::from(KEEP_RUNS));
}

#[tokio::test]
async fn the_claim_reaches_its_runs_through_an_index_however_many_finished_runs_are_kept() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    add_finished_runs(&app.state.db, us.id, 20_000, app.clock_now()).await;
    if app.state.db.get_database_backend() == DbBackend::Postgres {
        app.state.db.execute_unprepared("ANALYZE sync_run").await.unwrap();
    }
    let plan = wevion::sync::explain_claim(&app.state.db, app.clock_now()).await.unwrap();
    println!("claim query plan ({:?}):\n{plan}", app.state.db.get_database_backend());
    // Postgres may as well take the partial index of active runs; either reads few rows.
    let whole_table = |line: &str| {
        line.contains("Seq Scan on sync_run")
            || ((line.contains("SCAN sync_run") || line.contains("SCAN TABLE sync_run")) && !line.contains("INDEX"))
    };
    assert!(!plan.lines().any(whole_table), "no whole-table scan:\n{plan}");
    assert!(plan.contains("sync_run_claim") || plan.contains("sync_run_one_active"), "an index:\n{plan}");
}

fn limiter(app: &crate::helpers::TestApp, email_burst: u32, ip_burst: u32) -> LoginLimiter {
    LoginLimiter::with_quotas(
        app.state.db.clone(),
        app.state.clock.clone(),
        Quota { burst: email_burst, per_minute: 1 },
        Quota { burst: ip_burst, per_minute: 1 },
    )
}

#[tokio::test]
async fn an_ipv6_client_has_one_budget_for_its_whole_64() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let limiter = limiter(&app, 100, 3);
    let within: Vec<IpAddr> =
        ["2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7:aaaa::3", "2001:db8:7:7:ffff:ffff:ffff:ffff"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
    let mut allowed = Vec::new();
    for (i, ip) in within.iter().enumerate() {
        allowed.push(limiter.check(&format!("user{i}@x.test"), Some(*ip)).await.unwrap());
    }
    assert_eq!(allowed, [true, true, true, false], "new addresses in the same /64 share its budget");
    let elsewhere: IpAddr = "2001:db8:7:8::1".parse().unwrap();
    assert!(limiter.check("other@x.test", Some(elsewhere)).await.unwrap(), "the next /64 has its own");
}

#[tokio::test]
async fn a_spent_sign_in_budget_refills_with_time_and_idle_budgets_are_forgotten() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let limiter = limiter(&app, 2, 100);
    assert!(limiter.check("ann@acme.test", None).await.unwrap());
    assert!(limiter.check("ann@acme.test", None).await.unwrap());
    assert!(!limiter.check("ann@acme.test", None).await.unwrap(), "the burst is spent");
    assert_eq!(limiter.forget_idle().await.unwrap(), 0, "a spent budget is remembered");
    app.clock.advance(Duration::seconds(61));
    assert!(limiter.check("ann@acme.test", None).await.unwrap(), "one more a minute later");
    app.clock.advance(Duration::minutes(3));
    // (The app's own housekeeping may have forgotten it first: what counts is that it is gone.)
    limiter.forget_idle().await.unwrap();
    let rows = wevion::db::entities::login_limit::Entity::find().count(&app.state.db).await.unwrap();
    assert_eq!(rows, 0, "a refilled budget needs no row");
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn every_instance_counts_the_same_sign_in_attempts() {
    require_postgres();
    let db = TestDb::fresh().await;
    let one = spawn_app_with(&db, &[("INSTANCE_ID", "one")]).await;
    let two = spawn_app_with(&db, &[("INSTANCE_ID", "two")]).await;
    two.clock.set(one.clock_now());
    one.add_user("Acme", "ann@acme.test", Role::Manager).await;
    let mut codes = Vec::new();
    for i in 0..12 {
        let app = if i % 2 == 0 { &one } else { &two };
        codes.push(app_error(app.sign_in("ann@acme.test", "guess guess").await).await.code);
    }
    assert_eq!(codes[..10], [ErrorCode::InvalidCredentials; 10], "ten tries in all, wherever they land");
    assert_eq!(codes[10..], [ErrorCode::RateLimited; 2]);
}

/// Business users with one advertiser each, connected and imported by the signed-in manager.
async fn connections(app: &crate::helpers::TestApp, n: usize) -> Vec<i32> {
    let mut ids = Vec::new();
    for u in 0..n {
        let user: serde_json::Value = app
            .sandbox_control("users", serde_json::json!({"display_name": format!("Team {u}")}))
            .await
            .json()
            .await
            .unwrap();
        let user_id = user["user_id"].as_str().unwrap().to_owned();
        let body = serde_json::json!({"user_id": user_id, "name": format!("Brand {u}")});
        let added: serde_json::Value = app.sandbox_control("advertisers", body).await.json().await.unwrap();
        ids.push(app.connect_and_import(&user_id, &[added["advertiser_id"].as_str().unwrap()]).await);
    }
    ids
}

async fn advertiser_lookups(app: &crate::helpers::TestApp) -> u64 {
    app.sandbox_counts().await["counts"]["oauth2/advertiser/get/"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_connection_whose_look_cannot_be_made_waits_its_interval_instead_of_holding_its_place() {
    use wevion::db::entities::tiktok_connection;
    let (_db, app) = app_with(&[]).await;
    let ids = connections(&app, 2).await;
    // The first one's token is under a key this instance does not have.
    tiktok_connection::Entity::update_many()
        .col_expr(tiktok_connection::Column::KeyId, sea_orm::sea_query::Expr::value("a-key-nobody-has"))
        .filter(tiktok_connection::Column::Id.eq(ids[0]))
        .exec(&app.state.db)
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(16));
    assert_eq!(app.state.sync.check_connections().await.unwrap(), 1, "the other one was looked at");
    let broken = tiktok_connection::Entity::find_by_id(ids[0]).one(&app.state.db).await.unwrap().unwrap();
    let at = broken.advertisers_checked_at.expect("its time moved on too");
    assert!((app.clock_now() - at).num_milliseconds().abs() < 1, "to now: {at}");
    assert_eq!(app.state.sync.check_connections().await.unwrap(), 0, "nothing is due until the next interval");
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn instances_share_the_connection_checks_and_each_connection_is_looked_at_once() {
    let fleet = crate::instances::Fleet::start(2, 1000, &[]).await;
    let (one, two) = (&fleet.apps[0], &fleet.apps[1]);
    connections(one, 6).await;
    let now = one.clock_now() + Duration::minutes(16);
    one.clock.set(now);
    two.clock.set(now);
    let before = advertiser_lookups(one).await;
    let (a, b) = tokio::join!(one.state.sync.check_connections(), two.state.sync.check_connections());
    assert_eq!(a.unwrap() + b.unwrap(), 6, "every connection looked at, by one instance or the other");
    assert_eq!(advertiser_lookups(one).await - before, 6, "none twice");
}
