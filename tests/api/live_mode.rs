//! The same binary against a TikTok it does not host: an independent stand-in reached only
//! through TIKTOK_* configuration, with its own app id, secret and callback path.

use crate::helpers::{client, free_listener, spawn_app_on, TestDb};
use serde_json::json;
use std::sync::Arc;
use wevion::{
    clock::SystemClock,
    roles::Role,
    sandbox::{RegisteredApp, Sandbox, SandboxSettings, BUSINESS_USER},
};

#[tokio::test]
async fn with_an_app_id_the_product_talks_to_the_configured_tiktok_and_mounts_no_sandbox() {
    let app_listener = free_listener().await;
    let app_port = app_listener.local_addr().unwrap().port();
    let redirect = format!("http://127.0.0.1:{app_port}/oauth/tiktok/return");

    // The stand-in: a sandbox served on its own, knowing only this app and redirect URI.
    let stand_in = Sandbox::new(
        SandboxSettings { app_qps: 1000, advertiser_path_qps: 1000, ..SandboxSettings::default() },
        vec![RegisteredApp {
            app_id: "7999000000000000001".into(),
            secret: "live-secret".into(),
            redirect_uris: vec![redirect.clone()],
        }],
        Arc::new(SystemClock),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tiktok = format!("http://{}/tiktok", listener.local_addr().unwrap());
    let router: axum::Router = axum::Router::new().nest("/tiktok", stand_in.router());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let db = TestDb::fresh().await;
    let auth_url = format!("{tiktok}/portal/auth");
    let api = format!("{tiktok}/open_api/v1.3/");
    let app = spawn_app_on(
        &db,
        &[
            ("TIKTOK_APP_ID", "7999000000000000001"),
            ("TIKTOK_APP_SECRET", "live-secret"),
            ("TIKTOK_TOKEN_KEY", "3333333333333333333333333333333333333333333333333333333333333333"),
            ("TIKTOK_AUTH_URL", auth_url.as_str()),
            ("TIKTOK_API_BASE_URL", api.as_str()),
            ("TIKTOK_REDIRECT_URI", redirect.as_str()),
            ("TIKTOK_MAX_RETRIES", "0"),
        ],
        app_listener,
    )
    .await;
    assert_eq!(app.get("/sandbox/tiktok/control/counts").await.status(), 404, "no sandbox outside sandbox mode");
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;

    let start = app.get("/connect/tiktok/start").await;
    let portal = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    assert!(portal.as_str().starts_with(&auth_url), "{portal}");
    let state = portal.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let decided = client()
        .post(&auth_url)
        .form(&[
            ("app_id", "7999000000000000001"),
            ("redirect_uri", redirect.as_str()),
            ("state", state.as_str()),
            ("user_id", BUSINESS_USER),
            ("decision", "authorize"),
        ])
        .send()
        .await
        .unwrap();
    let callback = decided.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with(&redirect));
    let (status, body) = app.callback(&callback).await;
    assert_eq!(status, 200, "{body}");
    let grant = crate::helpers::grant_in_callback_page(&body);
    let imported = app.import(json!({ "Grant": grant }), &["7000000000000000001", "7000000000000000003"]).await;
    assert_eq!(imported.status(), 200);
    let cards = app.connections().await;
    assert_eq!(cards[0]["accounts"].as_array().unwrap().len(), 2);
}
