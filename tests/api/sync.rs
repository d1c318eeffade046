//! The sync engine against the built-in sandbox, driven one `sync_next` at a time.
//! Long: one test per behaviour of the engine, over the few helpers at the top.

use crate::helpers::{spawn_app_with, wait_until, TestApp, TestDb, CONNECT};
use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use wevion::{
    db::entities::{
        sync_instance,
        sync_run::{self, RunStatus, RunTrigger},
        tiktok_access_path, tiktok_ad, tiktok_ad_account, tiktok_adgroup, tiktok_audience, tiktok_campaign,
        tiktok_connection::{self, AuthStatus},
        tiktok_image, tiktok_insight_daily, tiktok_pixel, tiktok_pixel_event, tiktok_pixel_event_stat, tiktok_video,
    },
    roles::Role,
    sandbox::{BUSINESS_USER, SECOND_BUSINESS_USER},
    sync::{FailureKind, Outcome, Step},
};

pub(crate) const US: &str = "7000000000000000001";
pub(crate) const EU: &str = "7000000000000000002";
pub(crate) const JAPAN: &str = "7000000000000000004";

/// The sandbox's default sizes for Acme Shoes US (advertiser 1): 4 campaigns, 2 ad groups each,
/// 2 ads each, 8 images, 8 videos, 4 audiences, 2 pixels with 3 events each, 90 days.
pub(crate) const CAMPAIGNS: u64 = 4;
pub(crate) const ADGROUPS: u64 = 8;
pub(crate) const ADS: u64 = 16;
pub(crate) const DAYS: u64 = 90;

pub(crate) async fn app_with(vars: &[(&'static str, &'static str)]) -> (TestDb, TestApp) {
    let db = TestDb::fresh().await;
    let mut all = CONNECT.to_vec();
    all.extend_from_slice(vars);
    let app = spawn_app_with(&db, &all).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    (db, app)
}

/// Runs `sync_next` until nothing is due; returns what each call did.
pub(crate) async fn drain(app: &TestApp) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for _ in 0..50 {
        match app.state.sync.sync_next().await.expect("sync_next") {
            Outcome::Idle => return outcomes,
            other => outcomes.push(other),
        }
    }
    panic!("the queue never empties: {outcomes:?}");
}

