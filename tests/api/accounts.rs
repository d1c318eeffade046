use crate::helpers::{app_error, client, client_for, spawn_app, spawn_app_with, TestDb, PASSWORD};
use reqwest::header;
use strum::VariantArray;
use wevion::{error::ErrorCode, roles::Role};

#[tokio::test]
async fn signing_in_with_the_right_password_opens_the_app() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.add_user("Acme", "Ann@Acme.test", Role::Manager).await;

    let response = app.sign_in("ann@acme.test", PASSWORD).await;
    assert!(response.status().is_redirection() || response.status().is_success(), "{}", response.status());
    let cookie = response.headers().get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap().to_string();
    assert!(cookie.starts_with("wevion_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain-http localhost cannot use Secure cookies");

    let page = app.get("/connect/tiktok").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("ann@acme.test"));
    assert!(html.contains("Acme"));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.add_user("Acme", "ann@acme.test", Role::Manager).await;

    let wrong_password = app_error(app.sign_in("ann@acme.test", "nope nope nope").await).await;
    let unknown_email = app_error(app.sign_in("bob@acme.test", PASSWORD).await).await;
    assert_eq!(wrong_password.code, ErrorCode::InvalidCredentials);
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(app.get("/connect/tiktok").await.status(), 303, "still signed out");
}

#[tokio::test]
async fn unauthenticated_requests_for_app_pages_redirect_to_login() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    for path in ["/connect/tiktok", "/dashboard", "/ads-manager", "/"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        let location = response.headers()[header::LOCATION].to_str().unwrap();
        assert!(location.starts_with("/login?next="), "{path} → {location}");
    }
    assert_eq!(app.get("/login").await.status(), 200);
}

#[tokio::test]
async fn server_functions_refuse_anonymous_callers() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let err = app_error(app.server_fn("me", &[]).await).await;
    assert_eq!(err.code, ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    assert_eq!(app.get("/connect/tiktok").await.status(), 200);

    let response = app.server_fn("logout", &[]).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    assert_eq!(app.get("/connect/tiktok").await.status(), 303);
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let db = TestDb::fresh().await;
    let first = spawn_app(&db).await;
    first.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    let cookie = session_cookie(&first).await;
    first.shut_down().await;

    let second = spawn_app(&db).await;
    let response = client().get(second.url("/connect/tiktok")).header(header::COOKIE, cookie).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("ann@acme.test"));
}

#[tokio::test]
async fn a_session_lasts_fourteen_days_from_its_last_use_not_from_sign_in() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
    use wevion::db::entities::session;
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;

    // As if Ann signed in thirteen days ago and was last here then: an hour of the session left.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let row = session::Entity::find().one(&app.state.db).await.unwrap().expect("the session row");
    let mut data: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&row.data).unwrap();
    data.insert(wevion::auth::SESSION_SEEN_AT.into(), (now - 13 * 86_400).into());
    let mut aged = row.into_active_model();
    aged.data = Set(serde_json::to_string(&data).unwrap());
    aged.expires_at = Set(now + 3600);
    aged.update(&app.state.db).await.unwrap();

    let visit = app.get("/connect/tiktok").await;
    assert_eq!(visit.status(), 200, "an hour was left");
    let cookie = visit.headers().get(header::SET_COOKIE).expect("the cookie is renewed").to_str().unwrap();
    let max_age: i64 = cookie
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Max-Age="))
        .and_then(|age| age.parse().ok())
        .unwrap_or_else(|| panic!("a Max-Age: {cookie}"));
    assert!(max_age >= 14 * 86_400 - 60, "fourteen days from now: {cookie}");
    let row = session::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert!(row.expires_at >= now + 14 * 86_400 - 60, "the stored session lasts fourteen days from this visit");

    let again = app.get("/connect/tiktok").await;
    assert_eq!(again.status(), 200);
    assert!(again.headers().get(header::SET_COOKIE).is_none(), "a second visit within the hour writes nothing");

    let mut idle = session::Entity::find().one(&app.state.db).await.unwrap().unwrap().into_active_model();
    idle.expires_at = Set(now - 1);
    idle.update(&app.state.db).await.unwrap();
    assert_eq!(app.get("/connect/tiktok").await.status(), 303, "fourteen idle days end it");
}

