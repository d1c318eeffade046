//! What the database will not store: text TikTok sends that Postgres refuses is cleaned at the
//! wire, and a page the database keeps refusing fails its run instead of holding the account.

use crate::{
    helpers::{card, TestApp},
    sync::{account, app_with, drain, last_run, US},
};
use chrono::Duration;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use wevion::{
    db::entities::{
        sync_run::{FailureKind, RunStatus},
        tiktok_adgroup,
    },
    sandbox::BUSINESS_USER,
    sync::Outcome,
};

/// Makes the database refuse `event` (`INSERT ON tiktok_adgroup`, say) on its rows for which
/// `when` holds (every row without one), as it would a value it cannot store.
async fn refuse(app: &TestApp, event: &str, when: Option<&str>) {
    let db = &app.state.db;
    let when = when.map(|w| format!("WHEN ({w})")).unwrap_or_default();
    let statements = match db.get_database_backend() {
        DbBackend::Postgres => vec![
            "CREATE FUNCTION refuse_row() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ \
             LANGUAGE plpgsql"
                .to_owned(),
            format!("CREATE TRIGGER refuse_row BEFORE {event} FOR EACH ROW {when} EXECUTE FUNCTION refuse_row()"),
        ],
        _ => vec![format!(
            "CREATE TRIGGER refuse_row BEFORE {event} {when} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )],
    };
    for sql in statements {
        db.execute_unprepared(&sql).await.unwrap();
    }
}

/// Takes the refusal on `table` away.
async fn allow(app: &TestApp, table: &str) {
    let sql = match app.state.db.get_database_backend() {
        DbBackend::Postgres => format!("DROP TRIGGER refuse_row ON {table}"),
        _ => "DROP TRIGGER refuse_row".to_owned(),
    };
    app.state.db.execute_unprepared(&sql).await.unwrap();
}

/// Every new ad group row is refused.
async fn refuse_ad_group_rows(app: &TestApp) {
    refuse(app, "INSERT ON tiktok_adgroup", None).await;
}

#[tokio::test]
async fn nul_characters_in_tiktok_text_are_dropped_and_the_sync_stores_the_rest() {
    let (_db, app) = app_with(&[]).await;
    let added: Value = app
        .sandbox_control("advertisers", json!({"user_id": BUSINESS_USER, "name": "Acme\u{0} Pop-up"}))
        .await
        .json()
        .await
        .unwrap();
    let advertiser = added["advertiser_id"].as_str().unwrap();
    app.connect_and_import(BUSINESS_USER, &[advertiser]).await;
    drain(&app).await;
    let stored = account(&app, advertiser).await;
    assert_eq!(stored.name, "Acme Pop-up");
    assert_eq!(last_run(&app, stored.id).await.status, RunStatus::Succeeded, "Postgres refuses NUL in text");
}

#[tokio::test]
async fn a_page_the_database_keeps_refusing_fails_the_run_after_three_tries_and_the_next_sync_goes_on() {
    let (_db, app) = app_with(&[]).await;
    refuse_ad_group_rows(&app).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;

    let mut tries = 0;
    let ended = loop {
        assert!(tries <= 5, "the run never ended");
        match app.state.sync.sync_next().await.unwrap() {
            Outcome::Paused { .. } => {
                tries += 1;
                let cards = app.connections().await;
                let row = &cards[0]["accounts"][0];
                let waiting = card::waiting(row).unwrap_or_default();
                assert!(waiting.starts_with("The database did not take the last page"), "{row}");
                app.clock.advance(Duration::minutes(5));
            }
            Outcome::Idle => panic!("the run was left unclaimable"),
            other => break other,
        }
    };
    assert_eq!(tries, 3, "three tries before it fails");
    assert!(matches!(ended, Outcome::Finished { succeeded: false, .. }), "{ended:?}");
    let us = account(&app, US).await;
    let run = last_run(&app, us.id).await;
    assert_eq!(run.error_kind, Some(FailureKind::DatabaseRefused));
    let said = app.connections().await[0]["accounts"][0]["sync_error"].as_str().unwrap_or_default().to_owned();
    assert!(said.contains("refused to store what TikTok sent for ad groups 3 times in a row"), "{said}");
    assert!(us.next_sync_at.is_some(), "the account stays scheduled");

    allow(&app, "tiktok_adgroup").await;
    app.clock.advance(Duration::minutes(16));
    drain(&app).await;
    assert_eq!(last_run(&app, us.id).await.status, RunStatus::Succeeded);
    let ad_groups = tiktok_adgroup::Entity::find()
        .filter(tiktok_adgroup::Column::AdAccountId.eq(us.id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert!(ad_groups > 0);
}

/// Makes the database refuse to record progress that counts ad groups: the page's rows go in,
/// then the run's own row refuses the move, as a commit can fail after the page's writes.
async fn refuse_ad_group_progress(app: &TestApp) {
    // Postgres keeps the counts as jsonb.
    let counts =
        if app.state.db.get_database_backend() == DbBackend::Postgres { "NEW.counts::text" } else { "NEW.counts" };
    refuse(app, "UPDATE ON sync_run", Some(&format!("{counts} LIKE '%dgroups%'"))).await;
}

#[tokio::test]
async fn a_page_whose_commit_is_refused_is_read_again_with_nothing_counted_twice() {
    let (_db, app) = app_with(&[]).await;
    refuse_ad_group_progress(&app).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let mut tries = 0;
    while !matches!(app.state.sync.sync_next().await.unwrap(), Outcome::Paused { .. }) {
        tries += 1;
        assert!(tries < 20, "the refused page never put the run back");
    }
    let us = account(&app, US).await;
    let run = last_run(&app, us.id).await;
    let cursor = run.cursor.expect("a saved cursor");
    assert_eq!((cursor.step, cursor.page), (wevion::sync::Step::AdGroups, 1), "the cursor stays on the refused page");
    assert_eq!(run.counts.unwrap_or_default().get(wevion::sync::Step::AdGroups), None, "nothing counted as written");

    allow(&app, "sync_run").await;
    app.clock.advance(Duration::minutes(5));
    drain(&app).await;
    let run = last_run(&app, us.id).await;
    assert_eq!(run.status, RunStatus::Succeeded);
    let stored = tiktok_adgroup::Entity::find()
        .filter(tiktok_adgroup::Column::AdAccountId.eq(us.id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(run.counts.unwrap_or_default().get(wevion::sync::Step::AdGroups), Some(stored));
    assert!(stored > 0, "every ad group is stored once the database takes them");
}
