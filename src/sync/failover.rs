//! Failover: a run reads its account through the first connection that works, and when TikTok
//! no longer accepts that connection's token, notes it on the path and goes on with the next.

use super::{
    ctx::{Path, RunCtx, Stop},
    evidence::{evidence, step_error},
    steps, FailureKind, Step, SyncEngine,
};
use crate::{
    credentials::CredentialError,
    db::entities::{
        tiktok_access_path,
        tiktok_connection::{self, AuthStatus},
    },
    tiktok::{ErrorKind, TikTokError},
};
use sea_orm::{sea_query::Expr, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use secrecy::SecretString;
use std::future::Future;

/// Why a TikTok call of a run failed.
pub(super) enum CallFailure {
    TikTok(TikTokError),
    /// No connection reaching the account has working credentials.
    NoConnection(String),
    /// A token cannot be opened with the configured keys.
    KeyMissing(String),
    /// The server is shutting down.
    Stopped,
    Db(DbErr),
}

impl SyncEngine {
    /// The connections that reach an account, healthy ones first, the one that worked last first.
    pub(super) async fn paths_for(&self, account_id: i32) -> Result<Vec<Path>, DbErr> {
        let paths = tiktok_access_path::Entity::find()
            .filter(tiktok_access_path::Column::AdAccountId.eq(account_id))
            .find_also_related(tiktok_connection::Entity)
            .order_by_with_nulls(
                tiktok_access_path::Column::LastSuccessAt,
                sea_orm::Order::Desc,
                sea_orm::sea_query::NullOrdering::Last,
            )
            .all(&self.db)
            .await?;
        Ok(paths
            .into_iter()
            .filter(|(_, c)| c.as_ref().is_some_and(|c| c.auth_status == AuthStatus::Healthy))
            .map(|(p, _)| Path { path_id: p.id, connection_id: p.connection_id })
            .collect())
    }

    /// Calls TikTok for the run through its first working connection; a connection whose token
    /// TikTok no longer accepts is recorded on its path and the next one is tried (failover).
    pub(super) async fn call<T, F, Fut>(&self, ctx: &mut RunCtx, call: F) -> Result<T, CallFailure>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, TikTokError>>,
    {
        loop {
            let Some(path) = ctx.paths.first().cloned() else {
                if let Some(evidence) = ctx.key_missing.take() {
                    return Err(CallFailure::KeyMissing(evidence));
                }
                let evidence = match ctx.path_errors.last() {
                    Some(last) => {
                        format!("No connection with a working token reaches this advertiser (latest: {last}).")
                    }
                    None => "No connection reaches this advertiser any more.".to_owned(),
                };
                return Err(CallFailure::NoConnection(evidence));
            };
            // Reads only, and a refresh runs in its own task: dropping the call loses nothing.
            let stop = ctx.stop.clone();
            let answer = tokio::select! {
                biased;
                () = stop.cancelled() => return Err(CallFailure::Stopped),
                answer = self.credentials.with_token(path.connection_id, &call) => answer,
            };
            match answer {
                Ok(value) => return Ok(value),
                Err(CredentialError::TikTok(e)) => return Err(CallFailure::TikTok(e)),
                Err(CredentialError::Db(e)) => return Err(CallFailure::Db(e)),
                // Our settings lack that token's key: nothing to mark, but another connection may
                // still read the account.
                Err(CredentialError::KeyMissing(evidence)) => {
                    ctx.paths.remove(0);
                    ctx.key_missing = Some(evidence);
                }
                Err(CredentialError::NeedsReconnect { evidence }) => {
                    self.path_failed(&path, &evidence).await.map_err(CallFailure::Db)?;
                    ctx.path_errors.push(evidence);
                    ctx.paths.remove(0);
                }
                Err(CredentialError::Gone(_)) => {
                    ctx.paths.remove(0);
                }
            }
        }
    }

    async fn path_failed(&self, path: &Path, evidence: &str) -> Result<(), DbErr> {
        tracing::warn!(
            connection.id = path.connection_id,
            "a connection can no longer read this advertiser; trying the next one"
        );
        tiktok_access_path::Entity::update_many()
            .col_expr(tiktok_access_path::Column::LastError, Expr::value(evidence))
            .col_expr(tiktok_access_path::Column::LastErrorAt, Expr::value(self.clock.now()))
            .filter(tiktok_access_path::Column::Id.eq(path.path_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// What a failed call means for the step it was made in.
    pub(super) fn stop_for(&self, step: Step, failure: CallFailure) -> Stop {
        match failure {
            CallFailure::Db(e) => Stop::Db(e),
            CallFailure::Stopped => Stop::Shutdown,
            CallFailure::NoConnection(evidence) => Stop::Fail { kind: FailureKind::NeedsReconnect, evidence },
            CallFailure::KeyMissing(evidence) => Stop::Fail { kind: FailureKind::KeyMissing, evidence },
            // A lasting answer on a minor step (not granted, not supported for this advertiser,
            // a code the client does not know) is a gap (an outage on one is too: `run.rs`).
            CallFailure::TikTok(err) if !steps::is_core(step) && is_lasting_for_a_step(err.kind) => {
                Stop::SkipStep(step_error(step, &err, self.clock.now()))
            }
            CallFailure::TikTok(err) => {
                Stop::Fail { kind: err.kind.into(), evidence: evidence(&err, self.clock.now()) }
            }
        }
    }
}

/// An answer about this step's data, not about the token or TikTok's health.
fn is_lasting_for_a_step(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::Permission | ErrorKind::BadRequest | ErrorKind::QueryTooLarge)
}
