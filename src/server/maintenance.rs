//! Housekeeping beside the server: expired OAuth states and authorizations, expired sessions,
//! idle login rate-limit entries, finished sync runs past what is kept, hourly results past their
//! days. Each pass is a plain call; this loop only repeats it.

use super::AppState;
use crate::auth::session_store::SeaOrmStore;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(60);

pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        once(&state).await;
    }
}

/// One pass; failures are logged and retried on the next.
pub async fn once(state: &AppState) {
    if let Err(e) = state.connect.cleanup().await {
        tracing::warn!(error = %e, "cleanup of expired authorizations failed; retrying in a minute");
    }
    if let Err(e) = SeaOrmStore::new(state.db.clone()).delete_expired().await {
        tracing::warn!(error = %e, "cleanup of expired sessions failed; retrying in a minute");
    }
    if let Err(e) = state.sync.prune_runs().await {
        tracing::warn!(error = %e, "pruning old sync runs failed; retrying in a minute");
    }
    if let Err(e) = state.sync.prune_hours().await {
        tracing::warn!(error = %e, "pruning old hourly results failed; retrying in a minute");
    }
    if let Err(e) = state.auth.forget_idle_limits().await {
        tracing::warn!(error = %e, "cleanup of idle sign-in limits failed; retrying in a minute");
    }
}
