//! The TikTok client against the built-in sandbox: every call the product makes.

use crate::helpers::{spawn_app_with, TestDb, FAST_SANDBOX};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use wevion::{
    sandbox::{BUSINESS_USER, PERSONAL_USER},
    tiktok::{wire::DataLevel, ErrorKind},
};

#[tokio::test]
async fn the_authorize_url_carries_exactly_app_id_redirect_uri_and_state() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let url = app.state.tiktok.authorize_url(&app.state.redirect_uri, "st4te");
    let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["app_id", "redirect_uri", "state"]);
    assert!(url.path().ends_with("/sandbox/tiktok/portal/auth"));
}

#[tokio::test]
async fn an_expiring_token_is_exchanged_refreshed_with_rotation_and_revoked() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let client = app.tiktok_client(1000, 0);
    let code = SecretString::from(app.portal_auth_code(BUSINESS_USER).await);

    let grant = client.exchange_code(&code).await.unwrap();
    assert_eq!(grant.advertiser_ids.len(), 3);
    assert!(grant.access_expires_at.is_some());
    let refresh = grant.refresh_token.expect("expiring mode gives a refresh token");
    assert!(grant.refresh_expires_at.unwrap() > grant.access_expires_at.unwrap());

    let reused = client.exchange_code(&code).await.unwrap_err();
    assert_eq!(reused.code, Some(40110), "auth codes are single use");

    let rotated = client.refresh(&refresh).await.unwrap();
    assert_ne!(rotated.access_token.expose_secret(), grant.access_token.expose_secret());
    let spent = client.refresh(&refresh).await.unwrap_err();
    assert_eq!(spent.kind, ErrorKind::RefreshTokenInvalid, "a refresh token is spent by rotating");

    let info = client.user_info(&rotated.access_token).await.unwrap();
    assert_eq!(info.core_user_id.as_deref(), Some(BUSINESS_USER));
    assert!(info.display_name.is_some());

    client.revoke(&rotated.access_token).await.unwrap();
    let after = client.advertisers(&rotated.access_token).await.unwrap_err();
    assert_eq!(after.kind, ErrorKind::TokenInvalid);
}

#[tokio::test]
async fn a_long_term_token_has_no_expiry_and_no_refresh_token() {
    let db = TestDb::fresh().await;
    let mut vars = FAST_SANDBOX.to_vec();
    vars.push(("SANDBOX_TOKEN_MODE", "long_term"));
    let app = spawn_app_with(&db, &vars).await;
    let code = SecretString::from(app.portal_auth_code(BUSINESS_USER).await);
    let grant = app.tiktok_client(1000, 0).exchange_code(&code).await.unwrap();
    assert!(grant.access_expires_at.is_none());
    assert!(grant.refresh_token.is_none());
    assert!(!grant.advertiser_ids.is_empty());
}

#[tokio::test]
async fn an_expired_access_token_is_token_invalid() {
    let db = TestDb::fresh().await;
    let mut vars = FAST_SANDBOX.to_vec();
    vars.push(("SANDBOX_ACCESS_TOKEN_TTL", "1s"));
    let app = spawn_app_with(&db, &vars).await;
    let token = app.sandbox_token(BUSINESS_USER).await;
    app.clock.advance(chrono::Duration::seconds(2));
    let err = app.tiktok_client(1000, 0).advertisers(&token).await.unwrap_err();
    assert_eq!((err.kind, err.code), (ErrorKind::TokenInvalid, Some(40102)));
}

#[tokio::test]
async fn advertisers_and_their_details_are_listed_with_the_pending_review_one() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let client = app.tiktok_client(1000, 0);
    let token = app.sandbox_token(BUSINESS_USER).await;
    let advertisers = client.advertisers(&token).await.unwrap();
    assert_eq!(advertisers.len(), 3);
    let ids: Vec<String> = advertisers.iter().map(|a| a.advertiser_id.clone()).collect();
    let info = client.advertiser_info(&token, &ids).await.unwrap();
    assert_eq!(info.len(), 3);
    assert!(info.iter().any(|a| a.status.as_deref() == Some("STATUS_PENDING_CONFIRM")));
    assert!(info.iter().all(|a| a.currency.is_some() && a.timezone.is_some()));

    let personal = app.sandbox_token(PERSONAL_USER).await;
    assert!(client.advertisers(&personal).await.unwrap().is_empty());
}

