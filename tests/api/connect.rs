//! The connect flow end to end over HTTP against the built-in sandbox.
//! Long: one test per step and refusal of the flow, each short.

use crate::helpers::{app_error, spawn_app_with, TestApp, TestDb, CONNECT};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use wevion::{
    db::entities::{
        oauth_state,
        sync_run::{self, RunStatus, RunTrigger},
        tiktok_access_path, tiktok_ad_account,
        tiktok_ad_account::SyncState,
        tiktok_connection::{self, AuthStatus},
        tiktok_pending_grant,
    },
    error::ErrorCode,
    roles::Role,
    sandbox::{BUSINESS_USER, PERSONAL_USER, SECOND_BUSINESS_USER},
};

const US: &str = "7000000000000000001";
const EU: &str = "7000000000000000002";
const OUTLET: &str = "7000000000000000003";
const JAPAN: &str = "7000000000000000004";

async fn manager_app(db: &TestDb) -> TestApp {
    let app = spawn_app_with(db, CONNECT).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    app
}

async fn count<E: EntityTrait>(app: &TestApp) -> u64
where
    E::Model: Sync,
{
    PaginatorTrait::count(E::find(), &app.state.db).await.unwrap()
}

#[tokio::test]
async fn the_whole_round_trip_imports_the_chosen_accounts_and_queues_their_first_sync() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let grant = app.connect_tiktok_user(BUSINESS_USER).await;

    let picker: Value = app.picker(json!({ "Grant": grant })).await.json().await.unwrap();
    let advertisers = picker["advertisers"].as_array().unwrap();
    assert_eq!(advertisers.len(), 3);
    let outlet = advertisers.iter().find(|a| a["advertiser_id"] == OUTLET).unwrap();
    assert_eq!(outlet["status"], "STATUS_PENDING_CONFIRM");
    assert!(advertisers.iter().all(|a| a["currency"].is_string() && a["timezone"].is_string()));
    assert_eq!(count::<tiktok_connection::Entity>(&app).await, 0, "nothing is a connection before Import");

    let response = app.import(json!({ "Grant": grant }), &[US, OUTLET]).await;
    assert_eq!(response.status(), 200);
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(outcome["imported"], 2);

    let cards = app.connections().await;
    assert_eq!(cards.as_array().unwrap().len(), 1);
    let card = &cards[0];
    assert_eq!(card["tiktok_name"], "Avery Business");
    assert_eq!(card["connected_by"], "ann@acme.test");
    assert!(!crate::helpers::card::needs_reconnect(card));
    let accounts = card["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert!(accounts.iter().all(|a| a["sync_label"] == "Waiting for first sync"));

    assert_eq!(count::<tiktok_ad_account::Entity>(&app).await, 2);
    assert_eq!(count::<tiktok_access_path::Entity>(&app).await, 2);
    let runs = sync_run::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.trigger == RunTrigger::First && r.status == RunStatus::Queued));
    let html = app.get("/connect/tiktok").await.text().await.unwrap();
    assert!(html.contains("Acme Outlet") && html.contains("Connected"));
}

#[tokio::test]
async fn a_same_window_flow_redirects_the_callback_to_the_picker() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let state = app.start_connect("?window=same").await;
    let callback = app.authorize_at_portal(BUSINESS_USER, &state).await;
    let (status, location) = app.callback(&callback).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/connect/tiktok?grant="), "{location}");
}

#[tokio::test]
async fn a_personal_tiktok_account_has_no_advertisers_to_pick() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let grant = app.connect_tiktok_user(PERSONAL_USER).await;
    let picker: Value = app.picker(json!({ "Grant": grant })).await.json().await.unwrap();
    assert_eq!(picker["advertisers"], json!([]));
    let err = app_error(app.import(json!({ "Grant": grant }), &[]).await).await;
    assert_eq!(err.code, ErrorCode::Validation);
}

