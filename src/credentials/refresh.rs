//! Refreshing a connection's token: one refresh at a time per connection, across tasks (a
//! lock) and instances (a lease on the row). A refresh spends the refresh token at TikTok, so
//! it is never retried blindly, and a lost answer never turns the card yellow by itself: the
//! newest stored token is tried first.

use super::{AccessToken, CredentialError, Credentials};
use crate::{
    db::{
        entities::tiktok_connection::{self, AuthStatus},
        tiktok_users,
    },
    telemetry::metrics,
    tiktok::{ErrorKind, TikTokError, TokenGrant},
    token_crypto::Column,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, Condition, DbErr, EntityTrait, IntoActiveModel, QueryFilter};
use secrecy::SecretString;

/// How long a refresh may hold the row before others may take over.
const LEASE: Duration = Duration::seconds(90);
/// The refresh call and the storing of its answer end well inside the lease, so no other
/// instance can take the lease over and spend the same refresh token meanwhile.
const CALL_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
/// Tries at storing a refreshed token (TikTok has spent the old refresh token by then), and
/// how long after the lease was taken a try may still start.
const STORE_TRIES: u32 = 3;
const STORE_UNTIL: std::time::Duration = std::time::Duration::from_secs(60);
const STORE_LIMIT: std::time::Duration = std::time::Duration::from_secs(15);
/// How often, and how many times, to look again while another instance refreshes.
const LEASE_POLL: std::time::Duration = std::time::Duration::from_millis(100);
const LEASE_POLLS: u32 = 600;

impl Credentials {
    /// Refreshes the connection's token unless a newer one than `used_generation` is already
    /// stored. `rejected`: TikTok's rejection of the token (None: refreshing ahead of expiry,
    /// while the current token still works).
    pub(super) async fn refresh(
        &self,
        connection_id: i32,
        used_generation: i32,
        rejected: Option<&TikTokError>,
    ) -> Result<AccessToken, CredentialError> {
        let (this, rejected) = (self.clone(), rejected.cloned());
        // Its own task: once a refresh has begun it runs to the end and stores TikTok's answer,
        // even when the request that asked for it is dropped (a browser that went away).
        let refreshing = self.refreshes.spawn(async move {
            let flight = this.flight(connection_id);
            let _one_at_a_time = flight.lock().await;
            let (row, lease) = this.take_lease(connection_id).await?;
            let leased = std::time::Instant::now();
            let result = this.refresh_leased(row, used_generation, rejected.as_ref(), leased).await;
            this.release_lease(connection_id, lease).await;
            result
        });
        refreshing.await.unwrap_or_else(|e| {
            tracing::error!(connection.id = connection_id, error = %e, "a token refresh task ended abnormally");
            Err(CredentialError::TikTok(TikTokError::transient("the token refresh stopped unexpectedly", None)))
        })
    }

