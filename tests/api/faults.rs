//! TikTok misbehaving mid-sync, from the sandbox's control endpoint: each fault ends in a correct
//! state, with its evidence on the card, and the rows a clean run of the same TikTok data stores.
//!
//! The clean run is a second workspace importing the same advertiser from the same sandbox after
//! the fault: same data, same day, no fault.

use crate::{
    helpers::TestApp,
    sync::{app_with, counts, drain, last_run, ADGROUPS, ADS, CAMPAIGNS, DAYS, US},
};
use chrono::Duration;
use sea_orm::{
    sea_query::{Alias, Expr},
    ColumnTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{json, Value};
use wevion::{
    db::entities::{
        sync_run::RunStatus,
        tiktok_ad, tiktok_ad_account, tiktok_adgroup, tiktok_audience, tiktok_campaign,
        tiktok_connection::{self, AuthStatus},
        tiktok_image, tiktok_insight_daily, tiktok_pixel, tiktok_pixel_event, tiktok_pixel_event_stat, tiktok_video,
    },
    roles::Role,
    sandbox::BUSINESS_USER,
    sync::Outcome,
};

/// The account of `advertiser` in each workspace, in the order they were imported.
async fn accounts(app: &TestApp, advertiser: &str) -> Vec<tiktok_ad_account::Model> {
    tiktok_ad_account::Entity::find()
        .filter(tiktok_ad_account::Column::AdvertiserId.eq(advertiser))
        .order_by_asc(tiktok_ad_account::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn count<E: EntityTrait>(app: &TestApp, account_id: i32) -> u64
where
    E::Model: Sync,
{
    E::find().filter(Expr::col(Alias::new("ad_account_id")).eq(account_id)).count(&app.state.db).await.unwrap()
}

/// What one account holds, as plain numbers: rows per table (gone ones apart) and summed metrics.
async fn stored(app: &TestApp, account_id: i32) -> Vec<u64> {
    let insights = tiktok_insight_daily::Entity::find()
        .filter(tiktok_insight_daily::Column::AdAccountId.eq(account_id))
        .all(&app.state.db)
        .await
        .unwrap();
    let gone = tiktok_campaign::Entity::find()
        .filter(tiktok_campaign::Column::AdAccountId.eq(account_id))
        .filter(tiktok_campaign::Column::GoneAt.is_not_null())
        .count(&app.state.db)
        .await
        .unwrap();
    vec![
        count::<tiktok_campaign::Entity>(app, account_id).await,
        gone,
        count::<tiktok_adgroup::Entity>(app, account_id).await,
        count::<tiktok_ad::Entity>(app, account_id).await,
        count::<tiktok_image::Entity>(app, account_id).await,
        count::<tiktok_video::Entity>(app, account_id).await,
        count::<tiktok_audience::Entity>(app, account_id).await,
        count::<tiktok_pixel::Entity>(app, account_id).await,
        count::<tiktok_pixel_event::Entity>(app, account_id).await,
        count::<tiktok_pixel_event_stat::Entity>(app, account_id).await,
        insights.len() as u64,
        insights.iter().filter_map(|r| r.spend_micros).sum::<i64>() as u64,
        insights.iter().filter_map(|r| r.clicks).sum::<i64>() as u64,
    ]
}

/// Imports `advertiser` into a fresh workspace with no fault armed, syncs it, and returns what
/// that clean run stored.
async fn clean_run(app: &TestApp, advertiser: &str) -> Vec<u64> {
    app.sandbox_control("faults/clear", json!({})).await;
    app.sandbox_control("latency", json!({"millis": 0})).await;
    let globex = app.second_member("Clean Run Co", "cleo@clean.test", Role::Manager).await;
    globex.connect_and_import(BUSINESS_USER, &[advertiser]).await;
    drain(app).await;
    let clean = accounts(app, advertiser).await.pop().unwrap();
    assert_eq!(last_run(app, clean.id).await.status, RunStatus::Succeeded);
    stored(app, clean.id).await
}

fn card_of(cards: &Value, advertiser: &str) -> Value {
    cards[0]["accounts"].as_array().unwrap().iter().find(|a| a["advertiser_id"] == advertiser).unwrap().clone()
}

#[tokio::test]
async fn a_page_cut_off_mid_json_is_read_again_and_the_rows_equal_a_clean_runs() {
    let (_db, app) = app_with(&[("TIKTOK_MAX_RETRIES", "1")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // Two cut-off answers in a row: more than one retry allows, so the run waits it out.
    app.sandbox_control("faults", json!({"path": "adgroup/get/", "kind": "malformed_json", "count": 2})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Paused { .. }]), "{outcomes:?}");
    let us = accounts(&app, US).await[0].clone();
    let deferred = last_run(&app, us.id).await;
    assert_eq!((deferred.status, deferred.step), (RunStatus::Queued, Some(wevion::sync::Step::AdGroups)));
    assert!(deferred.error_message.as_deref().unwrap_or_default().contains("not TikTok JSON"), "{deferred:?}");
    let card = card_of(&app.connections().await, US);
    assert!(crate::helpers::card::waiting(&card).unwrap().contains("TikTok is not answering right now"), "{card}");

    app.clock.advance(Duration::minutes(3));
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let card = card_of(&app.connections().await, US);
    assert_eq!(crate::helpers::card::waiting(&card), None, "{card}");
    assert_eq!(stored(&app, us.id).await, clean_run(&app, US).await);
}

#[tokio::test]
async fn tiktok_system_errors_and_gateway_timeouts_are_retried_and_the_rows_equal_a_clean_runs() {
    let (_db, app) = app_with(&[("TIKTOK_MAX_RETRIES", "6")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // A system error is asked again until it passes; a timeout once (TikTok blocks repeats).
    app.sandbox_control("faults", json!({"path": "campaign/get/", "code": 50000, "count": 2})).await;
    app.sandbox_control("faults", json!({"path": "ad/get/", "code": 504, "count": 1})).await;
    app.sandbox_control("faults", json!({"path": "report/integrated/get/", "code": 50002, "count": 1})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let us = accounts(&app, US).await[0].clone();
    let run = last_run(&app, us.id).await;
    assert_eq!(run.error_message, None);
    assert_eq!(counts(&app).await["counts"]["ad/get/"], 2, "asked again, once");
    assert_eq!(counts(&app).await["counts"]["campaign/get/"], 3, "asked until it answered");
    assert_eq!(stored(&app, us.id).await, clean_run(&app, US).await);
}

#[tokio::test]
async fn a_page_listing_its_rows_twice_stores_each_row_once() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    for path in ["campaign/get/", "ad/get/", "file/image/ad/search/", "pixel/list/", "report/integrated/get/"] {
        app.sandbox_control("faults", json!({"path": path, "kind": "duplicate_rows", "count": 3})).await;
    }
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let us = accounts(&app, US).await[0].clone();
    let mine = stored(&app, us.id).await;
    assert_eq!((mine[0], mine[3]), (CAMPAIGNS, ADS));
    assert_eq!(mine[10], (CAMPAIGNS + ADGROUPS + ADS + 1) * DAYS);
    assert_eq!(mine, clean_run(&app, US).await);
}

/// Two full pages of campaigns (TikTok's page size is 1,000); small otherwise.
const TWO_PAGES_OF_CAMPAIGNS: &[(&str, &str)] = &[
    ("SANDBOX_CAMPAIGNS", "2000"),
    ("SANDBOX_ADGROUPS_PER_CAMPAIGN", "1"),
    ("SANDBOX_ADS_PER_ADGROUP", "1"),
    ("SANDBOX_DAYS", "2"),
];

#[tokio::test]
async fn rows_added_while_paging_are_all_stored_though_the_page_count_changed_between_pages() {
    let (_db, app) = app_with(TWO_PAGES_OF_CAMPAIGNS).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // A campaign is created right after the first page: the second page counts 2,001 rows over
    // three pages, where the first said 2,000 over two.
    app.sandbox_control("faults", json!({"path": "campaign/get/", "kind": "rows_added", "count": 1})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    assert_eq!(counts(&app).await["counts"]["campaign/get/"], 3, "the third page was read");
    let us = accounts(&app, US).await[0].clone();
    let mine = stored(&app, us.id).await;
    assert_eq!((mine[0], mine[1], mine[2]), (2001, 0, 2001), "every campaign and its ad group, none gone");
    assert_eq!(mine, clean_run(&app, US).await);
}

#[tokio::test]
async fn an_answer_past_the_timeout_is_asked_again_and_the_rows_equal_a_clean_runs() {
    let (_db, app) = app_with(&[("TIKTOK_TIMEOUT", "1s"), ("TIKTOK_MAX_RETRIES", "2")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("faults", json!({"path": "campaign/get/", "kind": "hang", "millis": 2500, "count": 1})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    assert_eq!(counts(&app).await["counts"]["campaign/get/"], 2, "asked once more after the timeout");
    let us = accounts(&app, US).await[0].clone();
    let card = card_of(&app.connections().await, US);
    assert_eq!((crate::helpers::card::waiting(&card), &card["sync_error"]), (None, &Value::Null), "{card}");
    assert_eq!(stored(&app, us.id).await, clean_run(&app, US).await);
}

#[tokio::test]
async fn a_five_second_answer_is_waited_for_within_the_timeout() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control(
        "faults",
        json!({"path": "report/integrated/get/", "kind": "hang", "millis": 5000, "count": 1}),
    )
    .await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let us = accounts(&app, US).await[0].clone();
    let slow = last_run(&app, us.id).await;
    let clean = clean_run(&app, US).await;
    let clean_requests = last_run(&app, accounts(&app, US).await[1].id).await.requests;
    assert_eq!(slow.requests, clean_requests, "the slow answer was waited for, not asked again");
    assert_eq!(stored(&app, us.id).await, clean);
}

#[tokio::test]
async fn a_token_revoked_mid_run_ends_it_with_reconnect_on_the_card_and_reconnecting_brings_every_row() {
    let (_db, app) = app_with(&[]).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US]).await;
    // The user revokes the app while the sync reads ads.
    app.sandbox_control("faults", json!({"path": "ad/get/", "kind": "revoke_user"})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: false, .. }]), "{outcomes:?}");
    let us = accounts(&app, US).await[0].clone();
    let failed = last_run(&app, us.id).await;
    assert_eq!((failed.status, failed.step), (RunStatus::Failed, Some(wevion::sync::Step::Ads)));
    let connection = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(connection.auth_status, AuthStatus::NeedsReconnect);
    let card = &app.connections().await[0];
    assert!(crate::helpers::card::needs_reconnect(card));
    assert!(crate::helpers::card::auth_error(card).unwrap().contains("40107"), "TikTok's answer as evidence: {card}");
    let before = stored(&app, us.id).await;
    assert_eq!((before[0], before[2], before[3]), (CAMPAIGNS, ADGROUPS, 0), "what was read before is kept");

    let state = app.start_connect(&format!("?reconnect={id}")).await;
    let url = app.authorize_at_portal(BUSINESS_USER, &state).await;
    assert_eq!(app.callback(&url).await.0, 200);
    app.clock.advance(Duration::minutes(16));
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    assert!(!crate::helpers::card::needs_reconnect(&app.connections().await[0]));
    assert_eq!(stored(&app, us.id).await, clean_run(&app, US).await);
}

#[tokio::test]
async fn an_advertiser_removed_from_the_business_center_mid_run_keeps_what_was_read_and_fails_with_tiktoks_words() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("faults", json!({"path": "ad/get/", "kind": "remove_advertiser"})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: false, .. }]), "{outcomes:?}");
    let us = accounts(&app, US).await[0].clone();
    let mine = stored(&app, us.id).await;
    assert_eq!((mine[0], mine[2], mine[3]), (CAMPAIGNS, ADGROUPS, 0), "campaigns and ad groups were read first");
    assert_eq!(mine[1], 0, "nothing marked gone for want of access");
    let run = last_run(&app, us.id).await;
    assert_eq!(run.error_kind, Some(wevion::db::entities::sync_run::FailureKind::Permission));
    let card = card_of(&app.connections().await, US);
    let error = card["sync_error"].as_str().unwrap();
    assert!(
        error.contains("No permission to operate advertiser"),
        "the ads are core: the run fails, saying why: {card}"
    );
}