#[tokio::test]
async fn callbacks_with_a_missing_unknown_expired_or_reused_state_are_refused() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let callback = |query: &str| app.url(&format!("/connect/tiktok/callback{query}"));

    let (status, body) = app.callback(&callback("?auth_code=abc")).await;
    assert_eq!(status, 400);
    assert!(body.contains("without the sign-in check"), "{body}");

    let (status, body) = app.callback(&callback("?auth_code=abc&state=forged")).await;
    assert_eq!(status, 400);
    assert!(body.contains("not one Wevion started"));

    let state = app.start_connect("").await;
    let url = app.authorize_at_portal(BUSINESS_USER, &state).await;
    assert_eq!(app.callback(&url).await.0, 200);
    let (status, body) = app.callback(&url).await;
    assert_eq!(status, 400);
    assert!(body.contains("already used"));

    let state = app.start_connect("").await;
    let url = app.authorize_at_portal(BUSINESS_USER, &state).await;
    oauth_state::Entity::update_many()
        .col_expr(
            oauth_state::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(app.clock_now() - chrono::Duration::minutes(1)),
        )
        .filter(oauth_state::Column::UsedAt.is_null())
        .exec(&app.state.db)
        .await
        .unwrap();
    let (status, body) = app.callback(&url).await;
    assert_eq!(status, 400);
    assert!(body.contains("expired"));
    assert_eq!(count::<tiktok_pending_grant::Entity>(&app).await, 1, "only the one good callback stored a grant");
}

#[tokio::test]
async fn a_state_started_by_another_member_or_workspace_is_refused() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let state = app.start_connect("").await;
    let url = app.authorize_at_portal(BUSINESS_USER, &state).await;

    let teammate = app.second_member("Acme", "bob@acme.test", Role::Admin).await;
    let (status, body) = teammate.callback(&url).await;
    assert_eq!(status, 403);
    assert!(body.contains("another member"));

    let stranger = app.second_member("Globex", "gail@globex.test", Role::Owner).await;
    assert_eq!(stranger.callback(&url).await.0, 403);
    assert_eq!(count::<tiktok_pending_grant::Entity>(&app).await, 0);
    assert_eq!(app.callback(&url).await.0, 200, "the member who started it can still finish");
}

#[tokio::test]
async fn cancelling_at_tiktok_says_so_and_stores_nothing() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let state = app.start_connect("").await;
    let url = app.portal_decision(BUSINESS_USER, "cancel", &state).await;
    let (status, body) = app.callback(&url).await;
    assert_eq!(status, 200);
    assert!(body.contains("TikTok was not connected") && body.contains("Try again"));
    assert_eq!(count::<tiktok_pending_grant::Entity>(&app).await, 0);
}

#[tokio::test]
async fn a_code_tiktok_rejects_or_tiktok_being_down_stores_nothing() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    for (code, words) in [
        (40110, "did not accept the authorization"),
        (504, "not answering right now"),
        (50000, "not answering right now"),
    ] {
        app.sandbox_control("faults", json!({"path": "oauth2/access_token/", "code": code, "count": 1})).await;
        let state = app.start_connect("").await;
        let url = app.authorize_at_portal(BUSINESS_USER, &state).await;
        let (status, body) = app.callback(&url).await;
        assert_eq!(status, 502, "{code}");
        assert!(body.contains(words), "{code}: {body}");
    }
    assert_eq!(count::<tiktok_pending_grant::Entity>(&app).await, 0);
}

#[tokio::test]
async fn tiktok_down_while_listing_advertisers_is_a_clear_retryable_error() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let grant = app.connect_tiktok_user(BUSINESS_USER).await;
    app.sandbox_control("faults", json!({"path": "oauth2/advertiser/get/", "code": 50002, "count": 1})).await;
    let err = app_error(app.picker(json!({ "Grant": grant })).await).await;
    assert_eq!(err.code, ErrorCode::Upstream);
    assert!(err.message.contains("try again"));
    assert_eq!(app.picker(json!({ "Grant": grant })).await.status(), 200, "a retry works");
}

#[tokio::test]
async fn an_advertiser_the_token_cannot_reach_is_refused_and_nothing_is_stored() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let grant = app.connect_tiktok_user(BUSINESS_USER).await;
    let err = app_error(app.import(json!({ "Grant": grant }), &[US, JAPAN]).await).await;
    assert_eq!(err.code, ErrorCode::Validation);
    assert!(err.message.contains(JAPAN));
    assert_eq!(count::<tiktok_connection::Entity>(&app).await, 0);
    assert_eq!(count::<tiktok_ad_account::Entity>(&app).await, 0);
}