pub(crate) async fn account(app: &TestApp, advertiser: &str) -> tiktok_ad_account::Model {
    tiktok_ad_account::Entity::find()
        .filter(tiktok_ad_account::Column::AdvertiserId.eq(advertiser))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn rows<E: EntityTrait>(app: &TestApp) -> u64
where
    E::Model: Sync,
{
    E::find().count(&app.state.db).await.unwrap()
}

pub(crate) async fn last_run(app: &TestApp, account_id: i32) -> sync_run::Model {
    let mut runs =
        sync_run::Entity::find().filter(sync_run::Column::AdAccountId.eq(account_id)).all(&app.state.db).await.unwrap();
    runs.sort_by_key(|r| r.id);
    runs.pop().unwrap()
}

/// Drives the next run one page at a time ([`wevion::sync::SyncEngine::sync_pages`]: each
/// page a claim and a hand-back) until `at` holds for it; returns it there, queued. No race
/// against TikTok's answer times: the run stops exactly where the test wants it.
pub(crate) async fn pages_until(app: &TestApp, at: impl Fn(&sync_run::Model) -> bool) -> sync_run::Model {
    for _ in 0..200 {
        let run_id = match app.state.sync.sync_pages(1).await.expect("sync_pages") {
            Outcome::Paused { run_id } => run_id,
            other => panic!("the run ended before it got there: {other:?}"),
        };
        let run = sync_run::Entity::find_by_id(run_id).one(&app.state.db).await.unwrap().expect("the run");
        if at(&run) {
            return run;
        }
    }
    panic!("no run got there within 200 pages");
}

/// The run is at `step`.
pub(crate) fn at_step(step: Step) -> impl Fn(&sync_run::Model) -> bool {
    move |run| run.cursor.as_ref().is_some_and(|c| c.step == step)
}

pub(crate) async fn counts(app: &TestApp) -> Value {
    app.sandbox_counts().await
}

/// Everything stored for an account, as plain numbers: row counts and summed metrics.
async fn snapshot(app: &TestApp) -> Vec<u64> {
    let insights = tiktok_insight_daily::Entity::find().all(&app.state.db).await.unwrap();
    let spend: i64 = insights.iter().filter_map(|r| r.spend_micros).sum();
    let clicks: i64 = insights.iter().filter_map(|r| r.clicks).sum();
    vec![
        rows::<tiktok_campaign::Entity>(app).await,
        rows::<tiktok_adgroup::Entity>(app).await,
        rows::<tiktok_ad::Entity>(app).await,
        rows::<tiktok_image::Entity>(app).await,
        rows::<tiktok_video::Entity>(app).await,
        rows::<tiktok_audience::Entity>(app).await,
        rows::<tiktok_pixel::Entity>(app).await,
        rows::<tiktok_pixel_event::Entity>(app).await,
        rows::<tiktok_pixel_event_stat::Entity>(app).await,
        insights.len() as u64,
        spend as u64,
        clicks as u64,
    ]
}

#[tokio::test]
async fn a_first_sync_brings_every_entity_and_90_days_of_insights() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let outcomes = drain(&app).await;
    let us = account(&app, US).await;
    assert_eq!(
        outcomes,
        vec![Outcome::Finished { run_id: last_run(&app, us.id).await.id, account_id: us.id, succeeded: true }]
    );

    assert_eq!(rows::<tiktok_campaign::Entity>(&app).await, CAMPAIGNS, "deleted campaigns too");
    assert_eq!(rows::<tiktok_adgroup::Entity>(&app).await, ADGROUPS);
    assert_eq!(rows::<tiktok_ad::Entity>(&app).await, ADS);
    assert_eq!(rows::<tiktok_image::Entity>(&app).await, 8);
    assert_eq!(rows::<tiktok_video::Entity>(&app).await, 8);
    assert_eq!(rows::<tiktok_audience::Entity>(&app).await, 4);
    assert_eq!(rows::<tiktok_pixel::Entity>(&app).await, 2);
    assert_eq!(rows::<tiktok_pixel_event::Entity>(&app).await, 6);
    assert_eq!(rows::<tiktok_pixel_event_stat::Entity>(&app).await, 6);
    assert_eq!(rows::<tiktok_insight_daily::Entity>(&app).await, (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS);

    let campaign = tiktok_campaign::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert!(campaign.name.is_some() && campaign.objective_type.is_some());
    let raw: Value = serde_json::from_str(&campaign.raw).unwrap();
    assert_eq!(raw["campaign_type"], "REGULAR_CAMPAIGN", "fields the product does not read are kept");
    assert!(
        tiktok_campaign::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .iter()
            .any(|c| c.operation_status.as_deref() == Some("DELETE"))
            || tiktok_adgroup::Entity::find()
                .all(&app.state.db)
                .await
                .unwrap()
                .iter()
                .any(|g| g.operation_status.as_deref() == Some("DELETE"))
            || tiktok_ad::Entity::find()
                .all(&app.state.db)
                .await
                .unwrap()
                .iter()
                .any(|a| a.operation_status.as_deref() == Some("DELETE")),
        "deleted entities are requested (STATUS_ALL) and kept"
    );

    let us = account(&app, US).await;
    assert!(us.last_synced_at.is_some() && us.next_sync_at.is_some());
    assert_eq!(us.display_timezone.as_deref(), Some("America/New_York"));
    let run = last_run(&app, us.id).await;
    assert_eq!((run.status, run.trigger), (RunStatus::Succeeded, RunTrigger::First));
    assert_eq!(run.counts().get(Step::Campaigns), Some(CAMPAIGNS));
    let check = run.data_check.expect("the data check ran");
    assert_eq!(check.mismatched_campaigns, 0);
    // Every page at its endpoint's maximum: one page per entity list, 12 report windows, today's
    // and yesterday's hours, 90 days by age and gender (three pages a window: 30 days × 4
    // campaigns × 18 buckets), platform and country in 30-day windows.
    assert_eq!(run.requests, 22 + 2 + 15, "{}", counts(&app).await);
}

#[tokio::test]
async fn a_second_sync_changes_nothing_tiktok_did_not_change() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let first = snapshot(&app).await;
    assert!(drain(&app).await.is_empty(), "nothing is due before the interval");
    app.clock.advance(Duration::minutes(16));
    let outcomes = drain(&app).await;
    assert_eq!(outcomes.len(), 1);
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!((run.trigger, run.status), (RunTrigger::Scheduled, RunStatus::Succeeded));
    assert_eq!(snapshot(&app).await, first);
    let gone = tiktok_campaign::Entity::find()
        .filter(tiktok_campaign::Column::GoneAt.is_not_null())
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(gone, 0);
    // A later sync reads a 7-day lookback plus the new days, not 90 days again.
    let insight_requests = counts(&app).await["counts"]["report/integrated/get/"].as_u64().unwrap();
    // Hours: today and yesterday, then today. Breakdowns: 90 days in three months each by age
    // and gender (three pages each), platform and country; not again within the hour.
    let (hours, breakdowns) = (2, 9 + 3 + 3);
    assert_eq!(
        insight_requests,
        12 + 1 + hours + breakdowns + 4 + 1 + 1,
        "first: 12 windows + check + hours + breakdowns; second: 4 levels × one window + check + today's hours"
    );
}

