//! A connection's tokens: refresh (ahead of expiry, after a rejection, single flight, never
//! blindly retried), Reconnect only when TikTok really refuses, ciphertexts bound to their
//! place, legacy rows upgraded, and key rotation that reports what it cannot read.

use crate::helpers::{app_error, spawn_app_with, TestApp, TestDb, CONNECT};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use secrecy::SecretString;
use serde_json::json;
use wevion::{
    db::entities::tiktok_connection::{self, AuthStatus},
    error::ErrorCode,
    roles::Role,
    sandbox::{BUSINESS_USER, SECOND_BUSINESS_USER},
};

const US: &str = "7000000000000000001";
const EU: &str = "7000000000000000002";

async fn connected(vars: &[(&'static str, &'static str)]) -> (TestDb, TestApp, i32) {
    let db = TestDb::fresh().await;
    let mut all = CONNECT.to_vec();
    all.extend_from_slice(vars);
    let app = spawn_app_with(&db, &all).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US]).await;
    (db, app, id)
}

async fn row(app: &TestApp, id: i32) -> tiktok_connection::Model {
    tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap()
}

async fn refreshes(app: &TestApp) -> u64 {
    app.sandbox_counts().await["counts"]["oauth2/refresh_token/"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn an_expired_access_token_on_the_picker_is_refreshed_and_the_card_stays_green() {
    let (_db, app, id) = connected(&[]).await;
    app.sandbox_control("faults", json!({"path": "oauth2/advertiser/get/", "code": 40102, "count": 1})).await;
    let before = row(&app, id).await.token_generation;
    let picker = app.picker(json!({ "Connection": id })).await;
    assert_eq!(picker.status(), 200);
    assert_eq!(refreshes(&app).await, 1);
    let after = row(&app, id).await;
    assert_eq!(after.auth_status, AuthStatus::Healthy);
    assert_eq!(after.token_generation, before + 1, "the refreshed token was stored");
    assert!(!crate::helpers::card::needs_reconnect(&app.connections().await[0]));
}

#[tokio::test]
async fn a_rejected_refresh_turns_the_card_to_reconnect_with_tiktoks_words() {
    let (_db, app, id) = connected(&[]).await;
    app.sandbox_control("faults", json!({"path": "oauth2/advertiser/get/", "code": 40102, "count": 1})).await;
    app.sandbox_control("refresh-failure", json!({"code": 40107})).await;
    let err = app_error(app.picker(json!({ "Connection": id })).await).await;
    assert_eq!(err.code, ErrorCode::NeedsReconnect);
    let card = &app.connections().await[0];
    assert!(crate::helpers::card::needs_reconnect(card));
    assert!(crate::helpers::card::auth_error(card).unwrap().contains("40107"), "{card}");
}

#[tokio::test]
async fn a_token_due_to_expire_is_refreshed_ahead_and_only_once_for_concurrent_callers() {
    let (_db, app, id) = connected(&[("SANDBOX_ACCESS_TOKEN_TTL", "1h")]).await;
    app.clock.advance(chrono::Duration::minutes(50));
    let (a, b, c) = tokio::join!(
        app.picker(json!({ "Connection": id })),
        app.picker(json!({ "Connection": id })),
        app.picker(json!({ "Connection": id }))
    );
    assert_eq!([a.status().as_u16(), b.status().as_u16(), c.status().as_u16()], [200; 3]);
    assert_eq!(refreshes(&app).await, 1, "single flight: one refresh for three callers");
    assert!(row(&app, id).await.access_expires_at.unwrap() > app.clock_now() + chrono::Duration::minutes(50));
}

#[tokio::test]
async fn a_refresh_tiktok_does_not_answer_keeps_the_working_token_and_says_so() {
    let (_db, app, id) = connected(&[("SANDBOX_ACCESS_TOKEN_TTL", "1h")]).await;
    app.clock.advance(chrono::Duration::minutes(50));
    app.sandbox_control("faults", json!({"path": "oauth2/refresh_token/", "code": 504, "count": 1})).await;
    assert_eq!(app.picker(json!({ "Connection": id })).await.status(), 200, "the current token still works");
    assert_eq!(refreshes(&app).await, 1, "the refresh was not sent twice");
    let card = &app.connections().await[0];
    assert!(!crate::helpers::card::needs_reconnect(card));
    assert!(crate::helpers::card::auth_warning(card).unwrap().contains("did not complete a token refresh"), "{card}");
    // Right after, the working token is used as it is: no refresh on every call.
    assert_eq!(app.picker(json!({ "Connection": id })).await.status(), 200);
    assert_eq!(refreshes(&app).await, 1, "a failed refresh ahead backs off");
    // A few minutes later, the next use tries again and succeeds.
    app.clock.advance(chrono::Duration::minutes(3));
    assert_eq!(app.picker(json!({ "Connection": id })).await.status(), 200);
    assert_eq!(refreshes(&app).await, 2);
    assert_eq!(crate::helpers::card::auth_warning(&app.connections().await[0]), None);
}

#[tokio::test]
async fn a_revoked_long_term_token_needs_reconnect_without_any_refresh_call() {
    let (_db, app, id) = connected(&[("SANDBOX_TOKEN_MODE", "long_term")]).await;
    assert!(row(&app, id).await.refresh_token_enc.is_none());
    app.sandbox_control("revoke", json!({ "user_id": BUSINESS_USER })).await;
    let err = app_error(app.picker(json!({ "Connection": id })).await).await;
    assert_eq!(err.code, ErrorCode::NeedsReconnect);
    assert_eq!(refreshes(&app).await, 0);
    assert!(crate::helpers::card::auth_error(&app.connections().await[0]).unwrap().contains("40105"));
}

#[tokio::test]
async fn a_ciphertext_copied_to_another_connection_fails_to_open() {
    let (_db, app, avery) = connected(&[]).await;
    let blake = app.connect_and_import(SECOND_BUSINESS_USER, &[EU]).await;
    let stolen = row(&app, avery).await.access_token_enc;
    tiktok_connection::Entity::update_many()
        .col_expr(tiktok_connection::Column::AccessTokenEnc, Expr::value(stolen))
        .filter(tiktok_connection::Column::Id.eq(blake))
        .exec(&app.state.db)
        .await
        .unwrap();
    let err = app_error(app.picker(json!({ "Connection": blake })).await).await;
    assert_eq!(err.code, ErrorCode::NeedsReconnect);
    let blake_row = row(&app, blake).await;
    assert_eq!(blake_row.auth_status, AuthStatus::NeedsReconnect);
    assert!(blake_row.auth_error.unwrap().contains("cannot be read"));
    assert_eq!(app.picker(json!({ "Connection": avery })).await.status(), 200, "the original still works");
}

#[tokio::test]
async fn a_legacy_ciphertext_is_sealed_again_bound_to_its_place_on_first_read() {
    let (_db, app, id) = connected(&[("SANDBOX_TOKEN_MODE", "long_term")]).await;
    let keys = app.state.credentials.keys().clone();
    let current = row(&app, id).await;
    let binding = wevion::token_crypto::Binding {
        workspace_id: current.workspace_id,
        tiktok_user: &current.tiktok_user_key,
        column: wevion::token_crypto::Column::Access,
    };
    let plain: SecretString = keys
        .decrypt(&current.key_id, current.token_format, current.access_token_enc.as_deref().unwrap(), binding)
        .unwrap();
    let legacy = keys.encrypt_legacy(&plain);
    tiktok_connection::Entity::update_many()
        .col_expr(tiktok_connection::Column::AccessTokenEnc, Expr::value(legacy.blob))
        .col_expr(tiktok_connection::Column::TokenFormat, Expr::value(1i16))
        .filter(tiktok_connection::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(app.picker(json!({ "Connection": id })).await.status(), 200);
    assert_eq!(row(&app, id).await.token_format, 2);
}

#[tokio::test]
async fn key_rotation_skips_and_reports_an_unreadable_row_and_rotates_the_rest() {
    let db = TestDb::fresh().await;
    let old = "1111111111111111111111111111111111111111111111111111111111111111";
    let new = "2222222222222222222222222222222222222222222222222222222222222222";
    let mut vars = CONNECT.to_vec();
    vars.push(("TIKTOK_TOKEN_KEY", old));
    let app = spawn_app_with(&db, &vars).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    let good = app.connect_and_import(BUSINESS_USER, &[US]).await;
    let broken = app.connect_and_import(SECOND_BUSINESS_USER, &[EU]).await;
    tiktok_connection::Entity::update_many()
        .col_expr(tiktok_connection::Column::AccessTokenEnc, Expr::value(vec![7u8; 64]))
        .filter(tiktok_connection::Column::Id.eq(broken))
        .exec(&app.state.db)
        .await
        .unwrap();

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_wevion"))
        .arg("rotate-token-key")
        .env("DATABASE_URL", &db.url)
        .env("TIKTOK_APP_ID", "7300000000000000001")
        .env("TIKTOK_APP_SECRET", "sandbox-app-secret")
        .env("TIKTOK_TOKEN_KEY", new)
        .env("TIKTOK_TOKEN_KEY_PREVIOUS", old)
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "a broken row is worth a non-zero exit");
    assert!(stdout.contains("re-encrypted 1 stored TikTok token"), "{stdout}");
    assert!(stderr.contains(&format!("connection {broken}")), "{stderr}");
    let new_key = wevion::token_crypto::TokenKeys::parse(new, None).unwrap();
    assert_eq!(row(&app, good).await.key_id, new_key.current_key_id());
    assert_eq!(row(&app, broken).await.auth_status, AuthStatus::NeedsReconnect, "its card asks for Reconnect");
}

async fn revokes(app: &TestApp) -> u64 {
    app.sandbox_counts().await["counts"]["oauth2/revoke_token/"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn disconnecting_a_tiktok_user_connected_in_another_workspace_leaves_their_token_valid_there() {
    let (_db, ann, ours) = connected(&[]).await;
    let gus = ann.second_member("Globex", "gus@globex.test", Role::Manager).await;
    let theirs = gus.connect_and_import(BUSINESS_USER, &[US]).await;

    let outcome: serde_json::Value =
        ann.json_fn("tiktok/disconnect", json!({ "connection_id": ours })).await.json().await.unwrap();
    // Acme is not told that the same TikTok user is connected at Globex.
    assert_eq!(outcome["revocation"], "Revoked");
    assert!(!outcome["notice"].as_str().unwrap().contains("TikTok"), "nothing about the token: {outcome}");
    assert_eq!(revokes(&ann).await, 0, "TikTok may have handed Globex the same token");
    assert_eq!(row(&ann, theirs).await.auth_status, AuthStatus::Healthy);

    // The last connection of that TikTok user goes: now its token is revoked.
    let outcome: serde_json::Value =
        gus.json_fn("tiktok/disconnect", json!({ "connection_id": theirs })).await.json().await.unwrap();
    assert_eq!(outcome["revocation"], "Revoked");
    assert_eq!(revokes(&ann).await, 1);
}

#[tokio::test]
async fn the_cleanup_leaves_an_expired_authorizations_token_valid_while_its_tiktok_user_is_connected() {
    let (_db, app, _id) = connected(&[]).await;
    app.connect_tiktok_user(BUSINESS_USER).await; // authorized again, never imported
    app.clock.advance(chrono::Duration::minutes(61));

    let report = app.state.connect.cleanup().await.unwrap();
    // The grant the connection came from and the one never imported are both gone.
    assert_eq!((report.grants_deleted, report.grants_revoked), (2, 0));
    assert_eq!(revokes(&app).await, 0, "the connection may hold the very same token");
}

#[tokio::test]
async fn two_disconnects_of_one_card_at_once_revoke_its_token_once() {
    let (_db, app, id) = connected(&[]).await;
    app.sandbox_control("latency", json!({"millis": 300})).await;
    let (first, second) = tokio::join!(
        app.json_fn("tiktok/disconnect", json!({ "connection_id": id })),
        app.json_fn("tiktok/disconnect", json!({ "connection_id": id })),
    );
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 404], "one Disconnect did it, the other found the card gone");
    assert_eq!(revokes(&app).await, 1, "the row is locked before the token is read and revoked");
}

#[tokio::test]
async fn a_teammate_authorizing_the_same_tiktok_user_keeps_the_token_valid_and_disconnect_says_so() {
    let (_db, ann, ours) = connected(&[]).await;
    ann.connect_tiktok_user(BUSINESS_USER).await; // authorized again in this workspace, picker open
    let outcome: serde_json::Value =
        ann.json_fn("tiktok/disconnect", json!({ "connection_id": ours })).await.json().await.unwrap();
    assert_eq!(outcome["revocation"], "InUseElsewhere");
    assert!(outcome["notice"].as_str().unwrap().contains("stays valid at TikTok"), "{outcome}");
    assert_eq!(revokes(&ann).await, 0);
}

#[tokio::test]
async fn a_token_refreshed_while_its_connection_is_disconnected_is_revoked_too() {
    let (_db, app, id) = connected(&[("SANDBOX_ACCESS_TOKEN_TTL", "1h")]).await;
    app.clock.advance(chrono::Duration::minutes(50));
    // TikTok refreshes at once; its answer arrives after the Disconnect.
    let refresh = json!({"path": "oauth2/refresh_token/", "kind": "late_answer", "millis": 3000, "count": 1});
    app.sandbox_control("faults", refresh).await;
    let (picker, disconnected) = tokio::join!(app.picker(json!({ "Connection": id })), async {
        crate::helpers::wait_until("the refresh in flight", std::time::Duration::from_secs(10), || async {
            (refreshes(&app).await == 1).then_some(())
        })
        .await;
        app.json_fn("tiktok/disconnect", json!({ "connection_id": id })).await
    });
    assert_eq!(disconnected.status(), 200);
    assert_ne!(picker.status(), 200, "the picker's connection is gone");

    let tokens: serde_json::Value =
        crate::helpers::client().get(app.sandbox_url("control/tokens")).send().await.unwrap().json().await.unwrap();
    let live: Vec<&serde_json::Value> = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["user_id"] == BUSINESS_USER && t.get("access_token").is_some() && t["revoked"] == false)
        .collect();
    assert!(live.is_empty(), "no access token of the disconnected user is left live at TikTok: {live:?}");
    assert_eq!(revokes(&app).await, 2, "the old token by Disconnect, the refreshed one when its answer came");
}
