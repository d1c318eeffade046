//! The sandbox enforces TikTok's contract: what real TikTok rejects, it rejects.

use crate::helpers::{client, spawn_app_with, Binary, TestApp, TestDb, FAST_SANDBOX};
use reqwest::header;
use secrecy::ExposeSecret;
use serde_json::Value;
use wevion::sandbox::BUSINESS_USER;

async fn get(app: &TestApp, path: &str, token: &str, query: &[(&str, &str)]) -> Value {
    client()
        .get(app.sandbox_url(&format!("open_api/v1.3/{path}")))
        .header("Access-Token", token)
        .query(query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn app_and_token(extra: &[(&'static str, &'static str)]) -> (TestDb, TestApp, String) {
    let db = TestDb::fresh().await;
    let mut vars = FAST_SANDBOX.to_vec();
    vars.extend_from_slice(extra);
    let app = spawn_app_with(&db, &vars).await;
    let token = app.sandbox_token(BUSINESS_USER).await.expose_secret().to_owned();
    (db, app, token)
}

const ADV: &str = "7000000000000000001";

#[tokio::test]
async fn page_size_over_the_endpoint_maximum_is_40002() {
    let (_db, app, token) = app_and_token(&[]).await;
    for (path, over) in [("campaign/get/", "1001"), ("pixel/list/", "21"), ("dmp/custom_audience/list/", "101")] {
        let body = get(&app, path, &token, &[("advertiser_id", ADV), ("page_size", over)]).await;
        assert_eq!(body["code"], 40002, "{path}: {body}");
    }
    let ok = get(&app, "pixel/list/", &token, &[("advertiser_id", ADV), ("page_size", "20")]).await;
    assert_eq!(ok["code"], 0);
}

#[tokio::test]
async fn a_bare_string_where_an_array_is_expected_is_40002() {
    let (_db, app, token) = app_and_token(&[]).await;
    let body = get(&app, "advertiser/info/", &token, &[("advertiser_ids", ADV)]).await;
    assert_eq!(body["code"], 40002);
    assert_eq!(body["message"], "advertiser_ids: Field must be set to array");
    let body = get(
        &app,
        "pixel/event/stats/",
        &token,
        &[
            ("advertiser_id", ADV),
            ("pixel_ids", "7100"),
            ("date_range", r#"{"start_date":"2026-01-01","end_date":"2026-01-02"}"#),
        ],
    )
    .await;
    assert_eq!(body["message"], "pixel_ids: Field must be set to array");
}

#[tokio::test]
async fn a_31_day_daily_report_is_rejected_and_30_days_is_fine() {
    let (_db, app, token) = app_and_token(&[]).await;
    let report = |start: &'static str, end: &'static str| {
        vec![
            ("advertiser_id", ADV),
            ("report_type", "BASIC"),
            ("data_level", "AUCTION_CAMPAIGN"),
            ("dimensions", r#"["campaign_id","stat_time_day"]"#),
            ("metrics", r#"["spend","impressions","cpc"]"#),
            ("start_date", start),
            ("end_date", end),
        ]
    };
    let over = get(&app, "report/integrated/get/", &token, &report("2026-10-01", "2026-10-31")).await;
    assert_eq!(over["code"], 40002, "{over}");
    let fine = get(&app, "report/integrated/get/", &token, &report("2026-10-01", "2026-10-30")).await;
    assert_eq!(fine["code"], 0, "{fine}");
    let row = &fine["data"]["list"][0];
    assert!(row["dimensions"]["stat_time_day"].as_str().unwrap().ends_with(" 00:00:00"));
    assert!(row["metrics"]["spend"].is_string(), "metrics are strings");
    assert!(row["dimensions"]["campaign_id"].is_string(), "ids are strings");
}

#[tokio::test]
async fn a_status_filter_of_another_level_is_rejected() {
    let (_db, app, token) = app_and_token(&[]).await;
    let body = get(
        &app,
        "report/integrated/get/",
        &token,
        &[
            ("advertiser_id", ADV),
            ("report_type", "BASIC"),
            ("data_level", "AUCTION_AD"),
            ("dimensions", r#"["ad_id","stat_time_day"]"#),
            ("start_date", "2026-10-01"),
            ("end_date", "2026-10-02"),
            ("filtering", r#"[{"field_name":"campaign_status","filter_type":"IN","filter_value":"[\"STATUS_ALL\"]"}]"#),
        ],
    )
    .await;
    assert_eq!(body["code"], 40002);
}

#[tokio::test]
async fn pixels_come_under_data_pixels() {
    let (_db, app, token) = app_and_token(&[]).await;
    let body = get(&app, "pixel/list/", &token, &[("advertiser_id", ADV)]).await;
    assert!(body["data"]["pixels"].is_array());
    assert!(body["data"].get("list").is_none());
    assert!(body["request_id"].is_string());
    assert_eq!(body["message"], "OK");
}

#[tokio::test]
async fn requests_over_the_app_qps_get_40100() {
    let (_db, app, token) = app_and_token(&[("SANDBOX_APP_QPS", "3")]).await;
    let mut codes = Vec::new();
    for _ in 0..8 {
        codes.push(get(&app, "campaign/get/", &token, &[("advertiser_id", ADV)]).await["code"].as_i64().unwrap());
    }
    assert!(codes.contains(&40100), "{codes:?}");
}

#[tokio::test]
async fn requests_over_the_advertiser_path_qps_get_40133() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, &[("SANDBOX_APP_QPS", "1000"), ("SANDBOX_ADVERTISER_PATH_QPS", "2")]).await;
    let token = app.sandbox_token(BUSINESS_USER).await.expose_secret().to_owned();
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(get(&app, "ad/get/", &token, &[("advertiser_id", ADV)]).await["code"].as_i64().unwrap());
    }
    assert!(codes.contains(&40133), "{codes:?}");
    let other_path = get(&app, "campaign/get/", &token, &[("advertiser_id", ADV)]).await;
    assert_eq!(other_path["code"], 0, "the limit is per path");
}

#[tokio::test]
async fn an_auth_code_cannot_be_used_twice() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let code = app.portal_auth_code(BUSINESS_USER).await;
    let exchange = || async {
        client()
            .post(app.sandbox_url("open_api/v1.3/oauth2/access_token/"))
            .json(&serde_json::json!({"app_id": app.state.settings.tiktok.app_id, "secret": "sandbox-app-secret", "auth_code": code}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    assert_eq!(exchange().await["code"], 0);
    assert_eq!(exchange().await["code"], 40110);
}

#[tokio::test]
async fn the_portal_rejects_unknown_apps_and_unregistered_redirects() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let portal = |app_id: &str, redirect: &str| {
        client()
            .get(app.sandbox_url("portal/auth"))
            .query(&[("app_id", app_id), ("redirect_uri", redirect), ("state", "s")])
            .send()
    };
    let good = portal(&app.state.settings.tiktok.app_id, app.state.redirect_uri.as_str()).await.unwrap();
    assert_eq!(good.status(), 200);
    let html = good.text().await.unwrap();
    assert!(
        html.contains("<title>TikTok For Business</title>") && html.contains("Authorize") && html.contains("Cancel")
    );
    assert_eq!(portal("999", app.state.redirect_uri.as_str()).await.unwrap().status(), 400);
    assert_eq!(portal(&app.state.settings.tiktok.app_id, "https://evil.example/cb").await.unwrap().status(), 400);
}

#[tokio::test]
async fn cancelling_in_the_portal_redirects_with_an_error_and_the_state() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let location = app.portal_decision(BUSINESS_USER, "cancel", "abc").await;
    assert!(location.starts_with(app.state.redirect_uri.as_str()));
    assert!(
        location.contains("error=access_denied") && location.contains("state=abc") && !location.contains("auth_code")
    );
}

#[tokio::test]
async fn data_calls_without_a_token_are_40104() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let body: Value = client()
        .get(app.sandbox_url("open_api/v1.3/campaign/get/"))
        .query(&[("advertiser_id", ADV)])
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["code"], 40104);
}

#[tokio::test]
async fn the_control_endpoint_changes_the_world_the_client_sees() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let client = app.tiktok_client(1000, 0);
    let code = secrecy::SecretString::from(app.portal_auth_code(BUSINESS_USER).await);
    let grant = client.exchange_code(&code).await.unwrap();
    let token = grant.access_token;

    // A new advertiser in the user's Business Center shows up in the next listing.
    let added: Value = app
        .sandbox_control("advertisers", serde_json::json!({"user_id": BUSINESS_USER, "name": "Acme Pop-up"}))
        .await
        .json()
        .await
        .unwrap();
    let new_id = added["advertiser_id"].as_str().unwrap().to_owned();
    let listed = client.advertisers(&token).await.unwrap();
    assert!(listed.iter().any(|a| a.advertiser_id == new_id && a.advertiser_name.as_deref() == Some("Acme Pop-up")));

    // A changed status is what advertiser/info says next.
    app.sandbox_control("advertiser-status", serde_json::json!({"advertiser_id": ADV, "status": "STATUS_LIMIT"})).await;
    let info = client.advertiser_info(&token, &[ADV.to_owned()]).await.unwrap();
    assert_eq!(info[0].status.as_deref(), Some("STATUS_LIMIT"));

    // Refresh can be made to fail, then heal.
    let refresh = grant.refresh_token.unwrap();
    app.sandbox_control("refresh-failure", serde_json::json!({"code": 40107})).await;
    assert_eq!(client.refresh(&refresh).await.unwrap_err().code, Some(40107));
    app.sandbox_control("refresh-failure", serde_json::json!({"code": null})).await;
    assert!(client.refresh(&refresh).await.is_ok());

    // Added latency slows every answer down.
    app.sandbox_control("latency", serde_json::json!({"millis": 300})).await;
    let started = std::time::Instant::now();
    client.user_info(&token).await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn the_sandbox_runs_alone_on_its_own_port() {
    let (sandbox, addr) = Binary::start(
        &["sandbox", "--port", "0"],
        &[("SANDBOX_REDIRECT_URIS", "http://127.0.0.1:9/cb".into())],
        "TikTok sandbox listening",
    )
    .await;
    let port = addr.port();
    let portal = format!("http://127.0.0.1:{port}/sandbox/tiktok/portal/auth?app_id=7300000000000000001&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=s");
    let page = client().get(&portal).send().await.expect("the sandbox answers");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("TikTok For Business"));
    let api: Value = client()
        .get(format!("http://127.0.0.1:{port}/sandbox/tiktok/open_api/v1.3/campaign/get/?advertiser_id={ADV}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api["code"], 40104, "the API answers in TikTok's envelope");
    sandbox.stop().await;
}
