//! The workspace's ad accounts as the reports need them: names, currencies, the advertiser's
//! today, and their state (decided in [`crate::db::status`]) for the attention lines.

use crate::db::{entities::tiktok_ad_account, status::AccountState};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

#[derive(Debug, Clone)]
pub struct AccountHealth {
    pub account: tiktok_ad_account::Model,
    /// A connection that reaches it (for the link to its card).
    pub connection_id: Option<i32>,
    pub state: AccountState,
    /// Its queued or running sync and when that last committed (part of the data version).
    pub activity: Option<(i32, Option<DateTime<Utc>>)>,
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
    /// The workspace's ad accounts with their state: three queries.
    pub async fn accounts(&self, workspace_id: i32) -> Result<Vec<AccountHealth>, DbErr> {
        let accounts = tiktok_ad_account::Entity::find()
            .filter(tiktok_ad_account::Column::WorkspaceId.eq(workspace_id))
            .order_by_asc(tiktok_ad_account::Column::Name)
            .all(&self.db)
            .await?;
        let mut states = crate::db::status::load(&self.db, &accounts, self.clock.now()).await?;
        Ok(accounts
            .into_iter()
            .filter_map(|account| {
                let loaded = states.remove(&account.id)?;
                Some(AccountHealth {
                    connection_id: loaded.connection_id,
                    activity: loaded.active_run,
                    state: loaded.state,
                    account,
                })
            })
            .collect())
    }
}
