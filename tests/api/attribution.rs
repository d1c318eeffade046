//! TikTok revises a day's conversions for as long as its attribution window (28 days by
//! default): scheduled syncs read today and yesterday every time, the last 7 days hourly and the
//! whole window daily; Sync now reads the whole window.

use crate::sync::{account, app_with, drain, last_run, US};
use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::collections::HashMap;
use strum::VariantArray;
use wevion::{
    db::entities::tiktok_insight_daily,
    model::reports::Level,
    sandbox::BUSINESS_USER,
    sync::{tiers::Reread, today_of},
    tiktok::wire::{DataLevel, WireMetric},
};

/// The days the account's last run read, counted back from the advertiser's today, and which
/// tier they were.
async fn last_read(app: &crate::helpers::TestApp) -> (i64, Option<Reread>) {
    let us = account(app, US).await;
    let cursor = last_run(app, us.id).await.cursor.expect("a cursor");
    let today: NaiveDate = today_of(&us, app.clock_now());
    ((today - cursor.insights_from.expect("days read")).num_days() + 1, cursor.reread)
}

/// A person clicks Sync now on the connection's card, and the runs it queued are driven to the end.
async fn sync_now(app: &crate::helpers::TestApp, connection: i32) {
    let asked = app.json_fn("tiktok/sync-now", json!({ "connection_id": connection })).await;
    assert_eq!(asked.status(), 200);
    drain(app).await;
}

