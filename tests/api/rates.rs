//! Daily exchange rates: a file is stored whole or not at all, exactly as written, for its
//! workspace only; the `wevion rates import` command does the same from the command line.

use crate::helpers::{spawn_app, TestApp, TestDb};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use wevion::{
    db::{self, entities::exchange_rate},
    model::currency::Currency,
    rates::{FileError, ImportError, RatesService},
    roles::Role,
};

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

async fn workspace(app: &TestApp, name: &str) -> i32 {
    app.add_user(name, &format!("admin@{}.test", name.to_lowercase()), Role::Admin).await;
    db::accounts::workspace_named(&app.state.db, name).await.unwrap().expect("the workspace").id
}

fn rates_of(app: &TestApp) -> RatesService {
    RatesService::new(app.state.db.clone(), app.clock.clone())
}

/// (day, currency, to, rate) of `workspace_id`'s stored rates, in day then currency order.
async fn stored(app: &TestApp, workspace_id: i32) -> Vec<(String, String, String, String)> {
    exchange_rate::Entity::find()
        .filter(exchange_rate::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(exchange_rate::Column::Day)
        .order_by_asc(exchange_rate::Column::Currency)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.day.to_string(), r.currency, r.to_currency, r.rate))
        .collect()
}

fn row(day: &str, currency: &str, rate: &str) -> (String, String, String, String) {
    (day.into(), currency.into(), "EUR".into(), rate.into())
}

#[tokio::test]
async fn a_rates_file_is_stored_exactly_as_written_for_its_workspace_only() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let (acme, other) = (workspace(&app, "Acme").await, workspace(&app, "Other").await);
    let file = "date,currency,rate\n2026-11-02,USD,0.918734\n2026-11-02,AUD,0.6010\n2026-11-03,USD,0.9201\n";

    let done = rates_of(&app).import(acme, &eur(), file.as_bytes()).await.unwrap();

    assert_eq!((done.rates, done.replaced), (3, 0));
    assert_eq!(done.currencies.iter().map(Currency::as_str).collect::<Vec<_>>(), ["AUD", "USD"]);
    assert_eq!((done.first.to_string(), done.last.to_string()), ("2026-11-02".into(), "2026-11-03".into()));
    assert_eq!(
        stored(&app, acme).await,
        [row("2026-11-02", "AUD", "0.601"), row("2026-11-02", "USD", "0.918734"), row("2026-11-03", "USD", "0.9201")]
    );
    assert!(stored(&app, other).await.is_empty(), "another workspace's rates are its own");
    let theirs = rates_of(&app).import(other, &eur(), file.as_bytes()).await.unwrap();
    assert_eq!((theirs.rates, theirs.replaced), (3, 0), "the same days in another workspace are new there");
}

#[tokio::test]
async fn a_malformed_file_imports_nothing_and_names_the_bad_line() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let acme = workspace(&app, "Acme").await;
    rates_of(&app).import(acme, &eur(), b"2026-11-01,USD,0.91\n").await.unwrap();
    let file = "2026-11-01,USD,0.95\n2026-11-02,USD,0.92\n2026-11-31,USD,0.93\n2026-11-04,USD,0.94\n";

    let err = rates_of(&app).import(acme, &eur(), file.as_bytes()).await.unwrap_err();

    let ImportError::File(FileError::Lines { problems, .. }) = &err else { panic!("{err}") };
    assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), [3]);
    assert_eq!(err.to_string(), "nothing was imported; line 3: '2026-11-31' is not a date (YYYY-MM-DD, as 2026-11-02)");
    assert_eq!(stored(&app, acme).await, [row("2026-11-01", "USD", "0.91")], "the good lines were not stored either");
}

#[tokio::test]
async fn importing_a_day_again_takes_the_new_rate() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let acme = workspace(&app, "Acme").await;
    rates_of(&app).import(acme, &eur(), b"2026-11-01,USD,0.91\n2026-11-02,USD,0.92\n").await.unwrap();

    let done = rates_of(&app).import(acme, &eur(), b"2026-11-02,USD,0.925\n2026-11-03,USD,0.93\n").await.unwrap();

    assert_eq!((done.rates, done.replaced), (2, 1));
    assert_eq!(
        stored(&app, acme).await,
        [row("2026-11-01", "USD", "0.91"), row("2026-11-02", "USD", "0.925"), row("2026-11-03", "USD", "0.93")]
    );
}

async fn wevion(db: &TestDb, args: &[&str]) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_wevion"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .output()
        .await
        .expect("wevion runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

#[tokio::test]
async fn the_rates_import_command_stores_a_file_or_says_which_line_is_wrong() {
    let db = TestDb::fresh().await;
    let app = spawn_app(&db).await;
    let acme = workspace(&app, "Acme").await;
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
    std::fs::write(&good, "date,currency,rate\n2026-11-02,USD,0.9187\n2026-11-02,AUD,0.601\n").unwrap();
    std::fs::write(&bad, "date,currency,rate\n2026-11-03,USD,0.92\n2026-11-03,AUD,0;60\n").unwrap();
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();

    let (ok, out, err) = wevion(&db, &["rates", "import", &path(&good), "--workspace", "Acme", "--to", "eur"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("imported 2 rate(s) to EUR for Acme: AUD, USD from 2026-11-02 to 2026-11-02"), "{out}");

    let (ok, _, err) = wevion(&db, &["rates", "import", &path(&bad), "--workspace", "Acme", "--to", "EUR"]).await;
    assert!(!ok);
    assert!(err.contains("bad.csv: nothing was imported; line 3: '0;60' is not a rate"), "{err}");
    assert_eq!(stored(&app, acme).await.len(), 2, "nothing of the bad file was stored");

    let (ok, _, err) = wevion(&db, &["rates", "import", &path(&good), "--workspace", "Acme"]).await;
    assert!(!ok);
    assert!(err.contains("Acme has no reporting currency"), "{err}");
    rates_of(&app).set_reporting_currency(acme, Some(&eur())).await.unwrap();
    let (ok, out, err) = wevion(&db, &["rates", "import", &path(&good), "--workspace", "Acme"]).await;
    assert!(ok && out.contains("to EUR for Acme"), "the workspace's reporting currency by default: {err}");
    let (ok, _, err) = wevion(&db, &["rates", "import", &path(&good), "--workspace", "Acme", "--to", "USD"]).await;
    assert!(!ok);
    assert!(err.contains("Acme reports in EUR: rates to USD would not be used"), "{err}");
    let (ok, out, err) = wevion(&db, &["rates", "currency", "--workspace", "Acme", "usd"]).await;
    assert!(ok && out.contains("Acme reports in USD"), "{err}");
    assert_eq!(rates_of(&app).reporting_currency(acme).await.unwrap(), Currency::parse("USD"));
    let (ok, out, err) = wevion(&db, &["rates", "currency", "--workspace", "Acme", "none"]).await;
    assert!(ok && out.contains("Acme keeps its totals per currency"), "{err}");
    assert_eq!(rates_of(&app).reporting_currency(acme).await.unwrap(), None);
    let (ok, _, err) = wevion(&db, &["rates", "currency", "--workspace", "Acme", "euros"]).await;
    assert!(!ok && err.contains("'euros' is not a currency code"), "{err}");
    let (ok, _, err) = wevion(&db, &["rates", "import", &path(&good), "--workspace", "Nobody", "--to", "EUR"]).await;
    assert!(!ok);
    assert!(err.contains("there is no workspace named Nobody"), "{err}");
}
