//! Around the runs: each interval, a look at every connection's advertisers (new ones in the
//! Business Center become "available" for a one-click import, never imported silently); and
//! what people ask for: Sync now, and Retry on a stuck sync.

use super::{SyncEngine, SyncError};
use crate::db::run_queue::Asked;
use crate::model::ids::{AccountId, ConnectionId};
use crate::{
    auth::CurrentUser,
    credentials::CredentialError,
    db::entities::{
        tiktok_access_path,
        tiktok_ad_account::{self, SyncState},
        tiktok_connection::{self, AuthStatus, ReachableAdvertiser},
    },
};
use chrono::Duration;
use sea_orm::{sea_query::Expr, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashSet;

pub use crate::db::entities::sync_run::STUCK_AFTER;

/// Connections looked at per pass (a pass a minute).
const CHECKS_PER_PASS: u64 = 50;

/// Why a request about syncs was refused.
#[derive(Debug, thiserror::Error)]
pub enum SyncRequestError {
    #[error("no such connection or account in this workspace")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<SyncRequestError> for crate::error::AppError {
    fn from(e: SyncRequestError) -> Self {
        match e {
            SyncRequestError::NotFound => Self::not_found("This TikTok connection or account"),
            SyncRequestError::Db(e) => Self::database(e),
        }
    }
}

impl SyncEngine {
    /// Looks at the advertisers of connections not looked at for an interval, longest waiting
    /// first; returns how many connections were looked at. Each is claimed before it is looked
    /// at (its time moved on, whatever the look brings), so instances share the looks, and one
    /// whose look keeps failing waits its interval like the rest instead of holding a place.
    pub async fn check_connections(&self) -> Result<usize, SyncError> {
        // Long: one pass over the due connections; each branch is what TikTok answered.
        let now = self.clock.now();
        let due = now - Duration::from_std(self.settings.interval).unwrap_or(Duration::minutes(15));
        let is_due = || {
            Condition::all().add(tiktok_connection::Column::AuthStatus.eq(AuthStatus::Healthy)).add(
                Condition::any()
                    .add(tiktok_connection::Column::AdvertisersCheckedAt.is_null())
                    .add(tiktok_connection::Column::AdvertisersCheckedAt.lte(due)),
            )
        };
        let connections = tiktok_connection::Entity::find()
            .filter(is_due())
            // Never looked at first (NULL sorts first ascending on SQLite, last on Postgres).
            .order_by_desc(tiktok_connection::Column::AdvertisersCheckedAt.is_null())
            .order_by_asc(tiktok_connection::Column::AdvertisersCheckedAt)
            .order_by_asc(tiktok_connection::Column::Id)
            .limit(CHECKS_PER_PASS)
            .all(&self.db)
            .await?;
        let mut looked = 0;
        for connection in connections {
            // Stamped when claimed: a long pass must not leave the later ones claimable again.
            let claimed = tiktok_connection::Entity::update_many()
                .col_expr(tiktok_connection::Column::AdvertisersCheckedAt, Expr::value(self.clock.now()))
                .filter(tiktok_connection::Column::Id.eq(connection.id))
                .filter(is_due())
                .exec(&self.db)
                .await?;
            if claimed.rows_affected != 1 {
                continue; // another instance is looking at it
            }
            let client = self.tiktok.clone();
            let listed = self.credentials.with_token(connection.id, |token| {
                let client = client.clone();
                async move { client.advertisers(&token).await }
            });
            let reachable: Vec<ReachableAdvertiser> = match listed.await {
                Ok(list) => list
                    .into_iter()
                    .map(|a| ReachableAdvertiser { advertiser_id: a.advertiser_id, name: a.advertiser_name })
                    .collect(),
                Err(CredentialError::TikTok(e)) => {
                    tracing::warn!(connection.id = connection.id, error = %e, "could not list a connection's advertisers; trying again next interval");
                    continue;
                }
                Err(CredentialError::Db(e)) => return Err(e.into()),
                // Reconnect is shown on the card already; nothing to look at until then.
                Err(
                    CredentialError::NeedsReconnect { .. } | CredentialError::Gone(_) | CredentialError::KeyMissing(_),
                ) => continue,
            };
            looked += 1;
            let linked: HashSet<String> = tiktok_access_path::Entity::find()
                .filter(tiktok_access_path::Column::ConnectionId.eq(connection.id))
                .find_also_related(tiktok_ad_account::Entity)
                .all(&self.db)
                .await?
                .into_iter()
                .filter_map(|(_, a)| a.map(|a| a.advertiser_id))
                .collect();
            // Connections from before this look began know what they reach now.
            let known: HashSet<String> = connection
                .known()
                .unwrap_or_else(|| reachable.iter().map(|a| a.advertiser_id.clone()).collect())
                .into_iter()
                .collect();
            let mut available = connection.available();
            for a in &reachable {
                if !known.contains(&a.advertiser_id) && !available.iter().any(|x| x.advertiser_id == a.advertiser_id) {
                    available.push(a.clone());
                }
            }
            available.retain(|a| {
                reachable.iter().any(|r| r.advertiser_id == a.advertiser_id) && !linked.contains(&a.advertiser_id)
            });
            if available.len() > connection.available().len() {
                tracing::info!(
                    connection.id = connection.id,
                    available = available.len(),
                    "new advertiser accounts are available to import"
                );
            }
            let known: Vec<String> = reachable.iter().map(|a| a.advertiser_id.clone()).collect();
            tiktok_connection::Entity::update_many()
                .col_expr(tiktok_connection::Column::KnownAdvertisers, Expr::value(serde_json::to_string(&known).ok()))
                .col_expr(
                    tiktok_connection::Column::AvailableAdvertisers,
                    Expr::value(serde_json::to_string(&available).ok()),
                )
                .filter(tiktok_connection::Column::Id.eq(connection.id))
                .exec(&self.db)
                .await?;
        }
        Ok(looked)
    }

    /// Sync now: a manual run for each active account the connection reaches (nothing for one
    /// already queued or running, or asked for within [`crate::db::run_queue::SYNC_NOW_EVERY`]).
    pub async fn sync_now(&self, user: &CurrentUser, connection_id: ConnectionId) -> Result<Asked, SyncRequestError> {
        let connection = tiktok_connection::Entity::find_by_id(connection_id)
            .filter(tiktok_connection::Column::WorkspaceId.eq(user.workspace_id))
            .filter(tiktok_connection::Column::AuthStatus.ne(AuthStatus::Disconnected))
            .one(&self.db)
            .await?
            .ok_or(SyncRequestError::NotFound)?;
        let accounts: Vec<AccountId> = tiktok_access_path::Entity::find()
            .filter(tiktok_access_path::Column::ConnectionId.eq(connection.id))
            .find_also_related(tiktok_ad_account::Entity)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|(_, a)| a.filter(|a| a.sync_state == SyncState::Active).map(|a| AccountId(a.id)))
            .collect();
        let asked = self.queue.ask_now(&accounts).await?;
        tracing::info!(
            user.id = user.user_id,
            connection.id = connection_id.0,
            queued = asked.queued,
            asked_lately = asked.asked_lately,
            "sync now"
        );
        self.wake.notify_waiters();
        Ok(asked)
    }

    /// Retry on a stuck sync: the stuck run stops (with that as its evidence) and a manual run
    /// takes its place.
    pub async fn retry(&self, user: &CurrentUser, account_id: AccountId) -> Result<(), SyncRequestError> {
        let account = tiktok_ad_account::Entity::find_by_id(account_id)
            .filter(tiktok_ad_account::Column::WorkspaceId.eq(user.workspace_id))
            .filter(tiktok_ad_account::Column::SyncState.eq(SyncState::Active))
            .one(&self.db)
            .await?
            .ok_or(SyncRequestError::NotFound)?;
        self.queue.retry_stuck(AccountId(account.id), &user.email).await?;
        tracing::info!(user.id = user.user_id, account.id = account.id, "retrying a stuck sync");
        self.wake.notify_waiters();
        Ok(())
    }
}