/// [`TWO_PAGES_OF_CAMPAIGNS`], synced once.
async fn two_pages_of_campaigns_synced() -> (crate::helpers::TestDb, TestApp, tiktok_ad_account::Model) {
    let (db, app) = app_with(TWO_PAGES_OF_CAMPAIGNS).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = accounts(&app, US).await[0].clone();
    (db, app, us)
}

/// The account's campaigns (only those marked gone, when `gone`) in the order the first pass
/// stored them, which is the list's order.
async fn campaign_ids(app: &TestApp, account_id: i32, gone: bool) -> Vec<String> {
    let mut find = tiktok_campaign::Entity::find().filter(tiktok_campaign::Column::AdAccountId.eq(account_id));
    if gone {
        find = find.filter(tiktok_campaign::Column::GoneAt.is_not_null());
    }
    find.order_by_asc(tiktok_campaign::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.campaign_id)
        .collect()
}

async fn campaigns_gone(app: &TestApp, account_id: i32) -> Vec<String> {
    campaign_ids(app, account_id, true).await
}

async fn campaigns_in_list_order(app: &TestApp, account_id: i32) -> Vec<String> {
    campaign_ids(app, account_id, false).await
}

#[tokio::test]
async fn a_run_resumed_mid_list_marks_nothing_gone_and_the_next_whole_pass_marks_only_what_went() {
    let (_db, app, us) = two_pages_of_campaigns_synced().await;
    let listed = campaigns_in_list_order(&app, us.id).await;
    let (leaving, returning) = (listed[0].clone(), listed[listed.len() - 1].clone());
    // The last campaign leaves first, so that it can come back later and keep the count.
    app.sandbox_control("entity", json!({"id": returning, "change": "remove"})).await;
    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    assert_eq!(campaigns_gone(&app, us.id).await, vec![returning.clone()]);

    app.clock.advance(Duration::minutes(16));
    // The next run pauses after the first page of campaigns ...
    crate::sync::pages_until(&app, |run| {
        run.cursor.as_ref().is_some_and(|c| c.step == wevion::sync::Step::Campaigns && c.page == 2)
    })
    .await;
    // ... and meanwhile a campaign of that page leaves and the last one comes back: the count
    // holds and the second page has as many rows as before, but its first row moved up onto
    // the first page, which this run has read already.
    app.sandbox_control("entity", json!({"id": leaving, "change": "remove"})).await;
    app.sandbox_control("entity", json!({"id": returning, "change": "restore"})).await;
    drain(&app).await;
    assert_eq!(last_run(&app, us.id).await.status, RunStatus::Succeeded);
    assert_eq!(campaigns_gone(&app, us.id).await, Vec::<String>::new(), "a resumed pass vouches for nothing gone");

    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    assert_eq!(campaigns_gone(&app, us.id).await, vec![leaving], "the whole pass marks only the one that left");
}