#[tokio::test]
async fn importing_twice_is_idempotent() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let grant = app.connect_tiktok_user(BUSINESS_USER).await;
    let (a, b) = tokio::join!(
        app.import(json!({ "Grant": grant }), &[US, EU]),
        app.import(json!({ "Grant": grant }), &[US, EU])
    );
    let a: Value = a.json().await.unwrap();
    let b: Value = b.json().await.unwrap();
    assert_eq!(a["connection_id"], b["connection_id"]);
    let again: Value = app.import(json!({ "Grant": grant }), &[US, EU]).await.json().await.unwrap();
    assert_eq!(again["connection_id"], a["connection_id"]);
    assert_eq!(count::<tiktok_connection::Entity>(&app).await, 1);
    assert_eq!(count::<tiktok_ad_account::Entity>(&app).await, 2);
    assert_eq!(count::<tiktok_access_path::Entity>(&app).await, 2);
    assert_eq!(count::<sync_run::Entity>(&app).await, 2);
}

#[tokio::test]
async fn teammates_tokens_make_one_account_with_two_access_paths() {
    let db = TestDb::fresh().await;
    let ann = manager_app(&db).await;
    ann.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    let bob = ann.second_member("Acme", "bob@acme.test", Role::Manager).await;
    let grant = bob.connect_tiktok_user(SECOND_BUSINESS_USER).await;
    let picker: Value = bob.picker(json!({ "Grant": grant })).await.json().await.unwrap();
    let eu = picker["advertisers"].as_array().unwrap().iter().find(|a| a["advertiser_id"] == EU).unwrap().clone();
    assert_eq!(eu["imported_elsewhere"], true, "marked as already imported through a teammate");
    bob.import(json!({ "Grant": grant }), &[EU, JAPAN]).await;

    assert_eq!(count::<tiktok_connection::Entity>(&ann).await, 2);
    assert_eq!(count::<tiktok_ad_account::Entity>(&ann).await, 3, "US, EU and Japan: EU once");
    let eu_row = tiktok_ad_account::Entity::find()
        .filter(tiktok_ad_account::Column::AdvertiserId.eq(EU))
        .one(&ann.state.db)
        .await
        .unwrap()
        .unwrap();
    let paths = tiktok_access_path::Entity::find()
        .filter(tiktok_access_path::Column::AdAccountId.eq(eu_row.id))
        .count(&ann.state.db)
        .await
        .unwrap();
    assert_eq!(paths, 2);
    let cards = ann.connections().await;
    assert_eq!(cards.as_array().unwrap().len(), 2, "the workspace sees both connections");
    assert_eq!(count::<sync_run::Entity>(&ann).await, 3, "EU is synced once");
}

#[tokio::test]
async fn reconnecting_keeps_the_connection_row_and_its_accounts() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    let before = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();

    let state = app.start_connect(&format!("?reconnect={id}")).await;
    let url = app.authorize_at_portal(BUSINESS_USER, &state).await;
    let (status, body) = app.callback(&url).await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("wevion:tiktok:reconnected:{id}")));

    let after = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    assert_ne!(after.access_token_enc, before.access_token_enc, "the token was replaced");
    assert_eq!(after.connected_at, before.connected_at);
    assert_eq!(count::<tiktok_connection::Entity>(&app).await, 1);
    assert_eq!(count::<tiktok_access_path::Entity>(&app).await, 2);
}

#[tokio::test]
async fn reconnecting_as_a_different_tiktok_user_is_refused_with_an_explanation() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US]).await;
    let before = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    let state = app.start_connect(&format!("?reconnect={id}")).await;
    let url = app.authorize_at_portal(SECOND_BUSINESS_USER, &state).await;
    let (status, body) = app.callback(&url).await;
    assert_eq!(status, 409);
    assert!(body.contains("Blake Partner") && body.contains("Avery Business"), "{body}");
    let after = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(after.access_token_enc, before.access_token_enc, "nothing was mixed");
}

