//! Reconnect (a fresh token on the same connection: same card, same accounts, same history)
//! and Disconnect (revoke at TikTok, delete the secret, stop syncing what nothing else reaches).

use super::{authorize::ReconnectRefused, lock_connection, ConnectError, ConnectService, Doing, TikTokIdentity};
use crate::model::{
    connect::Revocation,
    ids::{AccountId, ConnectionId},
};
use crate::{
    auth::CurrentUser,
    credentials::SealedTokens,
    db::{
        entities::{
            tiktok_access_path, tiktok_ad_account,
            tiktok_ad_account::SyncState,
            tiktok_connection::{self, AuthStatus},
        },
        locks, run_queue,
        tiktok_users::{self, Holders},
    },
    tiktok::{ErrorKind, TokenGrant},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, TransactionTrait,
};

/// What Disconnect did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnected {
    /// The connection's TikTok user, as TikTok last named it.
    pub tiktok_name: Option<String>,
    /// What became of the token at TikTok.
    pub revocation: Revocation,
    pub accounts_disconnected: usize,
}

impl ConnectService {
    /// Replaces a connection's token with a fresh grant, keeping its accounts and history.
    pub(super) async fn reconnect(
        &self,
        user: &CurrentUser,
        connection_id: i32,
        grant: &TokenGrant,
        identity: TikTokIdentity,
    ) -> Result<(), ReconnectRefused> {
        let now = self.clock.now();
        let db_err = ReconnectRefused::Db;
        let txn = self.db.begin().await.map_err(db_err)?;
        let row = match lock_connection(&txn, user, ConnectionId(connection_id), now).await {
            Ok(row) => row,
            Err(ConnectError::Db(e)) => return Err(ReconnectRefused::Db(e)),
            Err(_) => return Err(ReconnectRefused::Gone),
        };
        if row.tiktok_user_key != identity.key {
            txn.rollback().await.map_err(db_err)?;
            return Err(ReconnectRefused::DifferentUser {
                expected: row.tiktok_display_name,
                got: identity.display_name,
            });
        }
        let sealed: SealedTokens = self.credentials.seal(row.workspace_id, &row.tiktok_user_key, grant);
        let generation = row.token_generation;
        let mut active = row.into_active_model();
        sealed.install(&mut active, generation, now);
        if let Some(name) = identity.display_name {
            active.tiktok_display_name = Set(Some(name));
        }
        active.update(&txn).await.map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        tracing::info!(workspace.id = user.workspace_id, connection.id = connection_id, "reconnected TikTok");
        Ok(())
    }

    /// Ends a connection: under its row lock the token is taken out and the connection marked
    /// disconnected, so nothing here uses the token again (a refresh waits, then finds it gone);
    /// only then is it revoked at TikTok, once, and only if no other connection of the same
    /// TikTok user may hold it.
    pub async fn disconnect(
        &self,
        user: &CurrentUser,
        connection_id: ConnectionId,
    ) -> Result<Disconnected, ConnectError> {
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        // A second Disconnect of the same card finds it gone: NotFound, nothing done twice.
        let row = lock_connection(&txn, user, connection_id, now).await?;
        // Whoever else decides about this TikTok user's tokens waits until this commits.
        tiktok_users::lock(&txn, &row.tiktok_user_key).await?;
        let holders =
            tiktok_users::holders(&txn, &row.tiktok_user_key, Some(connection_id.0), user.workspace_id, now).await?;
        let access = self.credentials.stored_access(&row);
        let paths = tiktok_access_path::Entity::find()
            .filter(tiktok_access_path::Column::ConnectionId.eq(row.id))
            .find_also_related(tiktok_ad_account::Entity)
            .all(&txn)
            .await?;
        locks::lock_accounts_then_runs(&txn, paths.iter().map(|(path, _)| path.ad_account_id)).await?;
        let generation = row.token_generation;
        let mut active = row.clone().into_active_model();
        active.access_token_enc = Set(None);
        active.refresh_token_enc = Set(None);
        active.token_generation = Set(generation + 1);
        active.auth_status = Set(AuthStatus::Disconnected);
        active.refresh_locked_until = Set(None);
        active.disconnected_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        tiktok_access_path::Entity::delete_many()
            .filter(tiktok_access_path::Column::ConnectionId.eq(row.id))
            .exec(&txn)
            .await?;
        let mut accounts_disconnected = 0;
        for account in paths.into_iter().filter_map(|(_, a)| a) {
            if stop_if_unreachable(&txn, &account, now).await? {
                accounts_disconnected += 1;
            }
        }
        txn.commit().await?;
        let revocation = match (holders, access) {
            (Holders::ThisWorkspace, _) => Revocation::InUseElsewhere,
            // Another workspace's use of the same TikTok user is not this one's to know: it
            // reads as a plain Disconnect (the log says what happened).
            (Holders::OtherWorkspaces, _) => {
                tracing::info!(
                    connection.id = row.id,
                    "the token is left valid: the same TikTok user is connected in another workspace"
                );
                Revocation::Revoked
            }
            (Holders::None, None) => Revocation::Unreadable,
            (Holders::None, Some(access)) => match self.tiktok.revoke(&access).await {
                Ok(_) => Revocation::Revoked,
                // Already dead at TikTok: nothing left to revoke.
                Err(e) if e.kind == ErrorKind::TokenInvalid => Revocation::Revoked,
                Err(e) => {
                    let e = ConnectError::tiktok(e, Doing::Revoking);
                    tracing::warn!(error = %e, connection.id = connection_id.0, "could not revoke at TikTok; the token is deleted here anyway");
                    Revocation::Unreachable
                }
            },
        };
        tracing::info!(
            workspace.id = user.workspace_id,
            connection.id = row.id,
            revocation = ?revocation,
            accounts_disconnected,
            "disconnected TikTok"
        );
        Ok(Disconnected { tiktok_name: row.tiktok_display_name, revocation, accounts_disconnected })
    }
}

/// After an access path is removed: an account no live connection reaches stops syncing (its
/// data stays). Returns whether it stopped.
pub(super) async fn stop_if_unreachable(
    txn: &impl ConnectionTrait,
    account: &tiktok_ad_account::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let remaining = tiktok_access_path::Entity::find()
        .filter(tiktok_access_path::Column::AdAccountId.eq(account.id))
        .find_also_related(tiktok_connection::Entity)
        .all(txn)
        .await?
        .into_iter()
        .filter(|(_, c)| c.as_ref().is_some_and(|c| c.auth_status != AuthStatus::Disconnected))
        .count();
    if remaining > 0 {
        return Ok(false);
    }
    tiktok_ad_account::Entity::update_many()
        .col_expr(tiktok_ad_account::Column::SyncState, Expr::value(SyncState::Disconnected))
        .col_expr(tiktok_ad_account::Column::UpdatedAt, Expr::value(now))
        .filter(tiktok_ad_account::Column::Id.eq(account.id))
        .exec(txn)
        .await?;
    run_queue::cancel(txn, AccountId(account.id), now).await?;
    Ok(true)
}
