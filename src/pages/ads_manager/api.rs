//! What Ads Manager asks the server: one table for the state in its URL.

use crate::{error::AppError, model::reports::*};

#[leptos::server(prefix = "/api", endpoint = "ads/table", input = server_fn::codec::Json)]
pub async fn load_ads_table(query: AdsQuery) -> Result<AdsTable, AppError> {
    use self::ssr::*;
    respond(async move {
        let user = authorize(Capability::View).await?;
        table(&reports()?, &user, query, false).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    pub use crate::{auth::authorize, error::respond, roles::Capability};
    use crate::{
        auth::CurrentUser,
        error::AppError,
        model::{connect::is_pending_review, format::humanize, reports::*},
        pages::format::{budget, figures, status, web_url},
        reports::{AccountHealth, Problem, ReportError, ReportsService},
    };

    pub fn reports() -> Result<ReportsService, AppError> {
        leptos::prelude::use_context::<ReportsService>()
            .ok_or_else(|| AppError::internal("ReportsService missing from the server function context"))
    }

    pub fn report_error(e: ReportError) -> AppError {
        match e {
            ReportError::NotFound => AppError::not_found("This campaign or ad group"),
            ReportError::Db(e) => AppError::database(e),
        }
    }

    /// What the accounts in view need people to know, each line linking to its connector card.
    pub fn attention(accounts: &[&AccountHealth]) -> Vec<Attention> {
        let mut lines = Vec::new();
        for a in accounts {
            let href = a
                .connection_id
                .map_or_else(|| "/connect/tiktok".to_string(), |c| format!("/connect/tiktok#connection-{c}"));
            let name = &a.account.name;
            for p in a.state.problems() {
                let text = match p {
                    Problem::Reconnect => format!("{name}: TikTok no longer accepts the token of any connection that reaches it. Reconnect to resume syncing."),
                    Problem::KeyMissing => format!("{name}: this server cannot read the stored token (its TIKTOK_TOKEN_KEY settings lack its key); figures may be out of date."),
                    Problem::SyncFailed => format!("{name}: the last sync failed; figures may be out of date."),
                    Problem::Stuck => format!("{name}: the sync is stuck (no progress for over an hour)."),
                    Problem::PermissionGap(steps) => {
                        format!("{name}: TikTok did not give the {}; some data is missing.", steps.iter().map(|s| s.label()).collect::<Vec<_>>().join(", "))
                    }
                    Problem::DataMismatch => format!("{name}: TikTok's totals differ from the synced days; see the card."),
                };
                lines.push(Attention { text, href: href.clone() });
            }
        }
        lines
    }

    /// Nothing to show yet: no connection, or first syncs still running.
    pub fn empty(accounts: &[&AccountHealth]) -> Option<Empty> {
        if accounts.is_empty() {
            return Some(Empty::NotConnected);
        }
        if accounts.iter().all(|a| a.account.last_synced_at.is_none()) {
            // A queued first run counts as in progress; none at all means it stopped.
            let Some(progress) = accounts.iter().find_map(|a| a.state.first_sync_progress()) else {
                return Some(Empty::FirstSyncStopped);
            };
            let progress = match progress {
                Some(p) => format!("Syncing {}… {} of {}", p.step.label(), p.step_no, p.steps),
                None => "Waiting to start…".to_string(),
            };
            return Some(Empty::FirstSync { progress });
        }
        None
    }

    pub fn account_options(accounts: &[AccountHealth]) -> Vec<AccountOption> {
        accounts
            .iter()
            .map(|a| AccountOption {
                id: a.account.id,
                name: a.account.name.clone(),
                currency: a.currency(),
                pending_review: is_pending_review(a.account.tiktok_status.as_deref()),
            })
            .collect()
    }

    /// The table for `query`; `all` lifts paging (the CSV export).
    pub async fn table(
        reports: &ReportsService,
        user: &CurrentUser,
        query: AdsQuery,
        all: bool,
    ) -> Result<AdsTable, AppError> {
        let accounts = reports.accounts(user.workspace_id).await?;
        let in_view =
            reports.scope(&accounts, query.account).ok_or_else(|| AppError::not_found("This advertiser account"))?;
        let in_view_owned: Vec<AccountHealth> = in_view.iter().map(|a| (*a).clone()).collect();
        let mut out = AdsTable {
            query: query.clone(),
            empty: empty(&in_view),
            from: None,
            to: None,
            crumbs: Vec::new(),
            rows: Vec::new(),
            total_rows: 0,
            hidden_deleted: 0,
            pages: 0,
            totals: Vec::new(),
            accounts: account_options(&accounts),
            attention: attention(&in_view),
            pending_review: in_view
                .iter()
                .filter(|a| is_pending_review(a.account.tiktok_status.as_deref()))
                .map(|a| a.account.name.clone())
                .collect(),
        };
        if out.empty.is_some() {
            return Ok(out);
        }
        let (from, to) = reports.days(&query.range, &in_view_owned);
        out.from = Some(from);
        out.to = Some(to);
        let data = reports.table(user.workspace_id, &accounts, &query, from, to, all).await.map_err(report_error)?;

        let top = AdsQuery {
            account: query.account,
            range: query.range,
            show_deleted: query.show_deleted,
            ..AdsQuery::default()
        };
        if query.level.listed() != Level::Campaign {
            out.crumbs.push(Crumb { label: "All campaigns".into(), href: top.href() });
            if let (Some(id), Some(name)) = (&query.campaign, &data.campaign_name) {
                let q = AdsQuery { level: Level::AdGroup, campaign: Some(id.clone()), ..top.clone() };
                out.crumbs.push(Crumb { label: name.clone(), href: q.href() });
            }
            if let (Some(id), Some(name)) = (&query.adgroup, &data.adgroup_name) {
                let q = AdsQuery {
                    level: Level::Ad,
                    campaign: query.campaign.clone(),
                    adgroup: Some(id.clone()),
                    ..top.clone()
                };
                out.crumbs.push(Crumb { label: name.clone(), href: q.href() });
            }
        }
        out.total_rows = data.total_rows;
        out.hidden_deleted = data.hidden_deleted;
        out.pages = data.total_rows.div_ceil(u64::from(AdsQuery::PAGE_SIZE)) as u32;
        out.totals = data
            .totals
            .iter()
            .map(|(currency, s)| CurrencyTotals { currency: currency.clone(), figures: figures(*s) })
            .collect();
        out.rows = data
            .rows
            .iter()
            .map(|r| {
                let drill = match query.level.listed() {
                    Level::Advertiser | Level::Campaign => Some(AdsQuery {
                        level: Level::AdGroup,
                        campaign: Some(r.tiktok_id.clone()),
                        account: Some(r.account_id),
                        ..top.clone()
                    }),
                    Level::AdGroup => Some(AdsQuery {
                        level: Level::Ad,
                        campaign: query.campaign.clone(),
                        adgroup: Some(r.tiktok_id.clone()),
                        account: Some(r.account_id),
                        ..top.clone()
                    }),
                    Level::Ad => None,
                };
                AdsRow {
                    figures: figures(r.sums),
                    deleted: r.deleted(),
                    status: status(r.operation_status.as_deref(), r.secondary_status.as_deref(), r.gone_at.is_some()),
                    objective: r.objective.as_deref().map(humanize),
                    budget: budget(r.budget_micros, r.budget_mode.as_deref()),
                    creative: (query.level == Level::Ad).then(|| Creative {
                        thumbnail: web_url(r.thumbnail.as_deref()),
                        text: r.ad_text.clone(),
                        landing_page: web_url(r.landing_page_url.as_deref()),
                        format: r.ad_format.as_deref().map(humanize),
                    }),
                    drill: drill.map(|q| q.href()),
                    name: r.name.clone().unwrap_or_else(|| format!("#{}", r.tiktok_id)),
                    advertiser: r.advertiser.clone(),
                    currency: r.currency.clone().unwrap_or_else(|| "?".into()),
                    id: r.tiktok_id.clone(),
                }
            })
            .collect();
        Ok(out)
    }
}