#[tokio::test]
async fn disconnecting_revokes_at_tiktok_and_keeps_accounts_another_token_reaches() {
    let db = TestDb::fresh().await;
    let ann = manager_app(&db).await;
    let first = ann.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    let bob = ann.second_member("Acme", "bob@acme.test", Role::Manager).await;
    bob.connect_and_import(SECOND_BUSINESS_USER, &[EU]).await;

    let response = ann.json_fn("tiktok/disconnect", json!({ "connection_id": first })).await;
    assert_eq!(response.status(), 200);
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(outcome["revocation"], "Revoked");
    assert_eq!(outcome["accounts_disconnected"], 1);
    assert_eq!(ann.sandbox_counts().await["counts"]["oauth2/revoke_token/"], 1);

    let token = tiktok_connection::Entity::find_by_id(first).one(&ann.state.db).await.unwrap().unwrap();
    assert!(token.access_token_enc.is_none() && token.refresh_token_enc.is_none(), "the secret is deleted");
    let state_of = |adv: &'static str| {
        let db = ann.state.db.clone();
        async move {
            tiktok_ad_account::Entity::find()
                .filter(tiktok_ad_account::Column::AdvertiserId.eq(adv))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .sync_state
        }
    };
    assert_eq!(state_of(US).await, SyncState::Disconnected, "data kept, marked disconnected");
    assert_eq!(state_of(EU).await, SyncState::Active, "still reachable through Bob's token");
    let cards = ann.connections().await;
    assert_eq!(cards.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn manage_accounts_adds_and_stops_accounts_of_one_connection() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    let picker: Value = app.picker(json!({ "Connection": id })).await.json().await.unwrap();
    let linked: Vec<&Value> =
        picker["advertisers"].as_array().unwrap().iter().filter(|a| a["linked_here"] == true).collect();
    assert_eq!(linked.len(), 2);
    let outcome: Value = app.import(json!({ "Connection": id }), &[EU, OUTLET]).await.json().await.unwrap();
    assert_eq!((outcome["imported"].as_i64(), outcome["stopped"].as_i64()), (Some(1), Some(1)));
    let cards = app.connections().await;
    let names: Vec<&str> =
        cards[0]["accounts"].as_array().unwrap().iter().map(|a| a["advertiser_id"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&EU) && names.contains(&OUTLET));
}

#[tokio::test]
async fn a_mediabuyer_is_refused_on_every_connect_route() {
    let db = TestDb::fresh().await;
    let manager = manager_app(&db).await;
    let id = manager.connect_and_import(BUSINESS_USER, &[US]).await;
    let grant = manager.connect_tiktok_user(BUSINESS_USER).await;
    let state = manager.start_connect("").await;
    let url = manager.authorize_at_portal(BUSINESS_USER, &state).await;

    let mia = manager.second_member("Acme", "mia@acme.test", Role::Mediabuyer).await;
    assert_eq!(mia.get("/connect/tiktok/start").await.status(), 403);
    assert_eq!(mia.get(&format!("/connect/tiktok/start?reconnect={id}")).await.status(), 403);
    assert_eq!(mia.callback(&url).await.0, 403);
    for response in [
        mia.picker(json!({ "Grant": grant })).await,
        mia.picker(json!({ "Connection": id })).await,
        mia.import(json!({ "Grant": grant }), &[EU]).await,
        mia.json_fn("tiktok/disconnect", json!({ "connection_id": id })).await,
    ] {
        assert_eq!(response.status(), 403);
        assert_eq!(app_error(response).await.code, ErrorCode::Forbidden);
    }
    assert_eq!(mia.connections().await.as_array().unwrap().len(), 1, "a mediabuyer may look");
    assert_eq!(count::<tiktok_access_path::Entity>(&manager).await, 1);
}

#[tokio::test]
async fn another_workspace_cannot_see_or_touch_these_connections() {
    let db = TestDb::fresh().await;
    let ann = manager_app(&db).await;
    let id = ann.connect_and_import(BUSINESS_USER, &[US]).await;
    let grant = ann.connect_tiktok_user(BUSINESS_USER).await;

    let gail = ann.second_member("Globex", "gail@globex.test", Role::Owner).await;
    assert_eq!(gail.connections().await, json!([]));
    assert_eq!(app_error(gail.picker(json!({ "Grant": grant })).await).await.code, ErrorCode::NotFound);
    assert_eq!(app_error(gail.picker(json!({ "Connection": id })).await).await.code, ErrorCode::NotFound);
    assert_eq!(app_error(gail.import(json!({ "Grant": grant }), &[US]).await).await.code, ErrorCode::NotFound);
    assert_eq!(
        app_error(gail.json_fn("tiktok/disconnect", json!({ "connection_id": id })).await).await.code,
        ErrorCode::NotFound
    );
    assert_eq!(gail.get(&format!("/connect/tiktok/start?reconnect={id}")).await.status(), 404);
    let html = gail.get("/connect/tiktok").await.text().await.unwrap();
    assert!(!html.contains("Avery Business") && !html.contains(US));
}