async fn session_cookie(app: &crate::helpers::TestApp) -> String {
    // Sign in again on a bare client to read the cookie it is given.
    let response = client_for(&app.base)
        .post(app.url("/api/login"))
        .header(header::ACCEPT, "application/json")
        .form(&[("email", "ann@acme.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.add_user("Acme", "ann@acme.test", Role::Manager).await;
    let mut codes = Vec::new();
    for _ in 0..12 {
        codes.push(app_error(app.sign_in("ann@acme.test", "guess guess").await).await.code);
    }
    assert_eq!(codes[0], ErrorCode::InvalidCredentials);
    assert_eq!(codes.last(), Some(&ErrorCode::RateLimited));
    // Even the right password waits until the budget refills.
    assert_eq!(app_error(app.sign_in("ann@acme.test", PASSWORD).await).await.code, ErrorCode::RateLimited);
    app.clock.advance(chrono::Duration::seconds(61));
    let signed_in = app.sign_in("ann@acme.test", PASSWORD).await.status();
    assert!(signed_in.is_success() || signed_in.is_redirection(), "a minute later it does not: {signed_in}");
}

#[tokio::test]
async fn a_member_sees_only_their_own_workspace() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.add_user("Globex", "gail@globex.test", Role::Owner).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;

    let me = app.server_fn("me", &[]).await.text().await.unwrap();
    assert!(me.contains("Acme") && !me.contains("Globex"), "{me}");
    for path in ["/connect/tiktok", "/dashboard", "/ads-manager"] {
        let html = app.get(path).await.text().await.unwrap();
        assert!(!html.contains("Globex") && !html.contains("gail@globex.test"), "{path} leaks workspace B");
    }
}

#[tokio::test]
async fn a_mediabuyer_sees_the_tiktok_page_read_only() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    app.signed_in_as("Acme", "mia@acme.test", Role::Mediabuyer).await;
    let html = app.get("/connect/tiktok").await.text().await.unwrap();
    assert!(html.contains("A manager or above must connect TikTok."));
    assert!(!html.contains("data-testid=\"connect-button\""));
}

#[tokio::test]
async fn sandbox_mode_seeds_one_demo_user_per_role_once() {
    let db = TestDb::fresh().await;
    let app = spawn_app_with(&db, &[("SEED_DEMO_PASSWORD", "demo-password-1")]).await;
    for &role in Role::VARIANTS {
        let email = format!("{}@demo.wevion.test", role.as_str().replace('_', "-"));
        let member = client_for(&app.base);
        let response = member
            .post(app.url("/api/login"))
            .header(header::ACCEPT, "application/json")
            .form(&[("email", email.as_str()), ("password", "demo-password-1")])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{email} cannot sign in: {}", response.status());
        let me: serde_json::Value = member
            .post(app.url("/api/me"))
            .header(header::ACCEPT, "application/json")
            .form(&[] as &[(&str, &str)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["role"], role.as_str(), "{email} is signed in with their role");
        assert_eq!(me["workspace_name"], "Demo Agency");
    }
    app.shut_down().await;
    // A second start finds users and seeds nothing (the new password would not work).
    let again = spawn_app_with(&db, &[("SEED_DEMO_PASSWORD", "other-password")]).await;
    let err = app_error(again.sign_in("manager@demo.wevion.test", "other-password").await).await;
    assert_eq!(err.code, ErrorCode::InvalidCredentials);
}

#[tokio::test]
async fn the_user_add_command_creates_a_member_who_can_sign_in() {
    let db = TestDb::fresh().await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_wevion"))
        .args(["user", "add", "--workspace", "Initech", "--email", "peter@initech.test", "--role", "admin"])
        .env("DATABASE_URL", &db.url)
        .env("WEVION_PASSWORD", "tps-reports-2026")
        .env("TIKTOK_APP_ID", "")
        .output()
        .await
        .expect("wevion runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let app = spawn_app(&db).await;
    let response = app.sign_in("peter@initech.test", "tps-reports-2026").await;
    assert!(!response.status().is_server_error());
    let html = app.get("/connect/tiktok").await.text().await.unwrap();
    assert!(html.contains("Initech"));
}

#[tokio::test]
async fn bad_configuration_stops_start_up_with_one_line_naming_the_variable() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_wevion"))
        .arg("migrate")
        .env("TIKTOK_QPS", "lots")
        .output()
        .await
        .expect("wevion runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("TIKTOK_QPS"), "{stderr}");
}
