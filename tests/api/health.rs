use crate::helpers::{spawn_app, TestDb};

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