    async fn refresh_leased(
        &self,
        row: tiktok_connection::Model,
        used_generation: i32,
        rejected: Option<&TikTokError>,
        leased: std::time::Instant,
    ) -> Result<AccessToken, CredentialError> {
        if row.token_generation != used_generation {
            // Someone refreshed (or reconnected) while we waited: theirs is the newest token.
            return self.usable(row).await;
        }
        let now = self.clock.now();
        let still_valid = rejected.is_none() && row.access_expires_at.is_none_or(|at| at > now);
        if row.refresh_token_enc.is_none() {
            return match rejected {
                // A long-term token has nothing to refresh: TikTok's rejection is final.
                Some(err) => Err(self.needs_reconnect(row.id, row.token_generation, &err.to_string()).await),
                None => self.usable(row).await,
            };
        }
        let refresh_token = match self.open(&row, Column::Refresh) {
            Ok(token) => token,
            Err(e) => return Err(self.unreadable(&row, e).await),
        };
        let answer = tokio::time::timeout(CALL_LIMIT, self.tiktok.refresh(&refresh_token))
            .await
            .unwrap_or_else(|_| Err(TikTokError::transient("TikTok did not answer the token refresh in time", None)));
        match answer {
            Ok(grant) => self.store_refreshed(row, grant, now, leased).await,
            Err(err) if matches!(err.kind, ErrorKind::RefreshTokenInvalid | ErrorKind::TokenInvalid) => {
                metrics::token_refresh(metrics::Refresh::Rejected);
                // A refresh answered elsewhere, or an earlier answer we never saw, may have
                // stored a newer token: use it before giving up on this connection.
                let current = self.live_row(row.id).await?;
                if current.token_generation != row.token_generation {
                    return self.usable(current).await;
                }
                if still_valid {
                    self.warn(
                        &current,
                        &format!(
                            "TikTok refused to refresh the token ({err}); the current token works until it expires."
                        ),
                    )
                    .await;
                    return self.usable(current).await;
                }
                let evidence = match rejected {
                    Some(first) => format!("{first}; the refresh was refused too: {err}"),
                    None => err.to_string(),
                };
                Err(self.needs_reconnect(row.id, row.token_generation, &evidence).await)
            }
            Err(err) => {
                metrics::token_refresh(metrics::Refresh::Failed);
                // TikTok did not answer (or not clearly): the refresh token may or may not be
                // spent. Keep the connection as it is and say so; the next use tries again.
                self.warn(&row, &format!("TikTok did not complete a token refresh ({err}); it will be tried again."))
                    .await;
                if still_valid {
                    return self.usable(row).await;
                }
                Err(CredentialError::TikTok(err))
            }
        }
    }

    /// Stores the token TikTok just gave, over the generation it replaced; the refresh token is
    /// spent by now, so this call gets the new access token even when the write fails.
    async fn store_refreshed(
        &self,
        row: tiktok_connection::Model,
        grant: TokenGrant,
        now: DateTime<Utc>,
        leased: std::time::Instant,
    ) -> Result<AccessToken, CredentialError> {
        let sealed = self.seal(row.workspace_id, &row.tiktok_user_key, &grant);
        let (generation, id) = (row.token_generation, row.id);
        let mut active = row.clone().into_active_model();
        sealed.install(&mut active, generation, now);
        let mut tries = 0;
        loop {
            tries += 1;
            // Only over the token we refreshed: a Disconnect or Reconnect meanwhile wins.
            // Bounded, so the tries end inside the lease; a write that landed after all
            // shows on the next try as a newer generation, which is then used.
            let write = tiktok_connection::Entity::update(active.clone())
                .validate()?
                .filter(tiktok_connection::Column::TokenGeneration.eq(generation))
                .filter(tiktok_connection::Column::AuthStatus.eq(AuthStatus::Healthy))
                .exec_without_returning(&self.db);
            let written = tokio::time::timeout(STORE_LIMIT, write)
                .await
                .unwrap_or_else(|_| Err(DbErr::Custom("storing the refreshed token timed out".into())));
            match written {
                Ok(_) => {
                    metrics::token_refresh(metrics::Refresh::Ok);
                    tracing::info!(connection.id = id, "refreshed a connection's TikTok token");
                    return Ok(AccessToken {
                        connection_id: id,
                        token: grant.access_token,
                        generation: generation + 1,
                    });
                }
                Err(DbErr::RecordNotUpdated) => {
                    // Disconnected meanwhile: the new token is live at TikTok and kept nowhere.
                    if self.disconnected(id).await? {
                        self.revoke_unkept(&row.tiktok_user_key, &grant.access_token).await;
                    }
                    return self.usable(self.live_row(id).await?).await;
                }
                // Only while the lease is surely still ours (measured from taking it).
                Err(e) if tries < STORE_TRIES && leased.elapsed() < STORE_UNTIL => {
                    tracing::warn!(connection.id = id, error = %e, "could not store a refreshed token; trying again");
                    tokio::time::sleep(std::time::Duration::from_millis(500 * u64::from(tries))).await;
                }
                Err(e) => {
                    // The old refresh token is spent: this call still gets the new access
                    // token, and the card says what happened.
                    tracing::error!(connection.id = id, error = %e, "could not store a refreshed token");
                    self.warn(&row, "A refreshed TikTok token could not be saved; if syncing stops, Reconnect.").await;
                    return Ok(AccessToken { connection_id: id, token: grant.access_token, generation });
                }
            }
        }
    }