#[tokio::test]
async fn a_deleted_entity_keeps_its_row_with_a_deleted_status_and_a_vanished_one_is_marked_gone() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let campaigns = tiktok_campaign::Entity::find().all(&app.state.db).await.unwrap();
    let live: Vec<&tiktok_campaign::Model> =
        campaigns.iter().filter(|c| c.operation_status.as_deref() != Some("DELETE")).collect();
    let (deleted, vanished) = (live[0].campaign_id.clone(), live[1].campaign_id.clone());
    app.sandbox_control("entity", json!({"id": deleted, "change": "delete"})).await;
    app.sandbox_control("entity", json!({"id": vanished, "change": "remove"})).await;
    app.clock.advance(Duration::minutes(16));
    drain(&app).await;

    let row = |id: String| {
        let db = app.state.db.clone();
        async move {
            tiktok_campaign::Entity::find()
                .filter(tiktok_campaign::Column::CampaignId.eq(id))
                .one(&db)
                .await
                .unwrap()
                .expect("the row is kept")
        }
    };
    let deleted = row(deleted).await;
    assert_eq!(deleted.operation_status.as_deref(), Some("DELETE"));
    assert!(deleted.gone_at.is_none());
    let vanished = row(vanished).await;
    assert!(vanished.gone_at.is_some(), "no longer returned: marked gone, never deleted");
    assert_eq!(rows::<tiktok_campaign::Entity>(&app).await, CAMPAIGNS);
}

