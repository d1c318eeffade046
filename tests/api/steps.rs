//! Steps that never hold each other back: a minor step that keeps failing is a gap at once and
//! the account's today is read at every interval; the step is tried again at the next sync.

use crate::sync::{account, app_with, counts, drain, last_run, US};
use chrono::Duration;
use serde_json::{json, Value};
use wevion::{
    db::entities::sync_run::{RunStatus, RunTrigger},
    sandbox::BUSINESS_USER,
    sync::{Outcome, Step},
};

fn asked(counts: &Value, path: &str) -> f64 {
    counts["counts"][path].as_f64().unwrap_or(0.0)
}

#[tokio::test]
async fn a_minor_step_that_keeps_failing_is_a_gap_at_once_and_today_is_read_at_every_interval() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // From now on TikTok answers every pixel list with a system error (50000).
    app.sandbox_control("faults", json!({"path": "pixel/list/", "code": 50000, "count": 100_000})).await;
    for sync in 0..3 {
        let before = counts(&app).await;
        let outcomes = drain(&app).await;
        assert!(
            matches!(outcomes.as_slice(), [Outcome::Finished { succeeded: true, .. }]),
            "sync {sync} ends at once, never put back to wait for the pixels: {outcomes:?}"
        );
        let after = counts(&app).await;
        assert!(asked(&after, "report/integrated/get/") > asked(&before, "report/integrated/get/"), "today read");
        assert!(asked(&after, "pixel/list/") > asked(&before, "pixel/list/"), "the pixel step is tried again");

        let us = account(&app, US).await;
        assert_eq!(us.last_synced_at, Some(app.clock_now()), "sync {sync} brought today in");
        let run = last_run(&app, us.id).await;
        assert_eq!(run.status, RunStatus::Succeeded);
        assert_eq!(run.trigger, if sync == 0 { RunTrigger::First } else { RunTrigger::Scheduled });
        let gaps: Vec<Step> = run.step_errors().iter().map(|e| e.step).collect();
        assert_eq!(gaps, [Step::Pixels], "only the pixels are missing");
        assert!(run.step_errors()[0].message.contains("50000"), "with TikTok's evidence: {:?}", run.step_errors());
        let card = &app.connections().await[0]["accounts"][0];
        assert_eq!(card["gaps"].as_array().map(Vec::len), Some(1), "{card}");
        assert!(card["gaps"][0].as_str().unwrap_or_default().contains("pixels"), "{card}");
        assert!(card["sync_label"].as_str().unwrap_or_default().starts_with("Last synced"), "{card}");

        app.clock.advance(Duration::minutes(16));
    }
}
