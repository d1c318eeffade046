//! The client against TikTok's documented answer shapes, served by a local mock server.

use secrecy::SecretString;
use std::{sync::Arc, time::Duration};
use wevion::{
    clock::SystemClock,
    tiktok::{wire::DataLevel, ClientConfig, ErrorKind, RetryPolicy, TikTokClient},
};
use wiremock::{
    matchers::{body_json, header, method, path, query_param},
    Mock, MockServer, ResponseTemplate,
};

fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/tiktok/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists")).expect("fixture is JSON")
}

fn client(server: &MockServer, max_retries: usize, timeout: Duration) -> TikTokClient {
    TikTokClient::new(
        ClientConfig {
            api_base_url: url::Url::parse(&format!("{}/open_api/v1.3/", server.uri())).unwrap(),
            auth_url: url::Url::parse(&format!("{}/portal/auth", server.uri())).unwrap(),
            app_id: "7300000000000000000".into(),
            app_secret: SecretString::from("fixture-secret".to_string()),
            qps: 100,
            advertiser_path_qps: 100,
            timeout,
            retry: RetryPolicy {
                max_retries,
                min_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
            },
        },
        Arc::new(SystemClock),
    )
    .unwrap()
}

fn token() -> SecretString {
    SecretString::from("act.fixture-token".to_string())
}

const CAMPAIGNS: &str = "/open_api/v1.3/campaign/get/";

/// Campaigns answer `first` for the first `times` calls, then a page of campaigns.
async fn campaigns_after(server: &MockServer, first: ResponseTemplate, times: u64) {
    Mock::given(method("GET")).and(path(CAMPAIGNS)).respond_with(first).up_to_n_times(times).mount(server).await;
    Mock::given(method("GET"))
        .and(path(CAMPAIGNS))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("campaigns_numeric_ids")))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_rate_limit_answer_with_http_200_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    campaigns_after(&server, ResponseTemplate::new(200).set_body_json(fixture("rate_limited")), 1).await;
    let client = client(&server, 3, Duration::from_secs(5));
    let campaigns = client.campaigns(&token(), "872746382648").collect().await.unwrap();
    assert_eq!(campaigns[0].campaign_id, "123456789", "numeric ids become strings");
    assert_eq!(campaigns[0].advertiser_id.as_deref(), Some("872746382648"));
    assert_eq!((client.meter().requests, client.meter().rate_limited), (2, 1));
}

#[tokio::test]
async fn a_system_error_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    campaigns_after(&server, ResponseTemplate::new(200).set_body_json(fixture("system_error")), 1).await;
    let client = client(&server, 3, Duration::from_secs(5));
    assert_eq!(client.campaigns(&token(), "1").collect().await.unwrap().len(), 1);
    assert_eq!(client.meter().retries, 1);
}

#[tokio::test]
async fn a_non_json_504_is_a_timeout_retried_once_then_held_back() {
    let server = MockServer::start().await;
    campaigns_after(&server, ResponseTemplate::new(504).set_body_string("<html>504 Gateway Time-out</html>"), 1).await;
    let client = client(&server, 3, Duration::from_secs(5));
    assert_eq!(client.campaigns(&token(), "1").collect().await.unwrap().len(), 1);

    server.reset().await;
    Mock::given(path(CAMPAIGNS)).respond_with(ResponseTemplate::new(504).set_body_string("oops")).mount(&server).await;
    // Its second timeout within 10 minutes (the first was the call before): not sent a third time.
    let err = client.campaigns(&token(), "1").collect().await.unwrap_err();
    assert_eq!((err.kind, err.http_status, err.timed_out), (ErrorKind::Transient, Some(504), true));
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "not retried: TikTok would block it");
    let held = client.campaigns(&token(), "1").collect().await.unwrap_err();
    assert!(held.not_sent && !held.timed_out, "{held}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "asked again at once, it is not sent");
}

#[tokio::test]
async fn a_timeout_is_transient() {
    let server = MockServer::start().await;
    Mock::given(path(CAMPAIGNS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("campaigns_numeric_ids"))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let client = client(&server, 1, Duration::from_millis(200));
    let err = client.campaigns(&token(), "1").collect().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transient);
    assert!(err.message.contains("timed out"), "{}", err.message);
    assert_eq!(client.meter().requests, 2, "retried once, then gave up");
}