#[tokio::test]
async fn a_run_killed_between_pages_is_taken_over_and_resumed_with_the_same_final_rows() {
    let (_db, app) = app_with(&[("SYNC_LEASE", "60s")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let us = account(&app, US).await;
    // Between two report pages: then a worker takes it on and dies while TikTok answers.
    let between =
        pages_until(&app, |r| r.cursor.as_ref().is_some_and(|c| c.step == Step::Insights && c.insights_from.is_some()))
            .await;
    app.sandbox_control("latency", json!({"millis": 60_000})).await;
    let engine = app.state.sync.clone();
    let run = app.in_flight(async move { engine.sync_next().await }).await;
    run.abort(); // the instance dies: no clean-up, the lease stays taken
    let _ = run.await;
    app.sandbox_control("latency", json!({"millis": 0})).await;
    let before = counts(&app).await["counts"].clone();
    let stopped = last_run(&app, us.id).await;
    assert_eq!(stopped.status, RunStatus::Running);

    assert!(drain(&app).await.is_empty(), "the lease holds until it expires");
    app.clock.advance(Duration::seconds(61));
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let resumed = last_run(&app, us.id).await;
    assert_eq!(resumed.id, stopped.id, "the same run, resumed");
    assert_eq!((stopped.attempt, resumed.attempt), (between.attempt + 1, between.attempt + 2), "taken over once");
    let after = counts(&app).await["counts"].clone();
    assert_eq!(after["campaign/get/"], before["campaign/get/"], "steps already done were not read again");
    assert_eq!(
        rows::<tiktok_insight_daily::Entity>(&app).await,
        (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS,
        "nothing duplicated or lost"
    );
    assert_eq!(rows::<tiktok_campaign::Entity>(&app).await, CAMPAIGNS);
}

#[tokio::test]
async fn a_rate_limit_storm_waits_and_completes_within_the_budget() {
    let (_db, app) = app_with(&[("SANDBOX_APP_QPS", "10"), ("TIKTOK_QPS", "10"), ("TIKTOK_MAX_RETRIES", "6")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("faults", json!({"path": "campaign/get/", "code": 40100, "count": 3})).await;
    app.sandbox_control("faults", json!({"path": "report/integrated/get/", "code": 40133, "count": 2})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!(run.rate_limit_waits, 5, "every rate-limit answer is counted on the run");
    let sandbox = counts(&app).await;
    assert_eq!(sandbox["rate_limited"], 0, "the app never went over TikTok's own limit: {sandbox}");
    assert!(sandbox["busiest_second"].as_u64().unwrap() <= 15, "{sandbox}");
}

#[tokio::test]
async fn an_outage_past_the_retries_puts_the_run_back_with_its_place_kept_and_it_resumes_later() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("faults", json!({"path": "ad/get/", "code": 504, "count": 1})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Paused { .. }]), "{outcomes:?}");
    let us = account(&app, US).await;
    let deferred = last_run(&app, us.id).await;
    assert_eq!(deferred.status, RunStatus::Queued);
    assert_eq!(deferred.step, Some(Step::Ads), "its place is kept");
    assert!(deferred.retry_at.is_some());
    let card = &app.connections().await[0]["accounts"][0];
    assert!(crate::helpers::card::waiting(card).unwrap().contains("TikTok is not answering right now"), "{card}");
    let campaigns_read = counts(&app).await["counts"]["campaign/get/"].clone();

    assert!(drain(&app).await.is_empty(), "not before its time");
    app.clock.advance(Duration::minutes(3));
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    assert_eq!(last_run(&app, us.id).await.id, deferred.id, "the same run, resumed");
    assert_eq!(counts(&app).await["counts"]["campaign/get/"], campaigns_read, "steps done were not read again");
    assert_eq!(rows::<tiktok_ad::Entity>(&app).await, ADS);
}

#[tokio::test]
async fn a_permission_tiktok_did_not_grant_skips_that_step_and_the_others_complete() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    for path in ["file/image/ad/search/", "file/video/ad/search/"] {
        app.sandbox_control(
            "faults",
            json!({"path": path, "code": 40001, "count": 1, "message": format!("advertiser does not grant you /{path}:GET permission")}),
        )
        .await;
    }
    drain(&app).await;
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!(run.status, RunStatus::Succeeded);
    let errors = run.step_errors();
    let steps: Vec<Step> = errors.iter().map(|e| e.step).collect();
    assert_eq!(steps, [Step::Images, Step::Videos]);
    assert_eq!(errors[0].code, Some(40001));
    assert_eq!(rows::<tiktok_image::Entity>(&app).await, 0);
    assert_eq!(rows::<tiktok_ad::Entity>(&app).await, ADS);
    assert_eq!(rows::<tiktok_insight_daily::Entity>(&app).await, (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS);
    let card = &app.connections().await[0]["accounts"][0];
    assert!(card["gaps"][0].as_str().unwrap().contains("images"), "{card}");
}

#[tokio::test]
async fn a_lasting_error_on_a_minor_step_is_a_gap_and_the_daily_results_still_land() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // An endpoint this advertiser's type does not support, and a code the client does not know.
    app.sandbox_control(
        "faults",
        json!({"path": "dmp/custom_audience/list/", "code": 40002, "count": 1, "message": "Not supported for this advertiser"}),
    )
    .await;
    app.sandbox_control(
        "faults",
        json!({"path": "pixel/list/", "code": 47777, "count": 1, "message": "Something new"}),
    )
    .await;
    drain(&app).await;
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{:?}", run.error_message);
    let gaps: Vec<(Step, Option<i64>)> = run.step_errors().iter().map(|e| (e.step, e.code)).collect();
    assert_eq!(gaps, [(Step::Audiences, Some(40002)), (Step::Pixels, Some(47777))]);
    assert_eq!(rows::<tiktok_insight_daily::Entity>(&app).await, (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS);
    let card = &app.connections().await[0]["accounts"][0];
    assert_eq!(card["gaps"].as_array().unwrap().len(), 2, "{card}");
    assert!(card["sync_label"].as_str().unwrap().starts_with("Last synced"), "{card}");
}

#[tokio::test]
async fn the_daily_results_are_read_right_after_the_ads_before_creatives_and_audiences() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    pages_until(&app, at_step(Step::Images)).await;
    assert_eq!(rows::<tiktok_insight_daily::Entity>(&app).await, (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS);
    assert_eq!(rows::<tiktok_image::Entity>(&app).await, 0, "images come after");
}

#[tokio::test]
async fn a_lasting_error_on_a_core_step_fails_the_run_with_tiktoks_evidence() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("faults", json!({"path": "adgroup/get/", "code": 40002, "count": 1, "message": "Bad filter"}))
        .await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: false, .. }]), "{outcomes:?}");
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!(run.error_kind, Some(FailureKind::BadRequest));
    assert!(run.error_message.unwrap().contains("Bad filter"));
}

#[tokio::test]
async fn a_report_too_large_halves_its_window_and_completes() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("faults", json!({"path": "report/integrated/get/", "code": 40067, "count": 2})).await;
    drain(&app).await;
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!(run.status, RunStatus::Succeeded);
    assert!(run.step_errors.is_none(), "{:?}", run.step_errors);
    assert_eq!(rows::<tiktok_insight_daily::Entity>(&app).await, (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS);
    assert_eq!(run.requests, 22 + 2 + 15 + 2 + 2, "two refusals, and two windows read in halves");
}

