//! `wevion rotate-token-key` re-encrypts stored tokens; the previous key still reads until then.

use crate::helpers::{spawn_app_with, TestApp, TestDb};
use sea_orm::EntityTrait;
use secrecy::ExposeSecret;
use wevion::{
    db::entities::{
        sync_run,
        tiktok_connection::{self, AuthStatus},
    },
    roles::Role,
    sandbox::BUSINESS_USER,
    token_crypto::{Binding, Column, TokenKeys},
};

const OLD: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const NEW: &str = "2222222222222222222222222222222222222222222222222222222222222222";

async fn app_with_key(db: &TestDb, key: &'static str) -> TestApp {
    let mut vars = crate::helpers::CONNECT.to_vec();
    vars.push(("TIKTOK_TOKEN_KEY", key));
    spawn_app_with(db, &vars).await
}

/// A manager's workspace with one connection whose token is sealed under `key`; its id.
async fn connected_under(db: &TestDb, key: &'static str) -> (TestApp, i32) {
    let app = app_with_key(db, key).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    let id = app.connect_and_import(BUSINESS_USER, &["7000000000000000001"]).await;
    (app, id)
}

#[tokio::test]
async fn rotation_re_encrypts_with_the_new_key_and_the_old_key_reads_until_then() {
    let db = TestDb::fresh().await;
    let (app, id) = connected_under(&db, OLD).await;
    let sealed = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();

    let access =
        Binding { workspace_id: sealed.workspace_id, tiktok_user: &sealed.tiktok_user_key, column: Column::Access };
    let open = |keys: &TokenKeys, row: &tiktok_connection::Model| {
        keys.decrypt(&row.key_id, row.token_format, row.access_token_enc.as_deref().unwrap(), access)
    };
    let rotated_keys = TokenKeys::parse(NEW, Some(OLD)).unwrap();
    let plain = open(&rotated_keys, &sealed).unwrap();
    assert!(plain.expose_secret().starts_with("act."), "the previous key still reads");

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_wevion"))
        .arg("rotate-token-key")
        .env("DATABASE_URL", &db.url)
        .env("TIKTOK_TOKEN_KEY", NEW)
        .env("TIKTOK_TOKEN_KEY_PREVIOUS", OLD)
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("re-encrypted"));

    let after = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    let new_only = TokenKeys::parse(NEW, None).unwrap();
    assert_eq!(after.key_id, new_only.current_key_id());
    let reread = open(&new_only, &after).unwrap();
    assert_eq!(reread.expose_secret(), plain.expose_secret());
    assert!(open(&new_only, &sealed).is_err(), "the new key alone cannot read the old blob");
}

#[tokio::test]
async fn a_token_under_a_key_the_settings_lack_fails_the_sync_without_asking_for_reconnect() {
    let db = TestDb::fresh().await;
    let (app, id) = connected_under(&db, OLD).await;
    app.shut_down().await;

    // Restarted with only the new key: a configuration mistake, not a bad token.
    let app = app_with_key(&db, NEW).await;
    let outcome = app.state.sync.sync_next().await.unwrap();
    assert!(matches!(outcome, wevion::sync::Outcome::Finished { succeeded: false, .. }), "{outcome:?}");
    let run = sync_run::Entity::find().all(&app.state.db).await.unwrap().pop().unwrap();
    assert_eq!(run.error_kind, Some(wevion::sync::FailureKind::KeyMissing));
    let row = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.auth_status, AuthStatus::Healthy, "the token is fine; the key is what is missing");
}

#[tokio::test]
async fn a_row_the_database_refuses_to_rewrite_fails_the_rotation_and_is_named() {
    let db = TestDb::fresh().await;
    let (app, id) = connected_under(&db, OLD).await;
    refuse_token_rewrites_of(&app, id).await;

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_wevion"))
        .arg("rotate-token-key")
        .env("DATABASE_URL", &db.url)
        .env("TIKTOK_TOKEN_KEY", NEW)
        .env("TIKTOK_TOKEN_KEY_PREVIOUS", OLD)
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "a row left under the old key is not a finished rotation: {stdout}");
    assert!(stdout.contains("re-encrypted 0 stored TikTok token"), "{stdout}");
    assert!(stderr.contains(&format!("could not re-encrypt connection {id}")), "{stderr}");
    assert!(stderr.contains("1 could not be written"), "{stderr}");
    let row = tiktok_connection::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(row.key_id, TokenKeys::parse(OLD, None).unwrap().current_key_id(), "still under the old key");
    assert_eq!(row.auth_status, AuthStatus::Healthy, "the token itself is fine");
}

/// A trigger that makes the database refuse to rewrite one connection's token.
async fn refuse_token_rewrites_of(app: &TestApp, id: i32) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let db = &app.state.db;
    let statements = match db.get_database_backend() {
        DbBackend::Postgres => vec![
            "CREATE FUNCTION refuse_rewrite() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ \
             LANGUAGE plpgsql"
                .to_string(),
            format!(
                "CREATE TRIGGER refuse_rewrite BEFORE UPDATE OF access_token_enc ON tiktok_connection \
                 FOR EACH ROW WHEN (OLD.id = {id}) EXECUTE FUNCTION refuse_rewrite()"
            ),
        ],
        _ => vec![format!(
            "CREATE TRIGGER refuse_rewrite BEFORE UPDATE OF access_token_enc ON tiktok_connection \
             WHEN OLD.id = {id} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )],
    };
    for sql in statements {
        db.execute_unprepared(&sql).await.unwrap();
    }
}
