//! What Ads Manager and the Dashboard show, built from what the queries return: figures in
//! words, links, badges, charts and the lines about accounts that need attention. The pages
//! only render these; each builder is a plain function, tested here.

mod ads;
mod attention;
mod chart;
mod dashboard;
mod words;

use super::{ReportError, ReportsService};
use crate::{
    error::AppError,
    model::reports::{AdsQuery, AdsTable, Dashboard, DashboardQuery},
};

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::NotFound => AppError::not_found("This campaign or ad group"),
            ReportError::Db(e) => AppError::database(e),
        }
    }
}

impl ReportsService {
    /// Ads Manager's table for `query` in `workspace_id`; `all` lifts paging (the CSV export).
    pub async fn ads_view(&self, workspace_id: i32, query: AdsQuery, all: bool) -> Result<AdsTable, AppError> {
        let accounts = self.accounts(workspace_id).await?;
        let in_view =
            self.scope(&accounts, query.account).ok_or_else(|| AppError::not_found("This advertiser account"))?;
        let shown = attention::Shown::of(&accounts, &in_view);
        if shown.empty.is_some() {
            return Ok(ads::empty(query, shown));
        }
        let owned: Vec<_> = in_view.iter().map(|a| (*a).clone()).collect();
        let (from, to) = self.days(&query.range, &owned);
        let data = self.table(workspace_id, &accounts, &query, from, to, all).await?;
        Ok(ads::table(query, shown, from, to, &data))
    }

    /// The Dashboard for `query` in `workspace_id`.
    pub async fn dashboard_view(&self, workspace_id: i32, query: DashboardQuery) -> Result<Dashboard, AppError> {
        let accounts = self.accounts(workspace_id).await?;
        let in_view =
            self.scope(&accounts, query.account).ok_or_else(|| AppError::not_found("This advertiser account"))?;
        let shown = attention::Shown::of(&accounts, &in_view);
        let freshness = dashboard::freshness(&in_view, self.now());
        if shown.empty.is_some() {
            return Ok(dashboard::empty(query, shown, freshness));
        }
        let owned: Vec<_> = in_view.iter().map(|a| (*a).clone()).collect();
        let (from, to) = self.days(&query.range, &owned);
        let today = owned.iter().map(|a| a.today(self.now())).max().unwrap_or(to);
        let data = self.dashboard(workspace_id, &accounts, query.account, from, to, today).await?;
        Ok(dashboard::board(query, shown, freshness, from, to, &data))
    }
}