#[tokio::test]
async fn an_empty_last_page_marks_nothing_gone() {
    let (_db, app, us) = two_pages_of_campaigns_synced().await;
    app.clock.advance(Duration::minutes(16));
    app.sandbox_control("faults", json!({"path": "campaign/get/", "kind": "empty_page", "page": 2})).await;
    drain(&app).await;
    assert_eq!(last_run(&app, us.id).await.status, RunStatus::Succeeded);
    assert_eq!(campaigns_gone(&app, us.id).await, Vec::<String>::new(), "TikTok still counts the rows it did not send");

    app.clock.advance(Duration::minutes(16));
    app.sandbox_control("entity", json!({"id": campaigns_in_list_order(&app, us.id).await[0], "change": "remove"}))
        .await;
    drain(&app).await;
    assert_eq!(campaigns_gone(&app, us.id).await.len(), 1, "the next whole pass marks what went");
}

#[tokio::test]
async fn an_empty_page_before_the_last_does_not_end_the_list() {
    let (_db, app, us) = two_pages_of_campaigns_synced().await;
    app.clock.advance(Duration::minutes(16));
    app.sandbox_control("faults", json!({"path": "campaign/get/", "kind": "empty_page", "count": 1})).await;
    let before = counts(&app).await["counts"]["campaign/get/"].as_u64().unwrap();
    drain(&app).await;
    assert_eq!(last_run(&app, us.id).await.status, RunStatus::Succeeded);
    assert_eq!(counts(&app).await["counts"]["campaign/get/"].as_u64().unwrap() - before, 2, "the second page was read");
    assert_eq!(campaigns_gone(&app, us.id).await, Vec::<String>::new(), "the rows of the empty page are not gone");
}