#[tokio::test]
async fn entity_lists_page_through_every_page_and_include_deleted_ones() {
    let db = TestDb::fresh().await;
    let mut vars = FAST_SANDBOX.to_vec();
    vars.extend([
        ("SANDBOX_CAMPAIGNS", "1001"),
        ("SANDBOX_ADGROUPS_PER_CAMPAIGN", "1"),
        ("SANDBOX_ADS_PER_ADGROUP", "1"),
    ]);
    let app = spawn_app_with(&db, &vars).await;
    let client = app.tiktok_client(1000, 0);
    let token = app.sandbox_token(BUSINESS_USER).await;
    let adv = "7000000000000000001";

    let campaigns = client.campaigns(&token, adv).collect().await.unwrap();
    assert_eq!(campaigns.len(), 1001, "deleted campaigns come back too");
    assert!(campaigns.iter().any(|c| c.operation_status.as_deref() == Some("DELETE")));
    let counts = app.sandbox_counts().await;
    assert_eq!(counts["counts"]["campaign/get/"], 2, "two pages of 1000");

    let ad_groups = client.ad_groups(&token, adv).collect().await.unwrap();
    let ads = client.ads(&token, adv).collect().await.unwrap();
    assert_eq!((ad_groups.len(), ads.len()), (1001, 1001));
    assert!(ads.iter().all(|a| a.adgroup_id.is_some() && a.campaign_id.is_some()));
}

#[tokio::test]
async fn creatives_audiences_and_pixels_with_events_are_read() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let client = app.tiktok_client(1000, 0);
    let token = app.sandbox_token(BUSINESS_USER).await;
    let adv = "7000000000000000002";
    assert!(!client.images(&token, adv).collect().await.unwrap().is_empty());
    assert!(!client.videos(&token, adv).collect().await.unwrap().is_empty());
    assert!(!client.audiences(&token, adv).collect().await.unwrap().is_empty());
    let pixels = client.pixels(&token, adv).collect().await.unwrap();
    assert!(!pixels.is_empty());
    assert!(pixels.iter().all(|p| !p.events.is_empty()));
}

#[tokio::test]
async fn daily_reports_parse_rows_and_refuse_windows_over_30_days() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let client = app.tiktok_client(1000, 0);
    let token = app.sandbox_token(BUSINESS_USER).await;
    let adv = "7000000000000000001";
    let end = chrono::Utc::now().date_naive() - chrono::Duration::days(2);
    let start = end - chrono::Duration::days(29);

    for level in [DataLevel::Advertiser, DataLevel::Campaign, DataLevel::AdGroup, DataLevel::Ad] {
        let rows = client.daily_report(&token, adv, level, start, end).unwrap().collect().await.unwrap();
        assert!(!rows.is_empty(), "{level:?}");
        assert!(rows.iter().all(|r| r.date >= start && r.date <= end));
        assert!(rows.iter().all(|r| r.metrics.get(wevion::tiktok::wire::WireMetric::Spend).is_some()
            && r.metrics.get(wevion::tiktok::wire::WireMetric::Impressions).is_some()));
    }
    let too_long = client.daily_report(&token, adv, DataLevel::Ad, start - chrono::Duration::days(1), end);
    assert_eq!(too_long.err().map(|e| e.kind), Some(ErrorKind::BadRequest));
}

#[tokio::test]
async fn each_error_class_is_mapped_from_the_sandbox_answer() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let client = app.tiktok_client(1000, 0);
    let token = app.sandbox_token(BUSINESS_USER).await;
    let adv = "7000000000000000001";
    for (code, kind) in [
        (40100, ErrorKind::RateLimited),
        (40133, ErrorKind::RateLimited),
        (50000, ErrorKind::Transient),
        (51010, ErrorKind::Transient),
        (60001, ErrorKind::Transient),
        (40102, ErrorKind::TokenInvalid),
        (40105, ErrorKind::TokenInvalid),
        (40001, ErrorKind::Permission),
        (40067, ErrorKind::QueryTooLarge),
        (40002, ErrorKind::BadRequest),
        // Timeouts last: after two, the same request is held back (TikTok would block it).
        (50002, ErrorKind::Transient),
        (504, ErrorKind::Transient),
    ] {
        app.sandbox_control("faults", json!({"path": "campaign/get/", "code": code, "count": 1})).await;
        let err = client.campaigns(&token, adv).collect().await.unwrap_err();
        assert_eq!(err.kind, kind, "code {code}");
        if code != 504 {
            assert_eq!(err.code, Some(code));
            assert!(err.request_id.is_some());
        }
    }
}

#[tokio::test]
async fn rate_limited_and_transient_answers_are_retried_until_success() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let client = app.tiktok_client(1000, 3);
    let token = app.sandbox_token(BUSINESS_USER).await;
    app.sandbox_control("faults", json!({"path": "campaign/get/", "code": 40100, "count": 1})).await;
    app.sandbox_control("faults", json!({"path": "campaign/get/", "code": 504, "count": 1})).await;
    let campaigns = client.campaigns(&token, "7000000000000000001").collect().await.unwrap();
    assert!(!campaigns.is_empty());
    let meter = client.meter();
    assert_eq!(meter.requests, 3);
    assert_eq!(meter.retries, 2);
    assert_eq!(meter.rate_limited, 1);
    assert!(meter.waited > std::time::Duration::ZERO);
}

#[tokio::test]
async fn an_advertiser_the_token_cannot_reach_is_a_permission_error() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let token = app.sandbox_token(BUSINESS_USER).await;
    let err = app.tiktok_client(1000, 0).campaigns(&token, "7000000000000000004").collect().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permission);
}