#[tokio::test]
async fn scheduled_syncs_read_the_tiers_that_are_due_and_sync_now_reads_the_whole_window() {
    let (_db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    assert_eq!(last_read(&app).await, (90, Some(Reread::History)), "a first sync reads the history");

    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    assert_eq!(last_read(&app).await, (2, Some(Reread::Recent)), "today and yesterday");

    app.clock.advance(Duration::minutes(45));
    drain(&app).await;
    assert_eq!(last_read(&app).await, (7, Some(Reread::Week)), "an hour on: the last 7 days");

    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    assert_eq!(last_read(&app).await.1, Some(Reread::Recent), "the week was just read");

    app.clock.advance(Duration::hours(23));
    drain(&app).await;
    assert_eq!(last_read(&app).await, (28, Some(Reread::Window)), "a day on: the whole window");

    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    assert_eq!(last_read(&app).await.1, Some(Reread::Recent));
    sync_now(&app, connection).await;
    assert_eq!(last_read(&app).await, (28, Some(Reread::Window)), "Sync now re-reads the whole window");
}

#[tokio::test]
async fn the_window_is_a_setting() {
    let (_db, app) = app_with(&[("ATTRIBUTION_WINDOW", "14")]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let connection = app.connections().await[0]["id"].as_i64().unwrap();
    app.json_fn("tiktok/sync-now", json!({ "connection_id": connection })).await;
    drain(&app).await;
    assert_eq!(last_read(&app).await, (14, Some(Reread::Window)));
}

/// The account's stored daily rows.
async fn stored(app: &crate::helpers::TestApp, account_id: i32) -> Vec<tiktok_insight_daily::Model> {
    tiktok_insight_daily::Entity::find()
        .filter(tiktok_insight_daily::Column::AdAccountId.eq(account_id))
        .all(&app.state.db)
        .await
        .unwrap()
}

/// TikTok's own daily campaign figures, every metric of the standard set in the order of
/// [`WireMetric::VARIANTS`]: counts whole, money, ratios and seconds in millionths.
async fn tiktoks_days(
    app: &crate::helpers::TestApp,
    from: NaiveDate,
    to: NaiveDate,
) -> HashMap<(String, NaiveDate), Vec<Option<i64>>> {
    let token = app.sandbox_token(BUSINESS_USER).await;
    let client = app.tiktok_client(1000, 0);
    let rows = client.daily_report(&token, US, DataLevel::Campaign, from, to).unwrap().collect().await.unwrap();
    rows.into_iter()
        .map(|r| {
            let values = WireMetric::VARIANTS
                .iter()
                .map(|m| {
                    let v = r.metrics.get(*m)?;
                    if m.is_count() {
                        v.to_i64()
                    } else {
                        (v * rust_decimal::Decimal::from(1_000_000)).to_i64()
                    }
                })
                .collect();
            ((r.id, r.date), values)
        })
        .collect()
}

fn synced_before_of(before: &[tiktok_insight_daily::Model], id: i32) -> chrono::DateTime<chrono::Utc> {
    before.iter().find(|r| r.id == id).map(|r| r.synced_at).expect("stored by the first sync")
}

/// A stored day's figures, column by column in the order of [`WireMetric::VARIANTS`].
fn figures(r: &tiktok_insight_daily::Model) -> Vec<Option<i64>> {
    vec![
        r.spend_micros,
        r.impressions,
        r.clicks,
        r.ctr_micros,
        r.cpc_micros,
        r.cpm_micros,
        r.reach,
        r.frequency_micros,
        r.cost_per_1000_reached_micros,
        r.conversions,
        r.cost_per_conversion_micros,
        r.conversion_rate_micros,
        r.results,
        r.cost_per_result_micros,
        r.result_rate_micros,
        r.purchases,
        r.value_per_purchase_micros,
        r.video_plays,
        r.video_watched_2s,
        r.video_watched_6s,
        r.video_views_p25,
        r.video_views_p50,
        r.video_views_p75,
        r.video_views_p100,
        r.average_video_play_micros,
        r.profile_visits,
        r.likes,
        r.comments,
        r.shares,
        r.follows,
    ]
}

#[tokio::test]
async fn after_twenty_days_of_late_attribution_sync_now_makes_every_stored_day_in_the_window_tiktoks_again() {
    let (_db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    let today = today_of(&us, app.clock_now());
    let window_from = today - Duration::days(27);
    let before = stored(&app, us.id).await;

    app.sandbox_control("attribution", json!({"advertiser_id": US, "days": 20})).await;
    let theirs = tiktoks_days(&app, window_from, today).await;
    let campaign_days = |rows: &[tiktok_insight_daily::Model]| -> Vec<tiktok_insight_daily::Model> {
        rows.iter().filter(|r| r.level == Level::Campaign && r.date >= window_from).cloned().collect()
    };
    let stale = campaign_days(&before)
        .iter()
        .filter(|r| theirs.get(&(r.object_id.clone(), r.date)).is_some_and(|t| *t != figures(r)))
        .count();
    assert!(stale > 0, "TikTok's conversions moved on after the sync");

    // A second on, so that what is read again shows in its `synced_at`.
    app.clock.advance(Duration::seconds(1));
    sync_now(&app, connection).await;
    let after = stored(&app, us.id).await;
    let window = campaign_days(&after);
    assert_eq!(window.len(), theirs.len(), "every campaign day of the window is stored");
    for row in &window {
        assert_eq!(
            Some(&figures(row)),
            theirs.get(&(row.object_id.clone(), row.date)),
            "{} on {}",
            row.object_id,
            row.date
        );
        assert!(row.synced_at > synced_before_of(&before, row.id), "{} on {} was read again", row.object_id, row.date);
    }
    // Days before the window do not change at TikTok: they were not read again.
    let synced_before: HashMap<i32, chrono::DateTime<chrono::Utc>> =
        before.iter().map(|r| (r.id, r.synced_at)).collect();
    for row in after.iter().filter(|r| r.date < window_from) {
        assert_eq!(
            Some(&row.synced_at),
            synced_before.get(&row.id),
            "{:?} {} on {}",
            row.level,
            row.object_id,
            row.date
        );
    }
}

#[tokio::test]
async fn sync_now_while_a_scheduled_sync_waits_makes_it_read_the_whole_window() {
    let (_db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    app.clock.advance(Duration::minutes(16));
    // A scheduled run reads its first page and goes back to the queue.
    assert!(matches!(app.state.sync.sync_pages(1).await.unwrap(), wevion::sync::Outcome::Paused { .. }));
    sync_now(&app, connection).await;
    assert_eq!(last_read(&app).await, (28, Some(Reread::Window)), "the waiting run became the one asked for");
}

#[tokio::test]
async fn conversions_tiktok_attributed_since_a_day_was_read_show_on_the_card_until_the_window_is_read_again() {
    let (_db, app) = app_with(&[]).await;
    let connection = app.connect_and_import(BUSINESS_USER, &[US]).await;
    drain(&app).await;
    let us = account(&app, US).await;
    assert_eq!(last_run(&app, us.id).await.data_check.expect("checked").mismatched_campaigns, 0);

    app.sandbox_control("attribution", json!({"advertiser_id": US, "days": 20})).await;
    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    assert_eq!(last_read(&app).await.1, Some(Reread::Recent), "only today and yesterday were read");
    let check = last_run(&app, us.id).await.data_check.expect("checked");
    let today = today_of(&us, app.clock_now());
    assert_eq!((check.from, check.to), (today - Duration::days(27), today), "the check covers the whole window");
    assert!(check.mismatched_campaigns > 0, "the stale days of the window show");
    let m = &check.mismatches[0];
    assert!(m.tiktok_conversions > m.stored_conversions, "{m:?}");
    assert_eq!(m.spend_difference(), 0, "spend did not move; conversions did");
    let card = app.get("/connect/tiktok").await.text().await.unwrap();
    assert!(card.contains("conversions for") && card.contains("TikTok is still attributing"), "the card says so");
    let ads = app.json_fn("ads/table", json!({ "query": wevion::model::reports::AdsQuery::default() })).await;
    let ads: wevion::model::reports::AdsTable = ads.json().await.unwrap();
    assert!(ads.attention.is_empty(), "late conversions are a note on the card, nothing to fix: {:?}", ads.attention);

    sync_now(&app, connection).await;
    assert_eq!(
        last_run(&app, us.id).await.data_check.expect("checked").mismatched_campaigns,
        0,
        "the window read again"
    );
}