#[tokio::test]
async fn a_report_page_whose_rows_cannot_be_read_is_a_gap_and_the_pages_after_it_are_still_read() {
    let (_db, app) = app_with(TWO_PAGES_OF_CAMPAIGNS).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // The campaign report of the newest window is 4,000 rows over four pages; every row of its
    // second page comes back with a day that does not exist.
    app.sandbox_control(
        "faults",
        json!({"path": "report/integrated/get/", "kind": "unreadable_rows", "page": 2, "count": 1}),
    )
    .await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { .. }]), "{outcomes:?}");
    let us = accounts(&app, US).await[0].clone();
    let campaign_days = tiktok_insight_daily::Entity::find()
        .filter(tiktok_insight_daily::Column::AdAccountId.eq(us.id))
        .filter(tiktok_insight_daily::Column::Level.eq(wevion::model::reports::Level::Campaign))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(campaign_days, 4000 - 1000, "pages 1, 3 and 4 are stored; only page 2 is missing");
    let run = last_run(&app, us.id).await;
    let gaps = run.step_errors();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].step, wevion::db::entities::sync_run::Step::Insights);
    assert!(gaps[0].message.contains("1000 rows on page 2 of 4"), "{}", gaps[0].message);
    let card = card_of(&app.connections().await, US);
    assert!(card["gaps"].as_array().is_some_and(|g| !g.is_empty()), "the card shows the gap: {card}");
}