#[tokio::test]
async fn tokens_with_short_lifetimes_are_refreshed_ahead_by_the_sync() {
    let (_db, app) = app_with(&[("SANDBOX_ACCESS_TOKEN_TTL", "20m"), ("SANDBOX_REFRESH_TOKEN_TTL", "2h")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    for round in 1..=3 {
        app.clock.advance(Duration::minutes(16));
        let outcomes = drain(&app).await;
        assert!(
            matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]),
            "round {round}: {outcomes:?}"
        );
    }
    let refreshes = counts(&app).await["counts"]["oauth2/refresh_token/"].as_u64().unwrap();
    assert!(refreshes >= 2, "the 20-minute token was refreshed ahead of expiry ({refreshes})");
    let connection = tiktok_connection::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(connection.auth_status, AuthStatus::Healthy);
}

#[tokio::test]
async fn long_term_tokens_sync_without_any_refresh_call() {
    let (_db, app) = app_with(&[("SANDBOX_TOKEN_MODE", "long_term")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    app.clock.advance(Duration::days(3));
    drain(&app).await;
    let sandbox = counts(&app).await;
    assert!(sandbox["counts"].get("oauth2/refresh_token/").is_none(), "{sandbox}");
    assert_eq!(last_run(&app, account(&app, US).await.id).await.status, RunStatus::Succeeded);
}

#[tokio::test]
async fn a_rejected_refresh_turns_the_card_to_reconnect_and_a_second_connection_keeps_the_shared_account_syncing() {
    let (_db, ann) = app_with(&[]).await;
    let avery = ann.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    let bob = ann.second_member("Acme", "bob@acme.test", Role::Manager).await;
    bob.connect_and_import(SECOND_BUSINESS_USER, &[EU]).await;
    drain(&ann).await;

    // Avery's authorization is revoked at TikTok: the token and its refresh both stop working.
    ann.sandbox_control("revoke", json!({ "user_id": BUSINESS_USER })).await;
    ann.clock.advance(Duration::minutes(16));
    drain(&ann).await;

    let avery_row = tiktok_connection::Entity::find_by_id(avery).one(&ann.state.db).await.unwrap().unwrap();
    assert_eq!(avery_row.auth_status, AuthStatus::NeedsReconnect);
    let us = account(&ann, US).await;
    let eu = account(&ann, EU).await;
    let us_run = last_run(&ann, us.id).await;
    assert_eq!(us_run.status, RunStatus::Failed, "nothing else reaches US");
    assert!(us_run.error_message.unwrap().contains("No connection with a working token"));
    assert_eq!(last_run(&ann, eu.id).await.status, RunStatus::Succeeded, "EU syncs through Bob's connection");
    let path = |account: i32| {
        let db = ann.state.db.clone();
        async move {
            tiktok_access_path::Entity::find()
                .filter(tiktok_access_path::Column::AdAccountId.eq(account))
                .all(&db)
                .await
                .unwrap()
        }
    };
    let us_path = &path(us.id).await[0];
    assert!(us_path.last_error.as_deref().unwrap().contains("40107"), "the failing path keeps TikTok's evidence");
    let eu_paths = path(eu.id).await;
    let bobs = eu_paths.iter().find(|p| p.connection_id != avery).unwrap();
    assert!(
        bobs.last_success_at.unwrap() > ann.clock_now() - Duration::minutes(1),
        "the last success went through Bob"
    );
    let cards = ann.connections().await;
    let avery_card = cards.as_array().unwrap().iter().find(|c| c["id"] == avery).unwrap();
    assert!(crate::helpers::card::needs_reconnect(avery_card));
}

#[tokio::test]
async fn a_new_advertiser_in_the_business_center_shows_as_available_and_imports_in_one_click() {
    let (_db, app) = app_with(&[]).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    assert_eq!(app.state.sync.check_connections().await.unwrap(), 1);
    assert_eq!(app.connections().await[0]["available"], json!([]), "the accounts left unticked are not news");

    let added: Value = app
        .sandbox_control(
            "advertisers",
            json!({"user_id": BUSINESS_USER, "name": "Acme Pop-up", "status": "STATUS_ENABLE"}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(16));
    app.state.sync.check_connections().await.unwrap();
    let card = &app.connections().await[0];
    assert_eq!(card["available"].as_array().unwrap().len(), 1, "{card}");
    assert_eq!(card["available"][0], "Acme Pop-up");
    assert!(
        tiktok_ad_account::Entity::find()
            .filter(tiktok_ad_account::Column::AdvertiserId.eq(added["advertiser_id"].as_str().unwrap()))
            .one(&app.state.db)
            .await
            .unwrap()
            .is_none(),
        "never imported silently"
    );

    let imported = app.json_fn("tiktok/import-available", json!({ "connection_id": id })).await;
    assert_eq!(imported.status(), 200);
    assert_eq!(imported.json::<Value>().await.unwrap()["imported"], 1);
    assert_eq!(app.connections().await[0]["available"], json!([]));
    assert_eq!(app.connections().await[0]["accounts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_advertiser_ahead_of_utc_gets_its_own_today() {
    let (_db, app) = app_with(&[]).await;
    // 20:00 UTC: already tomorrow in Tokyo.
    let evening = Utc::now().date_naive().and_hms_opt(20, 0, 0).unwrap();
    app.clock.set(Utc.from_utc_datetime(&evening));
    app.connect_and_import(SECOND_BUSINESS_USER, &[JAPAN]).await;
    drain(&app).await;
    let japan = account(&app, JAPAN).await;
    let tokyo_today = evening.date() + Duration::days(1);
    assert_eq!(japan.insights_through, Some(tokyo_today));
    let newest = tiktok_insight_daily::Entity::find()
        .filter(tiktok_insight_daily::Column::AdAccountId.eq(japan.id))
        .filter(tiktok_insight_daily::Column::Date.eq(tokyo_today))
        .count(&app.state.db)
        .await
        .unwrap();
    assert!(newest > 0, "Tokyo's today has its rows");
}

#[tokio::test]
async fn the_data_check_flags_a_difference_between_stored_days_and_tiktoks_total() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("daily-spend-drift", json!({"advertiser_id": US, "spend": 3.5})).await;
    drain(&app).await;
    let run = last_run(&app, account(&app, US).await.id).await;
    let check = run.data_check.expect("the data check ran");
    assert_eq!(check.mismatched_campaigns, 1);
    let m = &check.mismatches[0];
    assert_eq!(m.tiktok_spend_micros - m.stored_spend_micros, 3_500_000);
    let card = &app.connections().await[0]["accounts"][0];
    let line = card["data_check"].as_str().unwrap();
    assert!(line.starts_with("TikTok reports") && line.contains("USD spend for") && line.contains("we hold"), "{line}");
}

#[tokio::test]
async fn sync_now_queues_one_manual_run_and_is_a_no_op_while_one_is_queued() {
    let (_db, app) = app_with(&[]).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    drain(&app).await;
    let first: Value = app.json_fn("tiktok/sync-now", json!({ "connection_id": id })).await.json().await.unwrap();
    assert_eq!(first["queued"], 2);
    let again: Value = app.json_fn("tiktok/sync-now", json!({ "connection_id": id })).await.json().await.unwrap();
    assert_eq!(again["queued"], 0, "one queued or running run per account, kept by the database");
    let outcomes = drain(&app).await;
    assert_eq!(outcomes.len(), 2);
    let run = last_run(&app, account(&app, US).await.id).await;
    assert_eq!(run.trigger, RunTrigger::Manual);
    let mia = app.second_member("Acme", "mia@acme.test", Role::Mediabuyer).await;
    assert_eq!(mia.json_fn("tiktok/sync-now", json!({ "connection_id": id })).await.status(), 403);
}

#[tokio::test]
async fn a_run_without_progress_for_an_hour_is_stuck_and_retry_replaces_it() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let us = account(&app, US).await;
    // The run is claimed by an instance that then stops making progress (but keeps its lease).
    sync_run::Entity::update_many()
        .col_expr(sync_run::Column::Status, sea_orm::sea_query::Expr::value(RunStatus::Running))
        .col_expr(sync_run::Column::Holder, sea_orm::sea_query::Expr::value("elsewhere"))
        .col_expr(
            sync_run::Column::LeaseExpiresAt,
            sea_orm::sea_query::Expr::value(app.clock_now() + Duration::hours(3)),
        )
        .col_expr(sync_run::Column::LastProgressAt, sea_orm::sea_query::Expr::value(app.clock_now()))
        .filter(sync_run::Column::AdAccountId.eq(us.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(61));
    let card = &app.connections().await[0]["accounts"][0];
    assert!(crate::helpers::card::stuck(card), "{card}");
    let retried = app.json_fn("tiktok/retry-sync", json!({ "account_id": us.id })).await;
    assert_eq!(retried.status(), 200);
    let last_id = account(&app, US).await.last_run_id.expect("a last run");
    let stopped = sync_run::Entity::find_by_id(last_id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(
        (stopped.status, stopped.error_kind, stopped.holder),
        (RunStatus::Failed, Some(FailureKind::Stuck), None),
        "the stopped run is the account's last one"
    );
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let runs =
        sync_run::Entity::find().filter(sync_run::Column::AdAccountId.eq(us.id)).all(&app.state.db).await.unwrap();
    assert!(runs.iter().any(|r| r.status == RunStatus::Failed && r.error_kind == Some(FailureKind::Stuck)));
    assert!(!crate::helpers::card::stuck(&app.connections().await[0]["accounts"][0]));
}

#[tokio::test]
async fn retry_leaves_alone_a_queued_run_that_waits_out_tiktok() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let us = account(&app, US).await;
    let now = app.clock_now();
    sync_run::Entity::update_many()
        .col_expr(sync_run::Column::LastProgressAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(sync_run::Column::RetryAt, sea_orm::sea_query::Expr::value(now + Duration::hours(2)))
        .filter(sync_run::Column::AdAccountId.eq(us.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(61));
    let waiting = last_run(&app, us.id).await;
    assert_eq!(app.json_fn("tiktok/retry-sync", json!({ "account_id": us.id })).await.status(), 200);
    let after = last_run(&app, us.id).await;
    assert_eq!((after.id, after.status, after.error_kind), (waiting.id, RunStatus::Queued, None), "not ended as stuck");
}

#[tokio::test]
async fn stopping_the_engine_mid_run_writes_the_page_and_hands_the_run_back_to_resume() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let us = account(&app, US).await;
    let at_ad_groups = pages_until(&app, at_step(Step::AdGroups)).await;
    // Told to stop while a page of ad groups is at TikTok.
    app.sandbox_control("latency", json!({"millis": 200})).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let (engine, token) = (app.state.sync.clone(), stop.clone());
    let run = app.in_flight(async move { engine.sync_next_until(&token).await }).await;
    stop.cancel();
    let outcome = run.await.unwrap().unwrap();
    assert!(matches!(outcome, Outcome::Paused { .. }), "{outcome:?}");
    let paused = last_run(&app, us.id).await;
    assert_eq!((paused.status, paused.holder.clone()), (RunStatus::Queued, None));
    assert_eq!(paused.cursor.map(|c| c.step), Some(Step::AdGroups), "its place is kept");
    app.sandbox_control("latency", json!({"millis": 0})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]));
    assert_eq!(paused.id, at_ad_groups.id);
    assert_eq!(last_run(&app, us.id).await.id, paused.id, "the same run resumed");
    assert_eq!(counts(&app).await["counts"]["campaign/get/"], 1);
}

#[tokio::test]
async fn stopping_the_engine_while_tiktok_is_slow_hands_the_run_back_without_waiting_for_the_answer() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let us = account(&app, US).await;
    let info_calls = || async { counts(&app).await["counts"]["advertiser/info/"].as_u64().unwrap_or(0) };
    let before = info_calls().await;
    app.sandbox_control("latency", json!({"millis": 60_000})).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let (engine, token) = (app.state.sync.clone(), stop.clone());
    // Once the run's first call is at TikTok, which answers in a minute.
    let run = app.in_flight(async move { engine.sync_next_until(&token).await }).await;
    assert_eq!(info_calls().await, before + 1, "the run's first call is the one in flight");
    stop.cancel();
    let shutdown = "the hand-back, without TikTok's answer";
    wait_until(shutdown, std::time::Duration::from_secs(10), || async { run.is_finished().then_some(()) }).await;
    let outcome = run.await.unwrap().unwrap();
    assert!(matches!(outcome, Outcome::Paused { .. }), "{outcome:?}");
    let paused = last_run(&app, us.id).await;
    assert_eq!((paused.status, paused.holder.clone()), (RunStatus::Queued, None));
    app.sandbox_control("reset", json!({})).await;
}

/// Another instance on the same database, beating now, whose requests timed out `timeouts` times
/// in the last 10 s.
fn other_instance(app: &TestApp, timeouts: i32) -> sync_instance::ActiveModel {
    sync_instance::ActiveModel {
        instance_id: Set("other-host:42".into()),
        started_at: Set(app.clock_now()),
        heartbeat_at: Set(app.clock_now()),
        tiktok_paused_until: Set(None),
        // Like this test instance (which runs no engine loop of its own): one share each.
        budget_weight: Set(1),
        tiktok_timeouts: Set(timeouts),
    }
}

#[tokio::test]
async fn instances_on_one_database_split_the_tiktok_budget_and_a_dead_ones_share_returns() {
    let (_db, app) = app_with(&[("TIKTOK_QPS", "10")]).await;
    let engine = &app.state.sync;
    assert_eq!(engine.beat().await.unwrap(), 1);
    assert_eq!(app.state.tiktok.budget_per_second(), 10);

    // Another instance on the same database, beating now.
    sync_instance::Entity::insert(other_instance(&app, 0)).exec(&app.state.db).await.unwrap();
    assert_eq!(engine.beat().await.unwrap(), 2);
    assert_eq!(app.state.tiktok.budget_per_second(), 5, "the two together stay inside TIKTOK_QPS");

    // It dies: once its beat is old, its share comes back.
    app.clock.advance(Duration::seconds(21));
    assert_eq!(engine.beat().await.unwrap(), 1);
    assert_eq!(app.state.tiktok.budget_per_second(), 10);
}

#[tokio::test]
async fn operators_read_metrics_with_the_token_and_nobody_reads_them_without() {
    let (_db, app) = app_with(&[("METRICS_TOKEN", "metrics-secret")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let metrics = |token: Option<&'static str>| {
        let request = crate::helpers::client().get(format!("{}/metrics", app.base));
        let request = match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        async move { request.send().await.unwrap() }
    };
    assert_eq!(metrics(None).await.status(), 401);
    assert_eq!(metrics(Some("guess")).await.status(), 401);
    let answer = metrics(Some("metrics-secret")).await;
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    for line in [
        r#"wevion_tiktok_requests_total{path="campaign/get/",outcome="ok"}"#,
        r#"wevion_sync_runs_total{outcome="succeeded"}"#,
        r#"wevion_sync_rows_written_total{step="insights"}"#,
        "wevion_sync_run_duration_seconds_bucket",
        "wevion_sync_accounts_overdue 0",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }

    let (_db2, without) = app_with(&[]).await;
    let answer = crate::helpers::client().get(format!("{}/metrics", without.base)).send().await.unwrap();
    assert_eq!(answer.status(), 404, "no token configured, no metrics");
}

#[tokio::test]
async fn a_worker_whose_lease_lapsed_stops_at_its_next_write_while_the_one_that_took_over_finishes() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let us = account(&app, US).await;
    let at_ad_groups = pages_until(&app, at_step(Step::AdGroups)).await;
    // The first worker is held mid-run inside one slow call, so it writes nothing while the
    // other takes over.
    app.sandbox_control("latency", json!({"millis": 5000})).await;
    let engine = app.state.sync.clone();
    let first = app.in_flight(async move { engine.sync_next().await }).await;
    // Its database was away for longer than the lease (the clock says so): another worker in
    // the same process takes the run over and takes it to the end.
    app.clock.advance(Duration::seconds(61));
    app.sandbox_control("latency", json!({"millis": 0})).await;
    let second = app.state.sync.sync_next().await.unwrap();
    assert!(matches!(second, Outcome::Finished { succeeded: true, .. }), "{second:?}");
    let first = first.await.unwrap().unwrap();
    assert!(matches!(first, Outcome::LostLease { .. }), "the first worker stopped: {first:?}");
    let run = last_run(&app, us.id).await;
    assert_eq!((run.status, run.attempt), (RunStatus::Succeeded, at_ad_groups.attempt + 2), "one claim each");
    assert_eq!(rows::<tiktok_campaign::Entity>(&app).await, CAMPAIGNS);
    assert_eq!(
        rows::<tiktok_insight_daily::Entity>(&app).await,
        (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS,
        "nothing duplicated or lost"
    );
}

#[tokio::test]
async fn the_other_instances_timeouts_count_with_this_ones_against_tiktoks_penalty() {
    let (_db, app) = app_with(&[("TIKTOK_MAX_RETRIES", "0")]).await;
    let token = app.sandbox_token(BUSINESS_USER).await;
    app.sandbox_control("faults", json!({"path": "user/info/", "code": 50002, "count": 2})).await;
    assert!(app.state.tiktok.user_info(&token).await.unwrap_err().timed_out);
    assert_eq!(app.state.tiktok.paused_until(), None, "one timeout alone holds nothing back");

    // Another instance says three of its requests timed out in the last 10 s.
    sync_instance::Entity::insert(other_instance(&app, 3)).exec(&app.state.db).await.unwrap();
    app.state.sync.beat().await.unwrap();
    assert!(app.state.tiktok.user_info(&token).await.unwrap_err().timed_out);
    assert!(app.state.tiktok.paused_until().is_some(), "five in the app: every call waits");
    let mine = sync_instance::Entity::find_by_id(app.state.settings.instance_id.clone())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    app.state.sync.beat().await.unwrap();
    let mine_after = sync_instance::Entity::find_by_id(app.state.settings.instance_id.clone())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((mine.tiktok_timeouts, mine_after.tiktok_timeouts), (1, 2), "and this one says its own on its beat");
}
