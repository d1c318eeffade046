use crate::helpers::{free_listener, settings_for, spawn_app, TestDb};

#[tokio::test]
async fn healthz_answers_when_the_process_is_up() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_answers_when_the_database_is_reachable() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn a_second_instance_on_the_same_sqlite_file_is_refused_and_postgres_takes_several() {
    let db = TestDb::fresh().await;
    let _first = spawn_app(&db).await;
    let second = wevion::server::Application::build_on(
        settings_for(&db, &[]),
        free_listener().await,
        std::sync::Arc::new(wevion::clock::SystemClock),
    )
    .await;
    if db.url.starts_with("sqlite") {
        let err = second.err().expect("the second instance is refused").to_string();
        assert!(err.contains("another wevion instance is serving the SQLite database"), "{err}");
    } else {
        assert!(second.is_ok(), "several instances share one Postgres");
    }
}
