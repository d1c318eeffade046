//! What Ads Manager and the Dashboard show, built from what the queries return: figures in
//! words, links, badges, charts and the lines about accounts that need attention. The pages
//! only render these; each builder is a plain function, tested here.

mod ads;
mod attention;
mod breakdowns;
mod bucket_words;
mod chart;
mod dashboard;
mod pacing;
mod split;
mod words;

pub use bucket_words::bucket_labels;

use super::{breakdowns::MAX_SPLIT_CAMPAIGNS, pacing::Clock, AccountHealth, ReportError, ReportsService, Row};
use crate::{
    error::AppError,
    model::{
        ids::AccountId,
        reports::{AdsQuery, AdsRow, AdsTable, Dashboard, DashboardQuery, Dimension},
    },
};
use chrono::NaiveDate;
use futures::{stream::BoxStream, StreamExt};
use split::Cut;

/// The export of a table: its query and days, and its lines as they are read.
pub struct Export {
    pub query: AdsQuery,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub lines: BoxStream<'static, Result<AdsRow, AppError>>,
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::NotFound => AppError::not_found("This campaign or ad group"),
            ReportError::Busy => {
                AppError::rate_limited("Wevion is working out many reports right now. Try again in a moment.")
            }
            ReportError::Db(e) => AppError::database(e),
        }
    }
}

/// A view's accounts: the workspace's, and those its query names (all, or the one picked).
struct Scope {
    accounts: Vec<AccountHealth>,
    in_view: Vec<AccountHealth>,
}

impl Scope {
    fn in_view(&self) -> Vec<&AccountHealth> {
        self.in_view.iter().collect()
    }

    /// What the page says about the accounts; `empty` set when there is nothing to show yet.
    fn shown(&self) -> attention::Shown {
        attention::Shown::of(&self.accounts, &self.in_view())
    }
}

impl ReportsService {
    /// The workspace's accounts and those `account` names; NotFound for another workspace's.
    async fn scope_of(&self, workspace_id: i32, account: Option<AccountId>) -> Result<Scope, AppError> {
        let accounts = self.accounts(workspace_id).await?;
        let in_view: Vec<AccountHealth> = self
            .scope(&accounts, account)
            .ok_or_else(|| AppError::not_found("This advertiser account"))?
            .into_iter()
            .cloned()
            .collect();
        Ok(Scope { accounts, in_view })
    }

    /// Ads Manager's table for `query` in `workspace_id`. The query meets the URL's limits
    /// however it came (a server function's JSON body too).
    pub async fn ads_view(&self, workspace_id: i32, query: AdsQuery) -> Result<AdsTable, AppError> {
        let query = query.checked();
        let scope = self.scope_of(workspace_id, query.account).await?;
        let shown = scope.shown();
        if shown.empty.is_some() {
            return Ok(ads::empty(query, shown));
        }
        let (from, to) = self.days(&query.range, &scope.in_view);
        let data = self.table(workspace_id, &scope.accounts, &query.rows_only(), from, to).await?;
        let section = match query.breakdowns_of() {
            Some(campaign) => {
                let read = self.campaign_buckets(workspace_id, campaign, query.audience.by, from, to).await;
                if let Err(e) = &read {
                    tracing::warn!(error = %e, "a campaign's breakdowns could not be read; its table still shows");
                }
                let delivered = data.totals.iter().any(|(_, s)| s.spend_micros() > 0);
                let read = read.as_deref().map_or(breakdowns::Read::Failed, breakdowns::Read::Buckets);
                let mut section = breakdowns::section(&query, read, delivered, from == to);
                if section.chart.is_some() {
                    let through = breakdowns::complete_through(&scope.in_view());
                    section.notes.extend(breakdowns::completeness(through, to));
                }
                Some(section)
            }
            None => None,
        };
        let mut table = ads::table(query.clone(), shown, from, to, &data, section);
        if let Some(by) = query.breakdown {
            let ids: Vec<String> = table.rows.iter().map(|r| r.id.clone()).collect();
            let key =
                (workspace_id, super::cache::data_version(&scope.accounts), super::cache::digest((&ids, by, from, to)));
            let read = self.cache.splits(key, async {
                let _turn = self.query_turn(false).await?;
                self.split_by(workspace_id, &ids, by, from, to).await
            });
            match read.await {
                Ok(values) => {
                    let own = data.rows.iter().map(|r| (r.tiktok_id.as_str(), r.sums)).collect();
                    let values = values.as_ref().clone();
                    let mut lines = split::split_lines(&query, by, values, &own, (Cut::TopCountries, from == to));
                    for row in &mut table.rows {
                        row.split = lines.remove(&row.id).unwrap_or_default();
                    }
                    let through = breakdowns::complete_through(&scope.in_view());
                    table.split_notes.extend(breakdowns::completeness(through, to));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the table's breakdown could not be read; its own lines still show");
                    table.split_notes.push(split::UNREAD.into());
                }
            }
        }
        Ok(table)
    }

