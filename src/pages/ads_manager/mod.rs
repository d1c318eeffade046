//! `/ads`: the workspace's TikTok campaigns, ad groups and ads with their results for a date
//! range. The URL holds the whole state, so every control is a plain link or a GET form: it
//! works before (and without) wasm, and the back button walks through what a person looked at.

pub mod api;
mod breakdowns;

use self::{
    api::load_ads_table,
    breakdowns::{BreakdownPicker, BreakdownsSection, SplitRows},
};
use super::report_parts::{
    refetch_during_first_sync, AccountPicker, AttentionLines, EmptyState, RangePicker, ReportFailure,
};
use crate::model::{format::or_dash, reports::*};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};
use strum::VariantArray;

#[component]
pub fn AdsManagerPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| AdsQuery::from_pairs(p.into_iter().map(|(k, v)| (k.as_ref(), v)))));
    let data = Resource::new(move || query.get(), load_ads_table);
    refetch_during_first_sync(data, |t: &AdsTable| t.empty.as_ref());
    view! {
        <Title text="Ads Manager"/>
        <div class="report">
            <header class="page-header">
                <div>
                    <h1>"Ads Manager"</h1>
                    <p class="muted">"Your TikTok campaigns, ad groups and ads with their results, as last synced from TikTok."</p>
                </div>
            </header>
            <Transition fallback=|| view! { <p class="muted">"Loading campaigns…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(table) => view! { <Table table/> }.into_any(),
                        Err(error) => view! { <ReportFailure error testid="ads-error"/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// What the filter form keeps of the state as it is (the rest it sets, or starts afresh: page 1).
const KEPT_BY_FILTERS: [&str; 11] =
    ["level", "campaign", "adgroup", "sort", "dir", "range", "from", "to", "cols", "audience", "audience_metric"];

#[component]
fn Table(table: AdsTable) -> impl IntoView {
    // Long: one view tree (toolbar, totals, rows, pages) over one ready-made table.
    if let Some(empty) = table.empty.clone() {
        return view! { <AttentionLines lines=table.attention.clone()/> <EmptyState empty what="campaigns"/> }
            .into_any();
    }
    let q = table.query.clone();
    let noun = match q.level {
        Level::Advertiser | Level::Campaign => ("campaign", "campaigns"),
        Level::AdGroup => ("ad group", "ad groups"),
        Level::Ad => ("ad", "ads"),
    };
    let range_href = {
        let q = q.clone();
        move |range: Range| AdsQuery { range, page: 1, ..q.clone() }.href()
    };
    let export = {
        let q = AdsQuery { page: 1, ..q.clone() };
        let query = q.to_query();
        if query.is_empty() {
            "/ads/export.csv".to_string()
        } else {
            format!("/ads/export.csv?{query}")
        }
    };
    let several_currencies = table.totals.len() > 1;
    let set = q.columns;
    let one_day = table.from == table.to;
    let heads = columns(q.level, set, one_day)
        .into_iter()
        .map(|(label, key)| view! { <Head label key q=q.clone()/> })
        .collect_view();
    let totals_span = columns(q.level, set, one_day).len() - set.metrics().len();
    let day_only_hidden = !one_day && set.metrics().iter().any(|m| m.day_only());
    let clear = AdsQuery {
        level: q.level,
        campaign: q.campaign.clone(),
        adgroup: q.adgroup.clone(),
        range: q.range,
        ..AdsQuery::default()
    }
    .href();
    let no_rows = format!("No {} match these filters for {}. ", noun.1, q.range.preset.label().to_lowercase());
    let level = q.level;
    let column_sets = view! { <ColumnSets q=q.clone()/> };
    let pages =
        view! { <Pages q=q.clone() pages=table.pages total=table.total_rows hidden=table.hidden_deleted noun/> };
    let breakdowns = table.breakdowns.clone().map(|section| view! { <BreakdownsSection section/> });
    view! {
        <section class="toolbar">
            <RangePicker range=q.range from=table.from to=table.to href=range_href action="/ads" keep=q.pairs()/>
            <Form method="GET" action="/ads" attr:class="filters" attr:data-testid="filters">
                {q.pairs()
                    .into_iter()
                    .filter(|(k, _)| KEPT_BY_FILTERS.contains(k))
                    .map(|(k, v)| view! { <input type="hidden" name=k value=v/> })
                    .collect_view()}
                <AccountPicker accounts=table.accounts.clone() selected=q.account/>
                {(level.listed() == Level::Campaign).then(|| view! { <BreakdownPicker selected=q.breakdown/> })}
                <label>
                    "Status "
                    <select name="status">
                        <option value="" selected=q.status.is_none()>"All"</option>
                        <option value="active" selected=q.status == Some(StatusFilter::Active)>"Active"</option>
                        <option value="paused" selected=q.status == Some(StatusFilter::Paused)>"Paused"</option>
                    </select>
                </label>
                <label>
                    "Search "
                    <input type="search" name="q" value=q.search.clone() placeholder=format!("{} name", noun.0) maxlength="200"/>
                </label>
                <label class="check">
                    <input type="checkbox" name="deleted" value="1" checked=q.show_deleted data-testid="show-deleted"/>
                    " Show deleted"
                </label>
                <button type="submit" class="button">"Apply"</button>
            </Form>
        </section>
        {column_sets}
        {day_only_hidden.then(|| view! {
            <p class="muted small" data-testid="day-only">
                "TikTok counts each person once over a whole range, so reach, frequency and cost per 1,000 reached are shown for a single day: pick Today or Yesterday."
            </p>
        })}
        <PendingReview names=table.pending_review.clone()/>
        <AttentionLines lines=table.attention.clone()/>
        {table.split_notes.iter().map(|n| view! { <p class="muted small" data-testid="split-note">{n.clone()}</p> }).collect_view()}
        {(!table.crumbs.is_empty()).then(|| view! {
            <nav class="crumbs" aria-label="Breadcrumb" data-testid="crumbs">
                {table.crumbs.iter().map(|c| view! { <a href=c.href.clone()>{c.label.clone()}</a><span aria-hidden="true">" › "</span> }).collect_view()}
                <span aria-current="page">{noun.1}</span>
            </nav>
        })}
        <div class="table-scroll">
            <table class="data" data-testid="ads-table" data-level=noun.1>
                <thead>
                    <tr>{heads}</tr>
                </thead>
                <tbody>
                    {table.rows.iter().map(|r| view! {
                        <Line row=r.clone() level set/>
                        <SplitRows lines=r.split.clone() currency=r.currency.clone() set span=totals_span/>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    {table.totals.iter().map(|t| view! {
                        <tr data-testid="totals" data-currency=t.currency.clone()>
                            <th scope="row" colspan=totals_span>{format!("Total · {}", t.currency)}</th>
                            <Metrics f=t.figures.clone() currency=t.currency.clone() set/>
                        </tr>
                    }).collect_view()}
                </tfoot>
            </table>
        </div>
        {table.rows.is_empty().then(|| view! {
            <p class="muted" data-testid="no-rows">
                {no_rows}
                <a href=clear>"Clear filters"</a>
            </p>
        })}
        {several_currencies.then(|| view! {
            <p class="muted small">"Totals are per currency: money in different currencies is never added together."</p>
        })}
        <footer class="table-footer">
            {pages}
            <a class="button" href=export rel="external" download data-testid="export-csv">"Export CSV"</a>
        </footer>
        {breakdowns}
    }
    .into_any()
}

/// The columns of a level and column set: label and sort key (None: not sortable, as a figure
/// of a single day only over a longer range, which shows no value).
fn columns(level: Level, set: ColumnSet, one_day: bool) -> Vec<(&'static str, Option<SortKey>)> {
    let mut cols = vec![
        ("Name", Some(SortKey::Name)),
        ("Advertiser", Some(SortKey::Advertiser)),
        ("Status", Some(SortKey::Status)),
    ];
    match level {
        Level::Advertiser | Level::Campaign => {
            cols.extend([("Objective", Some(SortKey::Objective)), ("Budget", Some(SortKey::Budget))])
        }
        Level::AdGroup => {
            cols.extend([("Optimization goal", Some(SortKey::Objective)), ("Budget", Some(SortKey::Budget))])
        }
        Level::Ad => cols.push(("Creative", None)),
    }
    cols.extend(set.metrics().iter().map(|m| (m.label(), (one_day || !m.day_only()).then_some(SortKey::Metric(*m)))));
    cols
}

/// The column sets, each a link to the same table with its figures (the choice is in the URL).
/// A sort by a figure the new set does not show goes back to spend (see [`SortKey::shown`]).
#[component]
fn ColumnSets(q: AdsQuery) -> impl IntoView {
    let links = ColumnSet::VARIANTS
        .iter()
        .copied()
        .map(|set| {
            let href = AdsQuery { columns: set, page: 1, ..q.clone() }.checked().href();
            let current = (set == q.columns).then_some("true");
            view! { <a href=href aria-current=current data-columns=set.key()>{set.label()}</a> }
        })
        .collect_view();
    view! {
        <nav class="column-sets" aria-label="Columns" data-testid="column-sets">
            <span class="muted">"Columns: "</span>
            {links}
        </nav>
    }
}

/// A column heading: a link that sorts by it (again: the other way round).
#[component]
fn Head(label: &'static str, key: Option<SortKey>, q: AdsQuery) -> impl IntoView {
    let numeric = key.is_some_and(SortKey::descending_by_default);
    let Some(key) = key else {
        return view! { <th scope="col">{label}</th> }.into_any();
    };
    let current = q.sort == key;
    let desc = if current { !q.desc } else { key.descending_by_default() };
    let href = AdsQuery { sort: key, desc, page: 1, ..q.clone() }.href();
    let aria = current.then_some(if q.desc { "descending" } else { "ascending" });
    let arrow = if current {
        if q.desc {
            " ↓"
        } else {
            " ↑"
        }
    } else {
        ""
    };
    view! {
        <th scope="col" class:num=numeric aria-sort=aria>
            <a href=href data-sort=key.key()>{label}{arrow}</a>
        </th>
    }
    .into_any()
}

#[component]
fn Line(row: AdsRow, level: Level, set: ColumnSet) -> impl IntoView {
    let name = match &row.drill {
        Some(href) => view! { <a href=href.clone() data-testid="drill">{row.name.clone()}</a> }.into_any(),
        None => view! { <span>{row.name.clone()}</span> }.into_any(),
    };
    view! {
        <tr data-testid="ads-row" data-id=row.id.clone() class:deleted=row.deleted>
            <td class="name">{name}<div class="muted small mono">{row.id.clone()}</div></td>
            <td>{row.advertiser.clone()}</td>
            <td><span class=format!("badge {}", row.status.tone.class())>{row.status.label.clone()}</span></td>
            {match level {
                Level::Ad => view! { <td><CreativeCell creative=row.creative.clone()/></td> }.into_any(),
                _ => view! {
                    <td>{row.objective.clone().unwrap_or_default()}</td>
                    <td class="num">{or_dash(row.budget.as_deref())}</td>
                }
                .into_any(),
            }}
            <Metrics f=row.figures.clone() currency=row.currency.clone() set/>
        </tr>
    }
}

/// The column set's figures; money carries its currency, a figure with no value is a dash.
#[component]
pub(super) fn Metrics(f: Figures, currency: String, set: ColumnSet) -> impl IntoView {
    set.metrics()
        .iter()
        .map(|m| {
            let text = f.get(*m).map(|v| match m.unit() {
                Unit::Money => format!("{v} {currency}"),
                _ => v.to_owned(),
            });
            view! { <td class="num" data-metric=m.key()>{or_dash(text.as_deref())}</td> }
        })
        .collect_view()
}

#[component]
fn CreativeCell(creative: Option<Creative>) -> impl IntoView {
    let Some(c) = creative else { return ().into_any() };
    view! {
        <div class="creative" data-testid="creative">
            {c.thumbnail.clone().map(|src| view! { <img src=src alt="" width="48" height="64" loading="lazy"/> })}
            <div>
                {c.text.clone().map(|t| view! { <p class="creative-text">{t}</p> })}
                {c.landing_page.clone().map(|url| view! {
                    <a class="small" href=url.clone() target="_blank" rel="external noopener noreferrer nofollow">{url.clone()}</a>
                })}
                {c.format.clone().map(|f| view! { <p class="muted small">{f}</p> })}
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn PendingReview(names: Vec<String>) -> impl IntoView {
    (!names.is_empty()).then(|| {
        view! {
            <p class="notice warn" data-testid="pending-review">
                <span class="badge warn">"Pending review"</span>" "
                {names.join(", ")}
                ": ads cannot launch until TikTok approves the account (usually 24–72 h)."
            </p>
        }
    })
}

#[component]
fn Pages(q: AdsQuery, pages: u32, total: u64, hidden: u64, noun: (&'static str, &'static str)) -> impl IntoView {
    let page = q.page;
    let at = |page: u32| AdsQuery { page, ..q.clone() }.href();
    let show_deleted = AdsQuery { show_deleted: true, page: 1, ..q.clone() }.href();
    let count = if total == 1 { format!("1 {}", noun.0) } else { format!("{total} {}", noun.1) };
    view! {
        <nav class="pages" aria-label="Pages" data-testid="pages">
            {(page > 1).then(|| view! { <a class="button" href=at(page - 1) rel="prev">"← Previous"</a> })}
            <span class="muted">{if pages > 1 { format!("Page {page} of {pages} · {count}") } else { count }}</span>
            {(hidden > 0).then(|| view! {
                <span class="muted" data-testid="hidden-deleted">
                    {format!("· {hidden} deleted hidden ")}<a href=show_deleted>"Show deleted"</a>
                </span>
            })}
            {(page < pages).then(|| view! { <a class="button" href=at(page + 1) rel="next" data-testid="next-page">"Next →"</a> })}
        </nav>
    }
}
