//! Prometheus metrics: every name in one place, recorded where things happen (through the
//! `metrics` facade, so recording is a no-op until a recorder is installed) and rendered by the
//! server at `/metrics`.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// The process-wide recorder (one per process: every app built in a test process shares it).
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0])
                .expect("fixed buckets are valid")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder already installed (a test harness's): ours still renders what it got.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// One answer (or failure) of a TikTok call: `outcome` is `ok` or the error's kind.
pub fn tiktok_request(path: &'static str, outcome: &'static str) {
    metrics::counter!("wevion_tiktok_requests_total", "path" => path, "outcome" => outcome).increment(1);
}

/// A wait after TikTok said the budget is spent (40100, 40133).
pub fn rate_limit_wait(path: &'static str) {
    metrics::counter!("wevion_tiktok_rate_limit_waits_total", "path" => path).increment(1);
}

/// Requests a second this instance may send (its share of `TIKTOK_QPS`), and the instances sharing.
pub fn budget(per_second: u32, instances: u32) {
    metrics::gauge!("wevion_tiktok_budget_per_second").set(f64::from(per_second));
    metrics::gauge!("wevion_instances").set(f64::from(instances));
}

/// A sync run came to an end here: `succeeded`, `failed`, `paused`, `yielded`, `lost_lease` or `stopped`.
pub fn run_ended(outcome: &'static str, seconds: f64) {
    metrics::counter!("wevion_sync_runs_total", "outcome" => outcome).increment(1);
    metrics::histogram!("wevion_sync_run_duration_seconds", "outcome" => outcome).record(seconds);
}

/// Rows written by a sync step.
pub fn rows_written(step: &'static str, rows: u64) {
    metrics::counter!("wevion_sync_rows_written_total", "step" => step).increment(rows);
}

/// Active accounts whose next sync is more than one interval late.
pub fn accounts_overdue(count: u64) {
    metrics::gauge!("wevion_sync_accounts_overdue").set(count as f64);
}

/// Ad accounts whose card shows this state (`fresh`, `syncing`, `reconnect`, `stuck`…).
pub fn accounts_in_state(state: &'static str, count: u64) {
    metrics::gauge!("wevion_accounts", "state" => state).set(count as f64);
}

/// How a token refresh went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    Ok,
    /// TikTok refused it for good: Reconnect.
    Rejected,
    /// Tried again later.
    Failed,
}

pub fn token_refresh(outcome: Refresh) {
    let outcome = match outcome {
        Refresh::Ok => "ok",
        Refresh::Rejected => "rejected",
        Refresh::Failed => "failed",
    };
    metrics::counter!("wevion_tiktok_token_refreshes_total", "outcome" => outcome).increment(1);
}