    /// Every line of Ads Manager's table for `query`, as the export writes them: read from the
    /// database as they are written out, so its memory stays bounded whatever the table's size.
    pub async fn ads_export(&self, workspace_id: i32, query: AdsQuery) -> Result<Export, AppError> {
        let query = query.checked();
        let scope = self.scope_of(workspace_id, query.account).await?;
        if scope.shown().empty.is_some() {
            return Ok(Export { query, from: None, to: None, lines: futures::stream::empty().boxed() });
        }
        let (from, to) = self.days(&query.range, &scope.in_view);
        // A drill-down into what is not this workspace's is refused before anything is sent.
        self.check_parents(workspace_id, &query).await?;
        let Some(turn) = self.exports.take(workspace_id) else {
            return Err(AppError::rate_limited("Other exports are being written right now. Try again in a moment."));
        };
        let turn = std::sync::Arc::new(turn);
        let rows = self.every_row(workspace_id, &query, from, to, turn.clone());
        let lines = match query.breakdown {
            None => ads::lines(&query, from == to, rows),
            Some(by) => self.split_export(workspace_id, query.clone(), by, (from, to), rows, turn),
        };
        Ok(Export { query, from: Some(from), to: Some(to), lines })
    }

    /// An export's campaigns with their lines split by `by`: one query per chunk of campaigns as
    /// they are read, so memory stays bounded. The export's slot (`turn`) is held until the
    /// last chunk is split, and a chunk after its time is up ends the export cut short.
    fn split_export(
        &self,
        workspace_id: i32,
        query: AdsQuery,
        by: Dimension,
        (from, to): (NaiveDate, NaiveDate),
        rows: BoxStream<'static, Result<Row, ReportError>>,
        turn: std::sync::Arc<super::limits::ExportTurn>,
    ) -> BoxStream<'static, Result<AdsRow, AppError>> {
        let this = self.clone();
        rows.chunks(MAX_SPLIT_CAMPAIGNS)
            .then(move |chunk| {
                let (this, query, turn) = (this.clone(), query.clone(), turn.clone());
                async move {
                    let rows = chunk.into_iter().collect::<Result<Vec<Row>, ReportError>>()?;
                    if turn.cut.is_cancelled() || this.exports.overdue(&turn) {
                        let cut = sea_orm::DbErr::Custom("the export was cut short".into());
                        return Err(ReportError::Db(cut).into());
                    }
                    let ids: Vec<String> = rows.iter().map(|r| r.tiktok_id.clone()).collect();
                    let values = this.split_by(workspace_id, &ids, by, from, to).await?;
                    let own = rows.iter().map(|r| (r.tiktok_id.as_str(), r.sums)).collect();
                    let mut lines = split::split_lines(&query, by, values, &own, (Cut::Whole, from == to));
                    let one_day = from == to;
                    let lines = rows.iter().map(|r| AdsRow {
                        split: lines.remove(&r.tiktok_id).unwrap_or_default(),
                        ..ads::export_line(&query, r, one_day)
                    });
                    Ok::<_, AppError>(lines.collect::<Vec<_>>())
                }
            })
            .flat_map(|chunk| {
                let lines: Vec<Result<AdsRow, AppError>> = match chunk {
                    Ok(rows) => rows.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                };
                futures::stream::iter(lines)
            })
            .boxed()
    }

    /// The Dashboard for `query` in `workspace_id`.
    pub async fn dashboard_view(&self, workspace_id: i32, query: DashboardQuery) -> Result<Dashboard, AppError> {
        let query = query.checked();
        let scope = self.scope_of(workspace_id, query.account).await?;
        let shown = scope.shown();
        let freshness = dashboard::freshness(&scope.in_view(), self.now());
        if shown.empty.is_some() {
            return Ok(dashboard::empty(query, shown, freshness));
        }
        let (owned, accounts) = (&scope.in_view, &scope.accounts);
        let (from, to) = self.days(&query.range, owned);
        let today = owned.iter().map(|a| a.today(self.now())).max().unwrap_or(to);
        let data = self.dashboard(workspace_id, accounts, query.account, from, to, today).await?;
        let clocks: Vec<Clock> = owned.iter().map(|a| Clock::of(a, self.now())).collect();
        let hours = self.hours(workspace_id, accounts, &clocks).await?;
        let pacing = pacing::pacing(&scope.in_view(), &clocks, &hours);
        // Only totals in several currencies are converted: one advertiser's, or one currency's,
        // stay as they are. A conversion that cannot be read leaves them per currency.
        let reporting = match (query.account, data.totals.len() > 1) {
            (None, true) => match self.converted_totals(workspace_id, None, from, to).await {
                Ok(converted) => converted.map(|totals| dashboard::reporting(&totals, from == to)),
                Err(e) => {
                    tracing::warn!(error = %e, "the totals could not be converted; they show per currency");
                    Some(dashboard::unconverted())
                }
            },
            _ => None,
        };
        let mut board = dashboard::board(query, shown, freshness, from, to, &data);
        let complete = breakdowns::completeness(breakdowns::complete_through(&scope.in_view()), to);
        for panel in board.panels.iter_mut().filter(|p| !p.charts.is_empty()) {
            panel.notes.extend(complete.clone());
        }
        Ok(Dashboard { pacing, reporting, ..board })
    }
}
