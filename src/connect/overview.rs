//! The workspace's connections and their ad accounts, as the connector cards show them: a
//! fixed number of queries however many connections and accounts there are.

use super::{ConnectError, ConnectService};
use crate::db::entities::sync_run::{DataCheck, RunTrigger, StepError};
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
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};

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
    /// New advertisers in the Business Center, waiting for a one-click import.
    pub available: Vec<String>,
    pub accounts: Vec<AccountOverview>,
}

#[derive(Debug, Clone)]
pub struct AccountOverview {
    pub id: i32,
    pub advertiser_id: String,
    pub name: String,
    pub tiktok_status: Option<String>,
    pub currency: Option<String>,
    /// No live connection reaches it any more: not synced, data kept.
    pub disconnected: bool,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// How many live connections reach it.
    pub access_paths: usize,
    /// The run queued or in flight, if any.
    pub active: Option<ActiveRun>,
    /// The last run that ended.
    pub last: Option<EndedRun>,
}

#[derive(Debug, Clone)]
pub struct ActiveRun {
    pub id: i32,
    pub first: bool,
    pub started: bool,
    /// The step's key (`campaigns`, `adgroups`…), its position among the steps, and the page.
    pub step: Option<String>,
    pub step_no: i32,
    pub steps: i32,
    pub page: u32,
    pub pages: u32,
    /// Waiting out TikTok's rate limit until then.
    pub waiting_until: Option<DateTime<Utc>>,
    /// TikTok failed to answer; the run resumes where it was at this time.
    pub retry_at: Option<DateTime<Utc>>,
    /// No progress for over an hour.
    pub stuck: bool,
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, Clone)]
pub struct EndedRun {
    pub id: i32,
    pub first: bool,
    pub succeeded: bool,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed (`needs_reconnect`, `transient`…), with TikTok's evidence.
    pub error_kind: Option<String>,
    pub error: Option<String>,
    pub step_errors: Vec<StepError>,
    pub data_check: Option<DataCheck>,
    pub counts: BTreeMap<String, u64>,
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
        // Each account's active run and last ended run, in one query.
        let last_ids: Vec<i32> = paths.iter().filter_map(|(_, a)| a.as_ref().and_then(|a| a.last_run_id)).collect();
        let now = self.clock.now();
        let mut active: HashMap<i32, ActiveRun> = HashMap::new();
        let mut last: HashMap<i32, EndedRun> = HashMap::new();
        for run in sync_run::Entity::find()
            .filter(
                Condition::any().add(sync_run::Column::Id.is_in(last_ids)).add(
                    Condition::all()
                        .add(sync_run::Column::AdAccountId.is_in(path_counts.keys().copied()))
                        .add(sync_run::Column::Status.is_in(RunStatus::ACTIVE)),
                ),
            )
            .all(&self.db)
            .await?
        {
            let first = run.trigger == RunTrigger::First;
            if RunStatus::ACTIVE.contains(&run.status) {
                let (page, pages) = run.step_pages();
                active.insert(
                    run.ad_account_id,
                    ActiveRun {
                        id: run.id,
                        first,
                        started: run.status == RunStatus::Running,
                        stuck: run.is_stuck(now),
                        step_no: run.progress_done + 1,
                        steps: run.progress_total,
                        page,
                        pages,
                        waiting_until: run.waiting_until.filter(|t| *t > now),
                        retry_at: run.retry_at.filter(|t| *t > now && run.status == RunStatus::Queued),
                        counts: run.counts(),
                        step: run.step,
                    },
                );
            } else {
                last.insert(
                    run.ad_account_id,
                    EndedRun {
                        id: run.id,
                        first,
                        succeeded: run.status == RunStatus::Succeeded,
                        finished_at: run.finished_at,
                        step_errors: run.step_errors(),
                        data_check: run.data_check(),
                        counts: run.counts(),
                        error_kind: run.error_kind,
                        error: run.error_message,
                    },
                );
            }
        }
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
                        currency: a.currency.clone(),
                        disconnected: a.sync_state == SyncState::Disconnected,
                        last_synced_at: a.last_synced_at,
                        access_paths: path_counts.get(&a.id).copied().unwrap_or(0),
                        active: active.get(&a.id).cloned(),
                        last: last.get(&a.id).cloned(),
                    })
                    .collect();
                accounts.sort_by(|a, b| a.name.cmp(&b.name));
                let available = c.available().into_iter().map(|a| a.name.unwrap_or(a.advertiser_id)).collect();
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
                    available,
                    accounts,
                }
            })
            .collect())
    }
}