#[tokio::test]
async fn concurrent_tasks_share_one_budget_and_never_trip_the_sandbox_limit() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, &[("SANDBOX_APP_QPS", "20"), ("SANDBOX_ADVERTISER_PATH_QPS", "1000")]).await;
    let token = app.sandbox_token(BUSINESS_USER).await;
    app.sandbox_control("reset", json!({})).await;
    let client = app.tiktok_client(20, 0);
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let adv = ["7000000000000000001", "7000000000000000002", "7000000000000000003"][i % 3];
                for _ in 0..6 {
                    client.audiences(&token, adv).collect().await.expect("no call is refused");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let counts = app.sandbox_counts().await;
    assert_eq!(counts["rate_limited"], 0, "the sandbox never answered 40100/40133");
    let sent = counts["counts"]["dmp/custom_audience/list/"].as_f64().unwrap();
    assert_eq!(sent, 48.0);
    // 48 requests at 20/s with a burst of 10 take at least (48 - 10) / 20 seconds.
    assert!(elapsed >= (sent - 10.0) / 20.0 - 0.05, "{sent} requests in {elapsed:.2}s exceed 20/s");
}

/// A client of TikTok's API at `base` (a stand-in this test serves).
fn client_at(base: &str) -> wevion::tiktok::TikTokClient {
    use wevion::tiktok::{ClientConfig, RetryPolicy};
    let zero = std::time::Duration::ZERO;
    wevion::tiktok::TikTokClient::new(
        ClientConfig {
            api_base_url: url::Url::parse(base).unwrap(),
            auth_url: url::Url::parse(base).unwrap(),
            app_id: "app".into(),
            app_secret: SecretString::from("secret"),
            qps: 1000,
            advertiser_path_qps: 1000,
            timeout: std::time::Duration::from_secs(10),
            retry: RetryPolicy { max_retries: 0, min_delay: zero, max_delay: zero },
        },
        std::sync::Arc::new(wevion::clock::SystemClock),
    )
    .unwrap()
}

/// Serves `router` on a free port; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = crate::helpers::free_listener().await;
    let base = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_the_token_never_reaches_another_host() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static REACHED: AtomicBool = AtomicBool::new(false);
    let elsewhere = serve(axum::Router::new().fallback(|| async {
        REACHED.store(true, Ordering::SeqCst);
        "{}"
    }))
    .await;
    let to = format!("{elsewhere}steal");
    let redirecting = serve(axum::Router::new().fallback(move || {
        let to = to.clone();
        async move { axum::response::Redirect::temporary(&to) }
    }))
    .await;
    let err = client_at(&redirecting).advertisers(&SecretString::from("tok")).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadRequest);
    assert!(err.message.contains("redirect"), "{}", err.message);
    assert!(!REACHED.load(Ordering::SeqCst), "the other host was never called");
}

#[tokio::test]
async fn an_answer_past_the_size_limit_is_refused_without_reading_it_all() {
    // 40 MiB of JSON whitespace, streamed without a length.
    let endless = serve(axum::Router::new().fallback(|| async {
        let chunks = futures::stream::iter(
            (0..40).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 1 << 20]))),
        );
        axum::body::Body::from_stream(chunks)
    }))
    .await;
    let err = client_at(&endless).advertisers(&SecretString::from("tok")).await.unwrap_err();
    assert!(err.message.contains("over 32 MiB"), "{}", err.message);
}

#[tokio::test]
async fn a_call_a_person_waits_on_reports_an_app_pause_longer_than_its_limit_instead_of_waiting_it_out() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let token = app.sandbox_token(BUSINESS_USER).await;
    let client = app.tiktok_client(1000, 2);
    // Another instance met TikTok's app limit (40100) and holds every call back for a minute.
    client.pause_until(client.now() + chrono::Duration::seconds(60));
    let before = app.sandbox_requests().await;

    let bound = std::time::Duration::from_secs(20);
    let answered = tokio::time::timeout(bound, client.interactive().advertisers(&token))
        .await
        .expect("the interactive call waited out the pause instead of answering within its limit");
    let err = answered.expect_err("nothing is sent while the app is paused");
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert!(err.message.contains("slow down"), "{err}");
    assert_eq!(app.sandbox_requests().await, before, "no request reached TikTok");
}

#[tokio::test]
async fn a_request_tiktok_timed_out_on_is_sent_again_unchanged_once_at_most() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, FAST_SANDBOX).await;
    let token = app.sandbox_token(BUSINESS_USER).await;
    app.sandbox_control("faults", json!({"path": "user/info/", "code": 50002, "count": 5})).await;
    let err = app.tiktok_client(1000, 6).user_info(&token).await.unwrap_err();
    assert!(err.timed_out && err.kind == ErrorKind::Transient, "{err}");
    assert_eq!(app.sandbox_counts().await["counts"]["user/info/"], 2, "sent, then once more, never a third time");
    assert_eq!(app.sandbox_counts().await["penalty"]["blocked"], 0);
}
