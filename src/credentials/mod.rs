//! A connection's TikTok secrets: sealing them for storage (bound to their workspace, TikTok
//! user and column), opening them, refreshing them single-flight, and recording when TikTok
//! stops accepting them. The connect flow and the sync engine both get their tokens here, so
//! refresh and Reconnect behave the same everywhere.

mod refresh;
mod rotate;

pub use rotate::{FailedRow, RotationReport, RowFailure};

use crate::{
    clock::Clock,
    db::entities::{
        tiktok_connection::{self, AuthStatus},
        tiktok_pending_grant,
    },
    tiktok::{ErrorKind, TikTokClient, TikTokError, TokenGrant},
    token_crypto::{Binding, Column, CryptoError, TokenKeys},
};
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use secrecy::SecretString;
use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};

/// Why a connection's token cannot be used right now.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// No live connection with this id (deleted or disconnected).
    #[error("connection {0} is gone")]
    Gone(i32),
    /// TikTok rejected the refresh token, or the long-term token: only Reconnect helps.
    #[error("TikTok no longer accepts this connection's token: {evidence}")]
    NeedsReconnect { evidence: String },
    /// A TikTok call failed for another reason (a refresh TikTok could not answer, or the call
    /// itself): try again later; nothing was marked.
    #[error("{0}")]
    TikTok(TikTokError),
    /// The token was sealed under a key this server was not given: our configuration, not the
    /// token, is wrong, so nothing is marked and the token works again once the key is back.
    #[error("{0}")]
    KeyMissing(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A connection's access token, and which token generation it is.
#[derive(Clone)]
pub struct AccessToken {
    pub connection_id: i32,
    pub token: SecretString,
    generation: i32,
}

/// A grant's tokens sealed for one workspace and TikTok user, with what TikTok said of them.
#[derive(Clone)]
pub struct SealedTokens {
    pub key_id: String,
    pub format: i16,
    pub access: Vec<u8>,
    pub refresh: Option<Vec<u8>>,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// TikTok's permission ids, as JSON text.
    pub scope: String,
}

impl SealedTokens {
    /// A pending grant's tokens, unchanged: a grant and the connection it becomes share their
    /// workspace and TikTok user, so the ciphertexts stay valid. `None` once imported.
    pub fn of_grant(grant: &tiktok_pending_grant::Model) -> Option<Self> {
        Some(Self {
            key_id: grant.key_id.clone(),
            format: grant.token_format,
            access: grant.access_token_enc.clone()?,
            refresh: grant.refresh_token_enc.clone(),
            access_expires_at: grant.access_expires_at,
            refresh_expires_at: grant.refresh_expires_at,
            scope: grant.scope.clone(),
        })
    }

    /// Puts these tokens on a connection row: a new generation, healthy, no errors, no lease.
    pub fn install(self, row: &mut tiktok_connection::ActiveModel, generation: i32, now: DateTime<Utc>) {
        row.key_id = Set(self.key_id);
        row.token_format = Set(self.format);
        row.token_generation = Set(generation + 1);
        row.access_token_enc = Set(Some(self.access));
        row.refresh_token_enc = Set(self.refresh);
        row.access_expires_at = Set(self.access_expires_at);
        row.refresh_expires_at = Set(self.refresh_expires_at);
        row.scope = Set(self.scope);
        row.auth_status = Set(AuthStatus::Healthy);
        row.auth_error = Set(None);
        row.auth_error_at = Set(None);
        row.auth_warning = Set(None);
        row.auth_warning_at = Set(None);
        row.refresh_locked_until = Set(None);
        row.updated_at = Set(now);
        row.disconnected_at = Set(None);
    }
}

/// Refresh ahead of expiry by this much.
const REFRESH_AHEAD: chrono::Duration = chrono::Duration::minutes(15);
/// After a refresh ahead of expiry failed, wait this long before the next one (a few tries
/// fit before the token expires), instead of trying on every call.
const REFRESH_BACKOFF: chrono::Duration = chrono::Duration::minutes(3);

#[derive(Clone)]
pub struct Credentials {
    db: DatabaseConnection,
    tiktok: TikTokClient,
    keys: TokenKeys,
    clock: Arc<dyn Clock>,
    /// One refresh at a time per connection inside this process (the row lease covers the rest).
    flights: Arc<Mutex<HashMap<i32, Arc<tokio::sync::Mutex<()>>>>>,
    /// Refreshes in flight: shutdown waits for them, as each has spent a refresh token.
    refreshes: tokio_util::task::TaskTracker,
}

impl Credentials {
    pub fn new(db: DatabaseConnection, tiktok: TikTokClient, keys: TokenKeys, clock: Arc<dyn Clock>) -> Self {
        Self { db, tiktok, keys, clock, flights: Arc::default(), refreshes: tokio_util::task::TaskTracker::new() }
    }

    /// Shutdown: lets the refreshes in flight store TikTok's answers (each spent a refresh
    /// token), for at most `within`.
    pub async fn finish_refreshes(&self, within: std::time::Duration) {
        self.refreshes.close();
        if tokio::time::timeout(within, self.refreshes.wait()).await.is_err() {
            tracing::warn!("a token refresh did not finish before shutdown; its connection may need Reconnect");
        }
    }

    pub fn keys(&self) -> &TokenKeys {
        &self.keys
    }

    /// Seals a fresh grant for `workspace_id` and the TikTok user `tiktok_user`.
    pub fn seal(&self, workspace_id: i32, tiktok_user: &str, grant: &TokenGrant) -> SealedTokens {
        let bind = |column| Binding { workspace_id, tiktok_user, column };
        let access = self.keys.encrypt(&grant.access_token, bind(Column::Access));
        SealedTokens {
            refresh: grant.refresh_token.as_ref().map(|r| self.keys.encrypt(r, bind(Column::Refresh)).blob),
            key_id: access.key_id,
            format: access.format,
            access: access.blob,
            access_expires_at: grant.access_expires_at,
            refresh_expires_at: grant.refresh_expires_at,
            scope: serde_json::to_string(&grant.scope).unwrap_or_else(|_| "[]".into()),
        }
    }

    /// A pending grant's access token.
    pub fn open_grant(&self, grant: &tiktok_pending_grant::Model) -> Result<SecretString, CryptoError> {
        let blob = grant.access_token_enc.as_deref().ok_or(CryptoError::Damaged)?;
        let binding =
            Binding { workspace_id: grant.workspace_id, tiktok_user: &grant.tiktok_user_key, column: Column::Access };
        self.keys.decrypt(&grant.key_id, grant.token_format, blob, binding)
    }

    /// The stored access token of a connection as it is, without refreshing (Disconnect's
    /// revoke). `None` when there is none or it cannot be read.
    pub fn stored_access(&self, row: &tiktok_connection::Model) -> Option<SecretString> {
        self.open(row, Column::Access).ok()
    }

    fn open(&self, row: &tiktok_connection::Model, column: Column) -> Result<SecretString, CryptoError> {
        let blob = match column {
            Column::Access => row.access_token_enc.as_deref(),
            Column::Refresh => row.refresh_token_enc.as_deref(),
        }
        .ok_or(CryptoError::Damaged)?;
        let binding = Binding { workspace_id: row.workspace_id, tiktok_user: &row.tiktok_user_key, column };
        self.keys.decrypt(&row.key_id, row.token_format, blob, binding)
    }

    /// A usable access token for a live connection: refreshed first when it expires within
    /// 15 minutes, unless a refresh ahead failed moments ago and the token still works.
    pub async fn access_token(&self, connection_id: i32) -> Result<AccessToken, CredentialError> {
        let row = self.live_row(connection_id).await?;
        let now = self.clock.now();
        let due = row.refresh_token_enc.is_some() && row.access_expires_at.is_some_and(|at| at - REFRESH_AHEAD <= now);
        // A refresh problem is recorded as the warning of this token generation.
        let backing_off = row.auth_warning_at.is_some_and(|at| now < at + REFRESH_BACKOFF)
            && row.access_expires_at.is_some_and(|at| at > now);
        if due && !backing_off {
            return self.refresh(connection_id, row.token_generation, None).await;
        }
        self.usable(row).await
    }

    /// Runs `call` with the connection's token. When TikTok rejects the token, refreshes it once
    /// (if the connection has a refresh token) and runs `call` again; a second rejection, a
    /// rejected refresh or a rejected long-term token turns the connection to Reconnect.
    pub async fn with_token<T, F, Fut>(&self, connection_id: i32, call: F) -> Result<T, CredentialError>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, TikTokError>>,
    {
        let token = self.access_token(connection_id).await?;
        match call(token.token.clone()).await {
            Err(rejected) if rejected.kind == ErrorKind::TokenInvalid => {
                let fresh = self.after_rejection(&token, &rejected).await?;
                match call(fresh.token.clone()).await {
                    Err(again) if again.kind == ErrorKind::TokenInvalid => {
                        Err(self.needs_reconnect(connection_id, fresh.generation, &again.to_string()).await)
                    }
                    other => other.map_err(CredentialError::TikTok),
                }
            }
            other => other.map_err(CredentialError::TikTok),
        }
    }

    /// After TikTok rejected `used`: the newest token there is. A connection with a refresh
    /// token is refreshed (unless someone already stored a newer token); one without (a
    /// long-term token) needs Reconnect.
    pub async fn after_rejection(&self, used: &AccessToken, err: &TikTokError) -> Result<AccessToken, CredentialError> {
        tracing::info!(connection.id = used.connection_id, error = %err, "TikTok rejected a connection's access token");
        self.refresh(used.connection_id, used.generation, Some(err)).await
    }

    /// A live (not disconnected) connection row, or why it cannot be used.
    async fn live_row(&self, connection_id: i32) -> Result<tiktok_connection::Model, CredentialError> {
        let row = tiktok_connection::Entity::find_by_id(connection_id)
            .one(&self.db)
            .await?
            .ok_or(CredentialError::Gone(connection_id))?;
        match row.auth_status {
            AuthStatus::Disconnected => Err(CredentialError::Gone(connection_id)),
            AuthStatus::NeedsReconnect => Err(CredentialError::NeedsReconnect {
                evidence: row.auth_error.clone().unwrap_or_else(|| "TikTok rejected the token".into()),
            }),
            AuthStatus::Healthy => Ok(row),
        }
    }

    /// Opens a live row's access token, sealing it again first when it is in an old format or
    /// under the previous key (the upgrade happens on first read). An unreadable token needs
    /// Reconnect.
    async fn usable(&self, row: tiktok_connection::Model) -> Result<AccessToken, CredentialError> {
        let token = match self.open(&row, Column::Access) {
            Ok(token) => token,
            Err(e) => return Err(self.unreadable(&row, e).await),
        };
        if self.keys.needs_reseal(&row.key_id, row.token_format) {
            if let Err(e) = self.reseal(&row).await {
                tracing::warn!(connection.id = row.id, error = %e, "could not re-seal a connection's token; it stays readable as is");
            }
        }
        Ok(AccessToken { connection_id: row.id, token, generation: row.token_generation })
    }

    /// Seals a row's tokens again under the current key and format, unless a newer token
    /// replaced them meanwhile.
    async fn reseal(&self, row: &tiktok_connection::Model) -> Result<Resealed, ResealError> {
        let bind = |column| Binding { workspace_id: row.workspace_id, tiktok_user: &row.tiktok_user_key, column };
        let access = self.keys.encrypt(&self.open(row, Column::Access)?, bind(Column::Access));
        let refresh = match row.refresh_token_enc {
            Some(_) => Some(self.keys.encrypt(&self.open(row, Column::Refresh)?, bind(Column::Refresh)).blob),
            None => None,
        };
        let written = tiktok_connection::Entity::update_many()
            .col_expr(tiktok_connection::Column::AccessTokenEnc, Expr::value(access.blob))
            .col_expr(tiktok_connection::Column::RefreshTokenEnc, Expr::value(refresh))
            .col_expr(tiktok_connection::Column::KeyId, Expr::value(access.key_id))
            .col_expr(tiktok_connection::Column::TokenFormat, Expr::value(access.format))
            .filter(tiktok_connection::Column::Id.eq(row.id))
            .filter(tiktok_connection::Column::TokenGeneration.eq(row.token_generation))
            .exec(&self.db)
            .await
            .map_err(ResealError::Write)?;
        Ok(if written.rows_affected == 1 { Resealed::Done } else { Resealed::Replaced })
    }

    /// A stored token that does not open: a key missing from the configuration is said and
    /// left alone; a damaged ciphertext can only be replaced by Reconnect.
    async fn unreadable(&self, row: &tiktok_connection::Model, e: CryptoError) -> CredentialError {
        tracing::error!(connection.id = row.id, key.id = %row.key_id, error = %e, "cannot decrypt a stored TikTok token");
        match e {
            CryptoError::UnknownKey(_) => CredentialError::KeyMissing(e.to_string()),
            CryptoError::Damaged => {
                let evidence = format!("The stored token cannot be read ({e}).");
                self.needs_reconnect(row.id, row.token_generation, &evidence).await
            }
        }
    }

    /// Turns a connection to Reconnect with TikTok's words as evidence, unless its token changed
    /// since `generation` (a reconnect or refresh won the race). Returns the error to hand on.
    async fn needs_reconnect(&self, connection_id: i32, generation: i32, evidence: &str) -> CredentialError {
        let now = self.clock.now();
        let marked = tiktok_connection::Entity::update_many()
            .col_expr(tiktok_connection::Column::AuthStatus, Expr::value(AuthStatus::NeedsReconnect))
            .col_expr(tiktok_connection::Column::AuthError, Expr::value(evidence))
            .col_expr(tiktok_connection::Column::AuthErrorAt, Expr::value(now))
            .col_expr(tiktok_connection::Column::RefreshLockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(tiktok_connection::Column::UpdatedAt, Expr::value(now))
            .filter(tiktok_connection::Column::Id.eq(connection_id))
            .filter(tiktok_connection::Column::TokenGeneration.eq(generation))
            .filter(tiktok_connection::Column::AuthStatus.eq(AuthStatus::Healthy))
            .exec(&self.db)
            .await;
        match marked {
            Ok(r) if r.rows_affected == 1 => {
                tracing::warn!(
                    connection.id = connection_id,
                    "TikTok no longer accepts a connection's token: it needs Reconnect"
                );
            }
            Ok(_) => {}
            Err(e) => return CredentialError::Db(e),
        }
        CredentialError::NeedsReconnect { evidence: evidence.to_owned() }
    }

    /// The in-process lock for refreshing one connection.
    fn flight(&self, connection_id: i32) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        // Locks nobody holds or waits for are dropped, so the map stays small.
        flights.retain(|_, lock| Arc::strong_count(lock) > 1);
        flights.entry(connection_id).or_default().clone()
    }
}

/// What re-sealing one connection's tokens did.
#[derive(Debug, PartialEq, Eq)]
enum Resealed {
    Done,
    /// A newer token (sealed with the current key) replaced the one that was read.
    Replaced,
}

#[derive(Debug, thiserror::Error)]
enum ResealError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("the database refused the rewrite: {0}")]
    Write(DbErr),
}