#[tokio::test]
async fn query_too_large_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/open_api/v1.3/report/integrated/get/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("query_too_large")))
        .mount(&server)
        .await;
    let client = client(&server, 3, Duration::from_secs(5));
    let day = chrono::NaiveDate::from_ymd_opt(2024, 9, 1).unwrap();
    let err = client.daily_report(&token(), "1", DataLevel::Ad, day, day).unwrap().collect().await.unwrap_err();
    assert_eq!((err.kind, err.code), (ErrorKind::QueryTooLarge, Some(40067)));
    assert!(err.request_id.is_some());
    assert_eq!(client.meter().requests, 1);
}

#[tokio::test]
async fn report_rows_parse_dash_as_null_and_send_json_text_params() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/open_api/v1.3/report/integrated/get/"))
        .and(header("Access-Token", "act.fixture-token"))
        .and(query_param("dimensions", r#"["ad_id","stat_time_day"]"#))
        .and(query_param("data_level", "AUCTION_AD"))
        .and(query_param(
            "filtering",
            r#"[{"field_name":"ad_status","filter_type":"IN","filter_value":"[\"STATUS_ALL\"]"}]"#,
        ))
        .and(query_param("page_size", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("report_ad_daily")))
        .mount(&server)
        .await;
    let client = client(&server, 0, Duration::from_secs(5));
    let day = chrono::NaiveDate::from_ymd_opt(2024, 9, 3).unwrap();
    let rows = client.daily_report(&token(), "1", DataLevel::Ad, day, day).unwrap().collect().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].metrics.get(wevion::tiktok::wire::WireMetric::Spend), Some(rust_decimal::Decimal::new(2000, 2)));
    assert_eq!(rows[0].metrics.get(wevion::tiktok::wire::WireMetric::Reach), None, "\"-\" is null");
    assert_eq!(rows[0].date, day);
}

#[tokio::test]
async fn pixels_are_read_from_data_pixels() {
    let server = MockServer::start().await;
    Mock::given(path("/open_api/v1.3/pixel/list/"))
        .and(query_param("page_size", "20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pixels")))
        .mount(&server)
        .await;
    let pixels = client(&server, 0, Duration::from_secs(5)).pixels(&token(), "1").collect().await.unwrap();
    assert_eq!(pixels.len(), 1);
    assert_eq!(pixels[0].events[0].currency_value, Some(rust_decimal::Decimal::from(10)));
}

#[tokio::test]
async fn the_token_exchange_posts_app_id_secret_and_auth_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/open_api/v1.3/oauth2/access_token/"))
        .and(body_json(
            serde_json::json!({"app_id": "7300000000000000000", "secret": "fixture-secret", "auth_code": "ABC123"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("access_token")))
        .mount(&server)
        .await;
    let grant = client(&server, 0, Duration::from_secs(5))
        .exchange_code(&SecretString::from("ABC123".to_string()))
        .await
        .unwrap();
    assert_eq!(grant.advertiser_ids, ["7000000000000000001", "7000000000000000002"]);
    assert_eq!(grant.scope, [4, 5, 7]);
    assert!(grant.access_expires_at.is_none() && grant.refresh_token.is_none(), "long-term token");
}

const EXCHANGE: &str = "/open_api/v1.3/oauth2/access_token/";
const REFRESH: &str = "/open_api/v1.3/oauth2/refresh_token/";

fn refreshed() -> serde_json::Value {
    serde_json::json!({"code": 0, "message": "OK", "request_id": "r", "data": {
        "access_token": "act.new", "refresh_token": "rft.new", "expires_in": 86400,
        "refresh_token_expires_in": 31536000, "advertiser_ids": [], "scope": []}})
}

#[tokio::test]
async fn a_refresh_whose_answer_is_lost_is_not_sent_again() {
    let server = MockServer::start().await;
    // TikTok got the request (and may have rotated the token), but the answer came too late.
    Mock::given(method("POST"))
        .and(path(REFRESH))
        .respond_with(ResponseTemplate::new(200).set_body_json(refreshed()).set_delay(Duration::from_millis(800)))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, 6, Duration::from_millis(200));
    let err = client.refresh(&SecretString::from("rft.old".to_string())).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transient);
    assert!(!err.not_sent);
    server.verify().await;
}

#[tokio::test]
async fn an_exchange_answered_with_a_5xx_is_not_retried_but_a_rate_limit_is() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(EXCHANGE))
        .respond_with(ResponseTemplate::new(504))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, 6, Duration::from_secs(5));
    let err = client.exchange_code(&SecretString::from("code".to_string())).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transient, "{err}");
    server.verify().await;

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(EXCHANGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("rate_limited")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(EXCHANGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("access_token")))
        .expect(1)
        .mount(&server)
        .await;
    let client = self::client(&server, 6, Duration::from_secs(5));
    let grant = client.exchange_code(&SecretString::from("code".to_string())).await.unwrap();
    assert_eq!(grant.advertiser_ids.len(), 2, "refused for a rate limit, so provably not spent: retried");
    server.verify().await;
}

