use super::AppState;
use crate::telemetry::metrics;
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Prometheus text for operators, behind `METRICS_TOKEN` (a bearer token): not public.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.settings.metrics_token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as digests: equal-length values, so the time taken says nothing about the token.
    if Sha256::digest(given.as_bytes()) != Sha256::digest(expected.expose_secret().as_bytes()) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "a metrics token is needed")
            .into_response();
    }
    match state.sync.overdue_accounts().await {
        Ok(n) => metrics::accounts_overdue(n),
        Err(e) => tracing::warn!(error = %e, "could not count overdue accounts for /metrics"),
    }
    match state.sync.accounts_by_state().await {
        Ok(states) => states.into_iter().for_each(|(state, n)| metrics::accounts_in_state(state, n)),
        Err(e) => tracing::warn!(error = %e, "could not count accounts by state for /metrics"),
    }
    let body = metrics::recorder().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
