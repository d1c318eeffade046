//! The real binary, run with debug logging through a whole connect flow, never logs a token,
//! an auth code, an OAuth state, a password or a session cookie.

use crate::helpers::{client, client_for, Binary};
use reqwest::header;
use serde_json::{json, Value};

#[tokio::test]
async fn debug_logs_of_a_whole_connect_flow_hold_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let password = "demo-password-for-log-test";
    let (binary, addr) = Binary::start(
        &["serve"],
        &[
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
            ("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display())),
            ("SEED_DEMO_PASSWORD", password.into()),
            ("RUST_LOG", "debug".into()),
            ("SANDBOX_APP_QPS", "1000".into()),
        ],
        "listening",
    )
    .await;
    let base = format!("http://{addr}");
    let http = client_for(&base);

    let login = http
        .post(format!("{base}/api/login"))
        .header(header::ACCEPT, "application/json")
        .form(&[("email", "manager@demo.wevion.test"), ("password", password)])
        .send()
        .await
        .unwrap();
    let cookie = login.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let cookie_value = cookie.split_once('=').unwrap().1.to_owned();

    let start = http.get(format!("{base}/connect/tiktok/start")).send().await.unwrap();
    let portal = url::Url::parse(start.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    let state = portal.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let redirect = portal.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
    let decided = client()
        .post(format!("{base}/sandbox/tiktok/portal/auth"))
        .form(&[
            ("app_id", "7300000000000000001"),
            ("redirect_uri", &redirect),
            ("state", &state),
            ("user_id", "7100000000000000001"),
            ("decision", "authorize"),
        ])
        .send()
        .await
        .unwrap();
    let callback = decided.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let code =
        url::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "auth_code").unwrap().1.into_owned();
    let page = http.get(&callback).send().await.unwrap().text().await.unwrap();
    let grant = crate::helpers::grant_in_callback_page(&page);
    let imported = http
        .post(format!("{base}/api/tiktok/import"))
        .header(header::ACCEPT, "application/json")
        .json(&json!({"source": {"Grant": grant}, "advertiser_ids": ["7000000000000000001"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let tokens: Value =
        http.get(format!("{base}/sandbox/tiktok/control/tokens")).send().await.unwrap().json().await.unwrap();

    let logs = binary.stop().await;
    assert!(logs.contains("imported TikTok advertiser accounts"), "the flow was logged: {logs}");

    let mut secrets = vec![state, code, cookie_value, "sandbox-app-secret".to_owned()];
    secrets.extend(
        tokens["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| [t["access_token"].as_str(), t["refresh_token"].as_str()])
            .flatten()
            .map(str::to_owned),
    );
    for secret in secrets {
        assert!(!logs.contains(&secret), "the logs hold a secret ({} chars)", secret.len());
    }
    // The demo password is printed once, on purpose, when the demo workspace is seeded.
    assert_eq!(logs.matches(password).count(), 5, "only the one-time seeding message shows the demo passwords");
}