#[tokio::test]
async fn the_database_and_the_page_never_hold_a_plaintext_token() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US, EU]).await;
    app.connect_tiktok_user(SECOND_BUSINESS_USER).await; // a pending grant too
    let issued: Value =
        crate::helpers::client().get(app.sandbox_url("control/tokens")).send().await.unwrap().json().await.unwrap();
    let secrets: Vec<String> = issued["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| [t["access_token"].as_str(), t["refresh_token"].as_str()])
        .flatten()
        .map(str::to_owned)
        .collect();
    assert!(secrets.len() >= 4);

    let mut stored = Vec::<u8>::new();
    for row in tiktok_connection::Entity::find().into_json().all(&app.state.db).await.unwrap() {
        stored.extend(row.to_string().bytes());
    }
    for row in tiktok_pending_grant::Entity::find().into_json().all(&app.state.db).await.unwrap() {
        stored.extend(row.to_string().bytes());
    }
    for row in tiktok_connection::Entity::find().all(&app.state.db).await.unwrap() {
        stored.extend(row.access_token_enc.unwrap_or_default());
        stored.extend(row.refresh_token_enc.unwrap_or_default());
    }
    if let Some(path) = db.url.strip_prefix("sqlite://").and_then(|p| p.split('?').next()) {
        for file in [path.to_string(), format!("{path}-wal")] {
            stored.extend(std::fs::read(&file).unwrap_or_default());
        }
    }
    let html = app.get("/connect/tiktok").await.text().await.unwrap()
        + &app.get(&format!("/connect/tiktok?manage={id}")).await.text().await.unwrap();
    for secret in &secrets {
        assert!(!stored.windows(secret.len()).any(|w| w == secret.as_bytes()), "a token is stored in plaintext");
        assert!(!html.contains(secret.as_str()), "a token reached the HTML");
    }
}

#[tokio::test]
async fn a_token_tiktok_rejects_turns_the_card_to_reconnect_until_reconnected() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("revoke", json!({ "user_id": BUSINESS_USER })).await;

    let err = app_error(app.picker(json!({ "Connection": id })).await).await;
    assert_eq!(err.code, ErrorCode::NeedsReconnect);
    let card = &app.connections().await[0];
    assert!(crate::helpers::card::needs_reconnect(card));
    assert!(crate::helpers::card::auth_error(card).unwrap().contains("40105"), "TikTok's answer is kept as evidence");
    assert!(card["auth"]["Reconnect"]["evidence"]["at"].is_string());

    let state = app.start_connect(&format!("?reconnect={id}")).await;
    let url = app.authorize_at_portal(BUSINESS_USER, &state).await;
    assert_eq!(app.callback(&url).await.0, 200);
    let card = &app.connections().await[0];
    assert!(!crate::helpers::card::needs_reconnect(card));
    assert_eq!(crate::helpers::card::auth_error(card), None);
    assert_eq!(app.picker(json!({ "Connection": id })).await.status(), 200);
}

#[tokio::test]
async fn disconnecting_twice_or_reconnecting_a_disconnected_card_changes_nothing() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US]).await;
    let state = app.start_connect(&format!("?reconnect={id}")).await;
    let url = app.authorize_at_portal(BUSINESS_USER, &state).await;

    assert_eq!(app.json_fn("tiktok/disconnect", json!({ "connection_id": id })).await.status(), 200);
    let again = app_error(app.json_fn("tiktok/disconnect", json!({ "connection_id": id })).await).await;
    assert_eq!(again.code, ErrorCode::NotFound);
    // A reconnect that was under way when the card was disconnected does not revive it.
    let (status, _) = app.callback(&url).await;
    assert_eq!(status, 404);
    let token = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(token.auth_status, AuthStatus::Disconnected);
    assert!(token.access_token_enc.is_none());
}

#[tokio::test]
async fn tiktok_failing_to_say_who_signed_in_is_a_retryable_error_not_another_user() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("faults", json!({"path": "user/info/", "code": 50000, "count": 1})).await;
    let state = app.start_connect(&format!("?reconnect={id}")).await;
    let url = app.authorize_at_portal(BUSINESS_USER, &state).await;
    let (status, body) = app.callback(&url).await;
    assert_eq!(status, 502);
    assert!(body.contains("not answering right now") && !body.contains("different TikTok account"), "{body}");
}

