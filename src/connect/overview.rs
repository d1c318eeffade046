//! The workspace's connections and their ad accounts, as the connector cards show them: a
//! fixed number of queries however many connections and accounts there are. Each state comes
//! from [`crate::db::status`], the one place that decides it.

use super::{ConnectError, ConnectService};
use crate::model::ids::{AccountId, ConnectionId};
use crate::{
    auth::CurrentUser,
    db::{
        entities::{
            app_user, sync_run, tiktok_access_path, tiktok_ad_account,
            tiktok_connection::{self, AuthStatus},
        },
        status::{AccountState, ConnectionState},
    },
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ConnectionOverview {
    pub id: ConnectionId,
    pub tiktok_name: Option<String>,
    /// The member who connected it; `None` when they left.
    pub connected_by: Option<String>,
    pub connected_at: DateTime<Utc>,
    pub state: ConnectionState,
    /// New advertisers in the Business Center, waiting for a one-click import.
    pub available: Vec<String>,
    pub accounts: Vec<AccountOverview>,
}

#[derive(Debug, Clone)]
pub struct AccountOverview {
    pub id: AccountId,
    pub advertiser_id: String,
    pub name: String,
    pub tiktok_status: Option<String>,
    pub currency: Option<String>,
    /// How many live connections reach it.
    pub access_paths: usize,
    pub state: AccountState,
}

impl ConnectService {
    pub async fn overview(&self, user: &CurrentUser) -> Result<Vec<ConnectionOverview>, ConnectError> {
        let connections = tiktok_connection::Entity::find()
            .filter(tiktok_connection::Column::WorkspaceId.eq(user.workspace_id))
            .filter(tiktok_connection::Column::AuthStatus.ne(AuthStatus::Disconnected))
            .order_by_asc(tiktok_connection::Column::ConnectedAt)
            .all(&self.db)
            .await?;
        let healthy: HashMap<i32, bool> =
            connections.iter().map(|c| (c.id, c.auth_status == AuthStatus::Healthy)).collect();
        let paths = tiktok_access_path::Entity::find()
            .filter(tiktok_access_path::Column::ConnectionId.is_in(connections.iter().map(|c| c.id)))
            .find_also_related(tiktok_ad_account::Entity)
            .all(&self.db)
            .await?;
        // Per account: how many connections reach it, and whether one of them is healthy.
        let mut reach: HashMap<i32, (usize, bool)> = HashMap::new();
        for (path, _) in &paths {
            let entry = reach.entry(path.ad_account_id).or_default();
            entry.0 += 1;
            entry.1 |= healthy.get(&path.connection_id).copied().unwrap_or(false);
        }
        let accounts: Vec<tiktok_ad_account::Model> = paths.iter().filter_map(|(_, a)| a.clone()).collect();
        let runs = sync_run::active_and_last(&self.db, &accounts).await?;
        let emails: HashMap<i32, String> = app_user::Entity::find()
            .filter(app_user::Column::Id.is_in(connections.iter().map(|c| c.connected_by_user_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect();
        let now = self.clock.now();
        let overview_of = |a: &tiktok_ad_account::Model| {
            let (paths, reachable) = reach.get(&a.id).copied().unwrap_or_default();
            let runs = runs.get(&a.id);
            AccountOverview {
                id: AccountId(a.id),
                advertiser_id: a.advertiser_id.clone(),
                name: a.name.clone(),
                tiktok_status: a.tiktok_status.clone(),
                currency: a.currency.clone(),
                access_paths: paths,
                state: AccountState::decide(
                    a,
                    reachable,
                    runs.and_then(|r| r.active.as_ref()),
                    runs.and_then(|r| r.last.as_ref()),
                    now,
                ),
            }
        };

        Ok(connections
            .into_iter()
            .map(|c| {
                let mut accounts: Vec<AccountOverview> = paths
                    .iter()
                    .filter(|(p, _)| p.connection_id == c.id)
                    .filter_map(|(_, a)| a.as_ref())
                    .map(overview_of)
                    .collect();
                accounts.sort_by(|a, b| a.name.cmp(&b.name));
                let available = c.available().into_iter().map(|a| a.name.unwrap_or(a.advertiser_id)).collect();
                ConnectionOverview {
                    id: ConnectionId(c.id),
                    state: ConnectionState::of(&c),
                    tiktok_name: c.tiktok_display_name,
                    connected_by: emails.get(&c.connected_by_user_id).cloned(),
                    connected_at: c.connected_at,
                    available,
                    accounts,
                }
            })
            .collect())
    }
}