    async fn disconnected(&self, connection_id: i32) -> Result<bool, DbErr> {
        let row = tiktok_connection::Entity::find_by_id(connection_id).one(&self.db).await?;
        Ok(row.is_none_or(|r| r.auth_status == AuthStatus::Disconnected))
    }

    /// Revokes a token TikTok gave that no row keeps, unless another connection or waiting
    /// authorization of the same TikTok user may hold it (TikTok may hand out the same token).
    /// Once, never retried.
    async fn revoke_unkept(&self, tiktok_user_key: &str, token: &SecretString) {
        match tiktok_users::nobody_holds(&self.db, tiktok_user_key, self.clock.now()).await {
            Ok(true) => match self.tiktok.revoke(token).await {
                Ok(_) => tracing::info!("revoked a refreshed token whose connection was disconnected meanwhile"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not revoke a refreshed token whose connection was disconnected meanwhile")
                }
            },
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not check whether a refreshed token not kept may be revoked"),
        }
    }

    /// Takes the row's refresh lease, waiting while another instance holds it. Returns the row
    /// as it is under the lease, and the lease's end, which names it when it is released.
    async fn take_lease(
        &self,
        connection_id: i32,
    ) -> Result<(tiktok_connection::Model, DateTime<Utc>), CredentialError> {
        for _ in 0..LEASE_POLLS {
            let now = self.clock.now();
            // Whole milliseconds, stored and compared alike on either database; the random part
            // keeps two instances taking it in the same millisecond apart.
            let until = DateTime::from_timestamp_millis(
                (now + LEASE).timestamp_millis() + i64::from(rand::random::<u16>() % 1000),
            )
            .unwrap_or(now + LEASE);
            let taken = tiktok_connection::Entity::update_many()
                .col_expr(tiktok_connection::Column::RefreshLockedUntil, Expr::value(until))
                .filter(tiktok_connection::Column::Id.eq(connection_id))
                .filter(tiktok_connection::Column::AuthStatus.eq(AuthStatus::Healthy))
                .filter(
                    Condition::any()
                        .add(tiktok_connection::Column::RefreshLockedUntil.is_null())
                        .add(tiktok_connection::Column::RefreshLockedUntil.lte(now)),
                )
                .exec(&self.db)
                .await?;
            let row = self.live_row(connection_id).await?;
            if taken.rows_affected == 1 {
                return Ok((row, until));
            }
            tokio::time::sleep(LEASE_POLL).await;
        }
        Err(CredentialError::TikTok(TikTokError::transient(
            "another server is refreshing this connection's token; try again in a moment",
            None,
        )))
    }

    /// Releases our lease only: after it lapsed, another instance's is left alone.
    async fn release_lease(&self, connection_id: i32, lease: DateTime<Utc>) {
        let released = tiktok_connection::Entity::update_many()
            .col_expr(tiktok_connection::Column::RefreshLockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(tiktok_connection::Column::Id.eq(connection_id))
            .filter(tiktok_connection::Column::RefreshLockedUntil.eq(lease))
            .exec(&self.db)
            .await;
        if let Err(e) = released {
            // The lease expires by itself; nothing is stuck for long.
            tracing::warn!(connection.id = connection_id, error = %e, "could not release a refresh lease");
        }
    }

    /// Records a refresh problem that does not (yet) need Reconnect.
    async fn warn(&self, row: &tiktok_connection::Model, warning: &str) {
        let now = self.clock.now();
        tracing::warn!(connection.id = row.id, "{warning}");
        let written = tiktok_connection::Entity::update_many()
            .col_expr(tiktok_connection::Column::AuthWarning, Expr::value(warning))
            .col_expr(tiktok_connection::Column::AuthWarningAt, Expr::value(now))
            .filter(tiktok_connection::Column::Id.eq(row.id))
            .filter(tiktok_connection::Column::TokenGeneration.eq(row.token_generation))
            .exec(&self.db)
            .await;
        if let Err(e) = written {
            tracing::warn!(connection.id = row.id, error = %e, "could not record a refresh warning");
        }
    }
}
