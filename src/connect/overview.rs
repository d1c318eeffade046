//! The workspace's connections and their ad accounts, as the connector cards show them: a
//! fixed number of queries however many connections and accounts there are.

use super::{ConnectError, ConnectService};
use crate::{
    auth::CurrentUser,
    db::entities::{
        app_user,
        sync_run::{self, RunStatus},
        tiktok_access_path, tiktok_ad_account,
        tiktok_ad_account::SyncState,
        tiktok_connection::{self, AuthStatus},
    },
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct ConnectionOverview {
    pub id: i32,
    pub tiktok_name: Option<String>,
    /// The member who connected it; `None` when they left.
    pub connected_by: Option<String>,
    pub connected_at: DateTime<Utc>,
    /// TikTok rejected the token for good: only Reconnect helps.
    pub needs_reconnect: bool,
    pub auth_error: Option<String>,
    pub auth_error_at: Option<DateTime<Utc>>,
    pub auth_warning: Option<String>,
    pub auth_warning_at: Option<DateTime<Utc>>,
    pub accounts: Vec<AccountOverview>,
}

#[derive(Debug, Clone)]
pub struct AccountOverview {
    pub id: i32,
    pub advertiser_id: String,
    pub name: String,
    pub tiktok_status: Option<String>,
    /// No live connection reaches it any more: not synced, data kept.
    pub disconnected: bool,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// A sync is queued or running.
    pub sync_pending: bool,
    /// How many live connections reach it.
    pub access_paths: usize,
}

impl ConnectService {
    pub async fn overview(&self, user: &CurrentUser) -> Result<Vec<ConnectionOverview>, ConnectError> {
        let connections = tiktok_connection::Entity::find()
            .filter(tiktok_connection::Column::WorkspaceId.eq(user.workspace_id))
            .filter(tiktok_connection::Column::AuthStatus.ne(AuthStatus::Disconnected))
            .order_by_asc(tiktok_connection::Column::ConnectedAt)
            .all(&self.db)
            .await?;
        let ids: Vec<i32> = connections.iter().map(|c| c.id).collect();
        let paths = tiktok_access_path::Entity::find()
            .filter(tiktok_access_path::Column::ConnectionId.is_in(ids))
            .find_also_related(tiktok_ad_account::Entity)
            .all(&self.db)
            .await?;
        let mut path_counts: HashMap<i32, usize> = HashMap::new();
        for (path, _) in &paths {
            *path_counts.entry(path.ad_account_id).or_default() += 1;
        }
        let pending: HashSet<i32> = sync_run::Entity::find()
            .filter(sync_run::Column::AdAccountId.is_in(path_counts.keys().copied()))
            .filter(sync_run::Column::Status.is_in(RunStatus::ACTIVE))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.ad_account_id)
            .collect();
        let emails: HashMap<i32, String> = app_user::Entity::find()
            .filter(app_user::Column::Id.is_in(connections.iter().map(|c| c.connected_by_user_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect();

        Ok(connections
            .into_iter()
            .map(|c| {
                let mut accounts: Vec<AccountOverview> = paths
                    .iter()
                    .filter(|(p, _)| p.connection_id == c.id)
                    .filter_map(|(_, a)| a.as_ref())
                    .map(|a| AccountOverview {
                        id: a.id,
                        advertiser_id: a.advertiser_id.clone(),
                        name: a.name.clone(),
                        tiktok_status: a.tiktok_status.clone(),
                        disconnected: a.sync_state == SyncState::Disconnected,
                        last_synced_at: a.last_synced_at,
                        sync_pending: pending.contains(&a.id),
                        access_paths: path_counts.get(&a.id).copied().unwrap_or(0),
                    })
                    .collect();
                accounts.sort_by(|a, b| a.name.cmp(&b.name));
                ConnectionOverview {
                    id: c.id,
                    tiktok_name: c.tiktok_display_name,
                    connected_by: emails.get(&c.connected_by_user_id).cloned(),
                    connected_at: c.connected_at,
                    needs_reconnect: c.auth_status == AuthStatus::NeedsReconnect,
                    auth_error: c.auth_error,
                    auth_error_at: c.auth_error_at,
                    auth_warning: c.auth_warning,
                    auth_warning_at: c.auth_warning_at,
                    accounts,
                }
            })
            .collect())
    }
}