#[tokio::test]
async fn a_member_signed_out_before_the_callback_signs_in_and_then_finishes() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let state = app.start_connect("").await;
    let callback = app.authorize_at_portal(BUSINESS_USER, &state).await;
    assert!(app.server_fn("logout", &[]).await.status().is_success());

    let (status, location) = app.callback(&callback).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/login?next=%2Fconnect%2Ftiktok%2Fcallback"), "{location}");
    let next: String = url::Url::parse(&format!("http://x{location}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "next")
        .unwrap()
        .1
        .into_owned();
    assert!(callback.ends_with(&next), "next is the callback with its code and state");
    app.sign_in("ann@acme.test", crate::helpers::PASSWORD).await;
    let (status, body) = app.callback(&app.url(&next)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("wevion:tiktok:authorized:"));
}

#[tokio::test]
async fn a_tiktok_error_other_than_a_cancel_shows_tiktoks_description() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let state = app.start_connect("").await;
    let url = app.url(&format!(
        "/connect/tiktok/callback?state={state}&error=server_error&error_description=The+advertiser+is+suspended"
    ));
    let (status, body) = app.callback(&url).await;
    assert_eq!(status, 200);
    assert!(body.contains("TikTok reported: The advertiser is suspended. Nothing was connected."), "{body}");
    assert!(body.contains("Try again"));
    assert_eq!(count::<tiktok_pending_grant::Entity>(&app).await, 0);
}

#[tokio::test]
async fn an_expired_authorization_is_refused_then_revoked_and_deleted_by_the_cleanup() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let grant = app.connect_tiktok_user(BUSINESS_USER).await;
    app.start_connect("").await; // an unused state, which expires too
    app.clock.advance(chrono::Duration::minutes(61));

    let err = app_error(app.picker(json!({ "Grant": grant })).await).await;
    assert_eq!(err.code, ErrorCode::Validation);
    assert!(err.message.contains("expired"));

    let report = app.state.connect.cleanup().await.unwrap();
    assert_eq!((report.grants_deleted, report.grants_revoked), (1, 1));
    assert!(report.states_deleted >= 2);
    assert_eq!(count::<tiktok_pending_grant::Entity>(&app).await, 0);
    assert_eq!(count::<oauth_state::Entity>(&app).await, 0);
    assert_eq!(app.sandbox_counts().await["counts"]["oauth2/revoke_token/"], 1, "its token was revoked at TikTok");
}

#[tokio::test]
async fn disconnecting_while_tiktok_cannot_revoke_still_deletes_the_token_and_says_so() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    let id = app.connect_and_import(BUSINESS_USER, &[US]).await;
    app.sandbox_control("faults", json!({"path": "oauth2/revoke_token/", "code": 50000, "count": 5})).await;
    let response = app.json_fn("tiktok/disconnect", json!({ "connection_id": id })).await;
    assert_eq!(response.status(), 200);
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(outcome["revocation"], "Unreachable");
    assert_eq!(app.sandbox_counts().await["counts"]["oauth2/revoke_token/"], 1, "a revoke is never blindly retried");
    let row = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.auth_status, AuthStatus::Disconnected);
    assert!(row.access_token_enc.is_none());
}

#[tokio::test]
async fn a_tiktok_without_user_info_identifies_the_user_by_their_advertisers() {
    let db = TestDb::fresh().await;
    let app = manager_app(&db).await;
    for _ in 0..2 {
        app.sandbox_control("faults", json!({"path": "user/info/", "code": 40400, "count": 1})).await;
        app.connect_and_import(BUSINESS_USER, &[US]).await;
    }
    let rows = tiktok_connection::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), 1, "the same advertisers mean the same TikTok user");
    assert!(rows[0].tiktok_user_key.starts_with("advertisers:"));
    assert_eq!(app.connections().await[0]["tiktok_name"], "TikTok account");
}

#[tokio::test]
async fn two_teammates_importing_the_same_advertiser_at_once_get_one_account_and_no_error() {
    let db = TestDb::fresh().await;
    let ann = manager_app(&db).await;
    let bob = ann.second_member("Acme", "bob@acme.test", Role::Manager).await;
    let ann_grant = ann.connect_tiktok_user(BUSINESS_USER).await;
    let bob_grant = bob.connect_tiktok_user(SECOND_BUSINESS_USER).await;
    let (a, b) = tokio::join!(
        ann.import(json!({ "Grant": ann_grant }), &[EU]),
        bob.import(json!({ "Grant": bob_grant }), &[EU])
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert_eq!(count::<tiktok_ad_account::Entity>(&ann).await, 1);
    assert_eq!(count::<tiktok_access_path::Entity>(&ann).await, 2);
    assert_eq!(count::<sync_run::Entity>(&ann).await, 1, "one first sync for the one account");
}