#[tokio::test]
async fn a_burst_of_timeouts_is_read_in_smaller_windows_and_never_meets_tiktoks_penalty() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // TikTok gives up on the next ten report queries (SYS_TIMEOUT): without care that is ten
    // timeouts within seconds, and the same query resent until TikTok blocks it.
    app.sandbox_control("faults", json!({"path": "report/integrated/get/", "code": 50002, "count": 10})).await;
    let outcomes = drain(&app).await;
    assert!(matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]), "{outcomes:?}");
    let penalty = counts(&app).await["penalty"].clone();
    assert!(penalty["worst_burst"].as_u64().unwrap() < 10, "fewer than ten within any 10 s: {penalty}");
    assert_eq!((penalty["lowered"].as_u64(), penalty["blocked"].as_u64()), (Some(0), Some(0)), "{penalty}");
    // Each timed-out window was asked for again in halves; a day that timed out even alone is
    // a gap on the card, read again by a later sync (never resent at once).
    let us = accounts(&app, US).await[0].clone();
    let gaps = last_run(&app, us.id).await.step_errors().to_vec();
    assert!(!gaps.is_empty(), "a day timed out alone");
    assert!(gaps.iter().all(|g| g.message.contains("timed out on the Campaign report for")), "{gaps:?}");
    app.clock.advance(Duration::minutes(61));
    drain(&app).await;
    assert_eq!(stored(&app, us.id).await, clean_run(&app, US).await, "the week's read filled them in");
}