#[tokio::test]
async fn a_refresh_that_cannot_connect_is_retried_because_it_never_reached_tiktok() {
    let port = 9; // the discard port: nothing listens there, every attempt fails to connect
    let client = TikTokClient::new(
        ClientConfig {
            api_base_url: url::Url::parse(&format!("http://127.0.0.1:{port}/open_api/v1.3/")).unwrap(),
            auth_url: url::Url::parse(&format!("http://127.0.0.1:{port}/portal/auth")).unwrap(),
            app_id: "1".into(),
            app_secret: SecretString::from("s".to_string()),
            qps: 100,
            advertiser_path_qps: 100,
            timeout: Duration::from_secs(2),
            retry: RetryPolicy {
                max_retries: 2,
                min_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
            },
        },
        Arc::new(SystemClock),
    )
    .unwrap();
    let err = client.refresh(&SecretString::from("rft".to_string())).await.unwrap_err();
    assert!(err.not_sent, "{err}");
    assert_eq!(client.meter().retries, 2);
}

#[tokio::test]
async fn a_non_json_401_or_403_from_a_proxy_is_not_transient() {
    for status in [401, 403] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(CAMPAIGNS))
            .respond_with(ResponseTemplate::new(status).set_body_string("<html>Forbidden by proxy</html>"))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server, 6, Duration::from_secs(5))
            .campaigns(&token(), "7000000000000000001")
            .collect()
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadRequest, "{status}: {err}");
        assert_eq!(err.http_status, Some(status));
        server.verify().await;
    }
}

#[tokio::test]
async fn a_page_without_page_info_is_an_error_not_silently_one_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(CAMPAIGNS))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "code": 0, "message": "OK", "request_id": "x",
            "data": {"list": [{"campaign_id": "1"}]}
        })))
        .mount(&server)
        .await;
    let err = client(&server, 0, Duration::from_secs(5)).campaigns(&token(), "7").collect().await.unwrap_err();
    assert!(err.message.contains("without page_info"), "{err}");
}

#[tokio::test]
async fn a_huge_expires_in_is_taken_as_no_expiry_instead_of_panicking() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(EXCHANGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "code": 0, "message": "OK", "request_id": "x",
            "data": {"access_token": "act.x", "expires_in": i64::MAX, "refresh_token": "rft.x",
                     "refresh_token_expires_in": 9_000_000_000_000_000_000u64}
        })))
        .mount(&server)
        .await;
    let grant =
        client(&server, 0, Duration::from_secs(5)).exchange_code(&SecretString::from("c".to_string())).await.unwrap();
    assert_eq!(grant.access_expires_at, None);
    assert_eq!(grant.refresh_expires_at, None);
}

/// A campaigns page `page` of `total_page`, with `rows` campaigns.
fn campaigns_page(page: u32, total_page: u32, rows: usize) -> ResponseTemplate {
    let list: Vec<serde_json::Value> =
        (0..rows).map(|i| serde_json::json!({"campaign_id": format!("{page}{i}"), "campaign_name": "c"})).collect();
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "code": 0, "message": "OK", "request_id": "x",
        "data": {"list": list, "page_info": {"page": page, "page_size": 2, "total_number": 2 * total_page, "total_page": total_page}}
    }))
}

#[tokio::test]
async fn an_empty_page_before_the_last_does_not_end_a_list() {
    let server = MockServer::start().await;
    for (page, rows) in [(1, 2), (2, 0), (3, 2)] {
        Mock::given(method("GET"))
            .and(path(CAMPAIGNS))
            .and(query_param("page", page.to_string()))
            .respond_with(campaigns_page(page, 3, rows))
            .mount(&server)
            .await;
    }
    let campaigns = client(&server, 0, Duration::from_secs(5)).campaigns(&token(), "7").collect().await.unwrap();
    assert_eq!(campaigns.len(), 4, "the third page was read too");
}

#[tokio::test]
async fn a_page_count_no_list_reaches_is_refused_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path(CAMPAIGNS)).respond_with(campaigns_page(1, 4_000_000, 2)).mount(&server).await;
    let client = client(&server, 0, Duration::from_secs(5));
    let collected = tokio::time::timeout(Duration::from_secs(20), client.campaigns(&token(), "7").collect())
        .await
        .expect("the page count was followed instead of refused");
    let err = collected.unwrap_err();
    assert!(err.message.contains("4000000 pages"), "{err}");
}
