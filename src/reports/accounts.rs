//! The workspace's ad accounts as the reports need them: names, currencies, the advertiser's
//! today, and anything that needs attention (shown with a link to the connector card).

use crate::db::entities::{
    sync_run::{self, RunStatus, RunTrigger},
    tiktok_access_path,
    tiktok_ad_account::{self, SyncState},
    tiktok_connection::{self, AuthStatus},
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct AccountHealth {
    pub account: tiktok_ad_account::Model,
    /// A connection that reaches it (for the link to its card).
    pub connection_id: Option<i32>,
    /// Its first sync is running or queued: the step and its position.
    pub first_sync: Option<(Option<String>, i32, i32)>,
    pub problems: Vec<Problem>,
    /// Its queued or running sync and when that last committed (part of the data version).
    pub activity: Option<(i32, Option<DateTime<Utc>>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No connection that reaches it has a token TikTok accepts.
    Reconnect,
    /// The last sync failed.
    SyncFailed,
    /// A sync has made no progress for over an hour.
    Stuck,
    /// TikTok did not grant some data (the steps).
    PermissionGap(Vec<String>),
    /// Stored spend differs from TikTok's totals.
    DataMismatch,
}

impl AccountHealth {
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        self.account.today(now)
    }

    pub fn currency(&self) -> String {
        self.account.currency.clone().unwrap_or_else(|| "?".into())
    }
}

impl super::ReportsService {
    /// The workspace's ad accounts (one, when `only` is given) with their health: three queries.
    pub async fn accounts(&self, workspace_id: i32) -> Result<Vec<AccountHealth>, DbErr> {
        let accounts = tiktok_ad_account::Entity::find()
            .filter(tiktok_ad_account::Column::WorkspaceId.eq(workspace_id))
            .order_by_asc(tiktok_ad_account::Column::Name)
            .all(&self.db)
            .await?;
        let ids: Vec<i32> = accounts.iter().map(|a| a.id).collect();
        let last: Vec<i32> = accounts.iter().filter_map(|a| a.last_run_id).collect();
        let runs = sync_run::Entity::find()
            .filter(
                Condition::any().add(sync_run::Column::Id.is_in(last)).add(
                    Condition::all()
                        .add(sync_run::Column::AdAccountId.is_in(ids.clone()))
                        .add(sync_run::Column::Status.is_in(RunStatus::ACTIVE)),
                ),
            )
            .all(&self.db)
            .await?;
        let paths = tiktok_access_path::Entity::find()
            .filter(tiktok_access_path::Column::AdAccountId.is_in(ids))
            .find_also_related(tiktok_connection::Entity)
            .all(&self.db)
            .await?;
        let now = self.clock.now();
        let mut healthy: HashMap<i32, bool> = HashMap::new();
        let mut connection: HashMap<i32, i32> = HashMap::new();
        for (path, c) in &paths {
            let ok = c.as_ref().is_some_and(|c| c.auth_status == AuthStatus::Healthy);
            *healthy.entry(path.ad_account_id).or_default() |= ok;
            connection.entry(path.ad_account_id).or_insert(path.connection_id);
        }
        Ok(accounts
            .into_iter()
            .map(|account| {
                let active =
                    runs.iter().find(|r| r.ad_account_id == account.id && RunStatus::ACTIVE.contains(&r.status));
                let ended =
                    runs.iter().find(|r| Some(r.id) == account.last_run_id && !RunStatus::ACTIVE.contains(&r.status));
                let mut problems = Vec::new();
                if account.sync_state == SyncState::Active && !healthy.get(&account.id).copied().unwrap_or(false) {
                    problems.push(Problem::Reconnect);
                }
                if let Some(run) = ended {
                    if run.status == RunStatus::Failed && !problems.contains(&Problem::Reconnect) {
                        problems.push(Problem::SyncFailed);
                    }
                    let gaps: Vec<String> = run.step_errors().into_iter().map(|e| e.step).collect();
                    if !gaps.is_empty() {
                        problems.push(Problem::PermissionGap(gaps));
                    }
                    if run.data_check().is_some_and(|c| c.mismatched_campaigns > 0) {
                        problems.push(Problem::DataMismatch);
                    }
                }
                if active.is_some_and(|r| r.is_stuck(now)) {
                    problems.push(Problem::Stuck);
                }
                let first_sync = active
                    .filter(|r| r.trigger == RunTrigger::First || account.last_synced_at.is_none())
                    .map(|r| (r.step.clone(), r.progress_done + 1, r.progress_total));
                let activity = active.map(|r| (r.id, r.last_progress_at));
                AccountHealth {
                    connection_id: connection.get(&account.id).copied(),
                    first_sync,
                    problems,
                    activity,
                    account,
                }
            })
            .collect())
    }
}
