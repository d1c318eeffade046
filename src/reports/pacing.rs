//! Today by hour against yesterday: each account's spend and results in each hour of its own
//! today and yesterday (the advertiser's clock, as TikTok reports hours), from the hourly rows the
//! sync keeps for a few days.

use super::{sql::Fragment, AccountHealth, Part, ReportError, ReportsService};
use crate::{db::wide_sum, model::reports::Level};
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use sea_orm::{DbErr, FromQueryResult, QueryResult};

/// One account's delivery in one hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourRow {
    pub account_id: i32,
    pub date: NaiveDate,
    pub hour: i16,
    pub spend: Option<i64>,
    pub results: Option<i64>,
}

impl FromQueryResult for HourRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            account_id: res.try_get(pre, "account_id")?,
            date: res.try_get(pre, "date")?,
            hour: res.try_get(pre, "hour")?,
            spend: wide_sum::read(res, pre, Part::Spend.alias())?,
            results: wide_sum::read(res, pre, Part::Results.alias())?,
        })
    }
}

/// An account's clock: its today, and the hours of it that are held whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Clock {
    pub account_id: i32,
    pub today: NaiveDate,
    /// Hours of today that had ended an hour before its last sync read them (TikTok's hours keep
    /// filling in for a while): 13 when the last sync ran at 14:05; 0 before one ran today.
    pub hours_ended: u32,
}

impl Clock {
    pub fn of(account: &AccountHealth, now: DateTime<Utc>) -> Self {
        let local = account.account.local(now);
        let read = account.account.last_synced_at.map(|at| account.account.local(at.min(now)));
        let held = read.filter(|r| r.date() == local.date()).map_or(0, |r| r.hour().saturating_sub(1));
        Clock { account_id: account.account.id, today: local.date(), hours_ended: local.hour().min(held) }
    }
}

impl ReportsService {
    /// The hours of each account's today and yesterday, for the accounts whose `clocks` are given
    /// (of the workspace's `accounts`): kept until a sync writes or an hour ends.
    pub async fn hours(
        &self,
        workspace_id: i32,
        accounts: &[AccountHealth],
        clocks: &[Clock],
    ) -> Result<std::sync::Arc<Vec<HourRow>>, ReportError> {
        let key = (workspace_id, super::cache::data_version(accounts), super::cache::digest(clocks));
        self.cache.hours(key, self.read_hours(workspace_id, clocks)).await
    }

    async fn read_hours(&self, workspace_id: i32, clocks: &[Clock]) -> Result<Vec<HourRow>, ReportError> {
        // Advertisers' todays lie within a day or two of each other: a few days, then each
        // account keeps its own two.
        let mut days: Vec<NaiveDate> = clocks.iter().flat_map(|c| [c.today, c.today - Duration::days(1)]).collect();
        days.sort();
        days.dedup();
        let accounts: Vec<i32> = clocks.iter().map(|c| c.account_id).collect();
        if days.is_empty() || days.len() > 8 {
            return Ok(Vec::new());
        }
        let _turn = self.query_turn(false).await?;
        let list = |values: Vec<Fragment>| Fragment::sql("(").append(Fragment::join(", ", values)).push(")");
        let sums = super::sql::sums(&[Part::Spend, Part::Results]);
        let stmt = Fragment::sql(format!(
            "SELECT a.id AS account_id, i.date, i.hour, {sums} \
             FROM tiktok_insight_hourly i JOIN tiktok_ad_account a ON a.id = i.ad_account_id WHERE a.workspace_id = "
        ))
        .bind(workspace_id)
        .push(" AND i.level = ")
        .bind(Level::Campaign)
        .push(" AND i.date IN ")
        .append(list(days.iter().map(|d| Fragment::default().bind(*d)).collect()))
        .push(" AND a.id IN ")
        .append(list(accounts.iter().map(|a| Fragment::default().bind(*a)).collect()))
        .push(" GROUP BY a.id, i.date, i.hour")
        .statement(self.db.get_database_backend());
        let rows = HourRow::find_by_statement(stmt).all(&self.db).await?;
        let own_days = |r: &HourRow| {
            clocks
                .iter()
                .any(|c| c.account_id == r.account_id && (r.date == c.today || r.date == c.today - Duration::days(1)))
        };
        Ok(rows.into_iter().filter(own_days).collect())
    }
}
