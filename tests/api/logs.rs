//! The real binary, run with debug logging through a whole connect flow, never logs a token,
//! an auth code, an OAuth state, a password or a session cookie.

use crate::helpers::client;
use reqwest::header;
use serde_json::{json, Value};
use std::{process::Stdio, time::Duration};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn debug_logs_of_a_whole_connect_flow_hold_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let password = "demo-password-for-log-test";
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_wevion"))
        .arg("serve")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display()))
        .env("SEED_DEMO_PASSWORD", password)
        .env("RUST_LOG", "debug")
        .env("SANDBOX_APP_QPS", "1000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("wevion starts");
    let http = client();
    for _ in 0..100 {
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

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
    let decided = http
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

    child.start_kill().unwrap();
    let mut logs = String::new();
    child.stdout.take().unwrap().read_to_string(&mut logs).await.unwrap();
    child.stderr.take().unwrap().read_to_string(&mut logs).await.unwrap();
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
