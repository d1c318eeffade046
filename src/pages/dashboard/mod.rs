//! `/dashboard`: the workspace's TikTok results at a glance: totals with their change against the
//! period before, daily charts for the last 90 days, and the top campaigns. Like Ads Manager,
//! the URL holds the state and every control is a link or a GET form.

pub mod api;
mod audience;

use self::{
    api::load_dashboard,
    audience::{TodayByHour, WhoSawTheAds},
};
use super::report_parts::{
    day, refetch_during_first_sync, AccountPicker, AttentionLines, ChartFigure, EmptyState, RangePicker, ReportFailure,
};
use crate::model::{format::or_dash, reports::*};
use chrono::Duration;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let params = use_query_map();
    let query =
        Memo::new(move |_| params.with(|p| DashboardQuery::from_pairs(p.into_iter().map(|(k, v)| (k.as_ref(), v)))));
    let data = Resource::new(move || query.get(), load_dashboard);
    refetch_during_first_sync(data, |d: &Dashboard| d.empty.as_ref());
    view! {
        <Title text="Dashboard"/>
        <div class="report">
            <header class="page-header">
                <div>
                    <h1>"Dashboard"</h1>
                    <p class="muted">"Spend and results across your TikTok advertiser accounts."</p>
                </div>
            </header>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <Board d/> }.into_any(),
                        Err(error) => view! { <ReportFailure error testid="dashboard-error"/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Board(d: Dashboard) -> impl IntoView {
    // Long: one view tree (toolbar, KPIs, charts, top campaigns) over one ready-made dashboard.
    let freshness =
        d.freshness.clone().map(|text| view! { <p class="freshness muted" data-testid="freshness">{text}</p> });
    let attention = view! { <AttentionLines lines=d.attention.clone()/> };
    if let Some(empty) = d.empty.clone() {
        return view! { {freshness} {attention} <EmptyState empty what="your results"/> }.into_any();
    }
    let q = d.query.clone();
    let href = {
        let q = q.clone();
        move |range: Range| DashboardQuery { range, ..q.clone() }.href()
    };
    let compared = match (d.from, d.to) {
        (Some(f), Some(t)) => {
            let len = (t - f).num_days() + 1;
            let (pf, pt) = (f - Duration::days(len), f - Duration::days(1));
            format!("Change against the {len} day(s) before: {} – {}.", day(pf), day(pt))
        }
        _ => String::new(),
    };
    let several = d.totals.len() > 1;
    view! {
        {freshness}
        {attention}
        <section class="toolbar">
            <RangePicker range=q.range from=d.from to=d.to href action="/dashboard" keep=q.pairs()/>
            <Form method="GET" action="/dashboard" attr:class="filters">
                {q.pairs()
                    .into_iter()
                    .filter(|(k, _)| matches!(*k, "range" | "from" | "to"))
                    .map(|(k, v)| view! { <input type="hidden" name=k value=v/> })
                    .collect_view()}
                <AccountPicker accounts=d.accounts.clone() selected=q.account/>
                <button type="submit" class="button">"Apply"</button>
            </Form>
        </section>
        {d.totals.is_empty().then(|| view! {
            <p class="muted" data-testid="no-results">"No results for these days."</p>
        })}
        <Totals totals=d.totals.clone() reporting=d.reporting.clone()/>
        <p class="muted small">{compared}</p>
        <TodayByHour pacing=d.pacing.clone()/>
        <WhoSawTheAds panels=d.panels.clone()/>
        <h2>"Last 90 days"</h2>
        <p class="muted small" data-testid="provisional">
            "The last two days are provisional (drawn lighter): TikTok is still adding late conversions and delivery to them."
        </p>
        <div class="charts" data-testid="daily-charts">
            {d.charts.iter().map(|c| view! { <ChartFigure chart=c.clone()/> }).collect_view()}
        </div>
        <h2>"Top campaigns by spend"</h2>
        {several.then(|| view! { <p class="muted">"The top 10 of each currency: spend is not compared across currencies."</p> })}
        {if d.top.is_empty() {
            view! { <p class="muted">"No campaign spent anything in these days."</p> }.into_any()
        } else {
            view! {
                <table class="data" data-testid="top-campaigns">
                    <thead><tr><th scope="col">"Campaign"</th><th scope="col">"Advertiser"</th><th scope="col" class="num">"Spend"</th></tr></thead>
                    <tbody>
                        {d.top.iter().map(|t| view! {
                            <tr>
                                <td><a href=t.href.clone()>{t.name.clone()}</a></td>
                                <td>{t.advertiser.clone()}</td>
                                <td class="num">{t.spend.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }}
    }
    .into_any()
}

/// The totals: in the reporting currency with each currency's a click away, or per currency.
#[component]
fn Totals(totals: Vec<CurrencyKpis>, reporting: Option<Reporting>) -> impl IntoView {
    let several = totals.len() > 1;
    let per_currency = move |titled: bool| {
        totals
            .into_iter()
            .map(|t| view! { <Kpis heading=titled.then(|| format!("In {}", t.currency)) t testid="kpis"/> })
            .collect_view()
    };
    match reporting {
        Some(Reporting::Converted { totals: converted, notes }) => view! {
            <Kpis heading=Some(format!("All advertisers in {}", converted.currency)) t=converted testid="converted-kpis"/>
            {notes.into_iter().map(|n| view! { <p class="muted small" data-testid="reporting-note">{n}</p> }).collect_view()}
            <details class="per-currency" data-testid="per-currency">
                <summary>"Per currency"</summary>
                {per_currency(true)}
            </details>
        }
        .into_any(),
        Some(Reporting::PerCurrency { why }) => view! {
            <p class="muted small" data-testid="reporting-note">{why}</p>
            {per_currency(several)}
        }
        .into_any(),
        None => view! {
            {per_currency(several)}
            {several.then(|| view! {
                <p class="muted small">"Totals are per currency: money in different currencies is never added together."</p>
            })}
        }
        .into_any(),
    }
}

/// One set of totals with their change against the period before.
#[component]
fn Kpis(t: CurrencyKpis, heading: Option<String>, testid: &'static str) -> impl IntoView {
    view! {
        <section class="kpis" data-testid=testid data-currency=t.currency.clone()>
            {heading.map(|h| view! { <h2>{h}</h2> })}
            <div class="kpi-grid">
                {t.kpis.into_iter().map(|k| view! {
                    <div class="kpi" data-kpi=k.label.clone()>
                        <p class="kpi-label">{k.label.clone()}</p>
                        <p class="kpi-value" data-testid="kpi-value">{or_dash(k.value.as_deref())}</p>
                        <p class=format!("kpi-change {}", k.trend.class())>{k.change.unwrap_or_else(|| "no earlier data".into())}</p>
                    </div>
                }).collect_view()}
            </div>
        </section>
    }
}
