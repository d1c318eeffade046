//! Cross-site requests, security headers, sandbox exposure, cookies and the login limiter.

use crate::helpers::{
    app_error, client, client_for, free_listener, settings_for, spawn_app, spawn_app_with, TestDb, PASSWORD,
};
use reqwest::header;
use std::sync::Arc;
use wevion::{clock::SystemClock, error::ErrorCode, roles::Role, server::Application};

#[tokio::test]
async fn a_cross_origin_post_to_a_server_function_or_the_login_is_refused_and_same_origin_works() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.add_user("Acme", "ann@acme.test", Role::Manager).await;
    let evil = |path: &str| {
        client()
            .post(app.url(path))
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, "https://evil.example")
    };
    // Login CSRF: a foreign page cannot sign a victim into the attacker's account.
    let login = evil("/api/login").form(&[("email", "ann@acme.test"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(login.status(), 403);
    assert!(login.headers().get(header::SET_COOKIE).is_none(), "no session was started");
    assert_eq!(app_error(login).await.code, ErrorCode::Forbidden);
    let logout = evil("/api/logout").form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(logout.status(), 403);

    // The same request from our own pages works.
    let ok = app.sign_in("ann@acme.test", PASSWORD).await;
    assert!(ok.status().is_success() || ok.status().is_redirection(), "{}", ok.status());
    // A signed-in member's browser on another site still cannot act for them.
    let import = app
        .client
        .post(app.url("/api/tiktok/import"))
        .header(header::ORIGIN, "https://evil.example")
        .json(&serde_json::json!({"source": {"Grant": 1}, "advertiser_ids": ["1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(import.status(), 403);
}

#[tokio::test]
async fn a_request_that_says_nothing_of_where_it_comes_from_is_refused() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let bare =
        client().post(app.url("/api/login")).form(&[("email", "a@b.c"), ("password", "x")]).send().await.unwrap();
    assert_eq!(bare.status(), 403);
    let fetch_same_origin = client()
        .post(app.url("/api/login"))
        .header("sec-fetch-site", "same-origin")
        .header(header::ACCEPT, "application/json")
        .form(&[("email", "a@b.c"), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(app_error(fetch_same_origin).await.code, ErrorCode::InvalidCredentials, "fetch metadata is enough");
}

#[tokio::test]
async fn server_functions_refuse_bodies_they_do_not_decode() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let plain = app
        .client
        .post(app.url("/api/login"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body("email=a@b.c&password=x")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 415);
}

#[tokio::test]
async fn starting_an_authorization_from_another_site_is_refused() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    let foreign = app
        .client
        .get(app.url("/connect/tiktok/start"))
        .header(header::ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let html = foreign.text().await.unwrap();
    assert!(html.contains("only accepts changes made from its own pages"), "{html}");
    let ours =
        app.client.get(app.url("/connect/tiktok/start")).header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_eq!(ours.status(), 303);
}

#[tokio::test]
async fn every_page_carries_security_headers_with_a_fresh_script_nonce() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let page = app.get("/login").await;
        let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
        let scripts = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("unsafe-inline"), "no inline script runs without the nonce: {scripts}");
        assert_eq!(page.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(page.headers()[header::REFERRER_POLICY], "same-origin");
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
        let html = page.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration scripts carry the policy's nonce");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1]);
}

#[tokio::test]
async fn sandbox_mode_is_refused_with_an_https_public_url_unless_asked_for_on_purpose() {
    let db = TestDb::fresh().await;
    let settings = settings_for(&db, &[("APP_PUBLIC_URL", "https://ads.example.com/")]);
    let refused = Application::build_on(settings, free_listener().await, Arc::new(SystemClock)).await;
    let message = format!("{:#}", refused.err().expect("refused"));
    assert!(message.contains("SANDBOX") && message.contains("https://ads.example.com/"), "{message}");

    let settings = settings_for(&db, &[("APP_PUBLIC_URL", "https://ads.example.com/"), ("SANDBOX", "1")]);
    assert!(Application::build_on(settings, free_listener().await, Arc::new(SystemClock)).await.is_ok());
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_public_url_is_https_or_forced() {
    for extra in [vec![("APP_PUBLIC_URL", "https://ads.example.com/"), ("SANDBOX", "1")], vec![("SECURE_COOKIES", "1")]]
    {
        let db = TestDb::fresh().await;
        let app = spawn_app_with(&db, &extra).await;
        app.add_user("Acme", "ann@acme.test", Role::Manager).await;
        let origin = app.state.public_url.origin().ascii_serialization();
        let response = client_for(&origin)
            .post(app.url("/api/login"))
            .header(header::ACCEPT, "application/json")
            .form(&[("email", "ann@acme.test"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let cookie = response.headers().get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap().to_owned();
        assert!(cookie.contains("Secure"), "{extra:?}: {cookie}");
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_sign_in_attempts_are_limited_per_forwarded_client() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, &[("TRUSTED_PROXY_HEADER", "X-Forwarded-For")]).await;
    let attempt = |ip: &'static str, n: usize| {
        app.client
            .post(app.url("/api/login"))
            .header(header::ACCEPT, "application/json")
            .header("x-forwarded-for", format!("6.6.6.6, {ip}"))
            .form(&[("email", format!("nobody{n}@acme.test")), ("password", "wrong password".into())])
            .send()
    };
    // All at once, so the budget cannot refill between attempts.
    let attempts = futures::future::join_all((0..45).map(|n| attempt("203.0.113.1", n))).await;
    let mut codes = Vec::new();
    for response in attempts {
        codes.push(app_error(response.unwrap()).await.code);
    }
    assert!(codes.contains(&ErrorCode::RateLimited), "one client spraying emails is stopped: {codes:?}");
    let other = app_error(attempt("203.0.113.2", 99).await.unwrap()).await.code;
    assert_eq!(other, ErrorCode::InvalidCredentials, "another client behind the same proxy is not");
}

#[tokio::test]
async fn an_attacker_spending_a_victims_sign_in_budget_does_not_keep_the_victim_out() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, &[("TRUSTED_PROXY_HEADER", "X-Forwarded-For")]).await;
    app.add_user("Acme", "ann@acme.test", Role::Manager).await;
    let attempt = |ip: &'static str, password: &'static str| {
        app.client
            .post(app.url("/api/login"))
            .header(header::ACCEPT, "application/json")
            .header("x-forwarded-for", ip)
            .form(&[("email", "ann@acme.test"), ("password", password)])
            .send()
    };
    // The attack: a burst of guesses at Ann's email, then one every 6 s, which keeps the
    // email's budget spent.
    let mut codes = Vec::new();
    for _ in 0..12 {
        codes.push(app_error(attempt("198.51.100.66", "guess guess").await.unwrap()).await.code);
    }
    for _ in 0..20 {
        app.clock.advance(chrono::Duration::seconds(6));
        codes.push(app_error(attempt("198.51.100.66", "guess guess").await.unwrap()).await.code);
        // Ann, from her own address, signs in while the attack runs.
        if codes.len() == 20 {
            let ann = attempt("203.0.113.7", PASSWORD).await.unwrap();
            assert!(ann.status().is_success() || ann.status().is_redirection(), "Ann is let in: {}", ann.status());
        }
    }
    assert_eq!(codes[11], ErrorCode::RateLimited, "the attacker's own budget is spent");
    assert_eq!(codes[12..], [ErrorCode::InvalidCredentials; 20], "one guess per 6 s, no more");
    let ann_again = attempt("203.0.113.7", PASSWORD).await.unwrap();
    assert!(ann_again.status().is_success() || ann_again.status().is_redirection());
}
