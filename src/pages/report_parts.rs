//! What Ads Manager and the Dashboard share: the date range picker, the advertiser picker, the
//! lines about accounts that need attention, and the empty states.

use crate::{
    error::AppError,
    model::{
        ids::AccountId,
        reports::{AccountOption, Attention, Chart, Empty, Preset, Range},
    },
};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::Form;
use strum::VariantArray;

/// A chart drawn on the server, with its numbers behind it as a table.
#[component]
pub fn ChartFigure(chart: Chart) -> impl IntoView {
    view! {
        <figure class="chart" data-testid="chart" data-title=chart.title.clone()>
            <figcaption>{chart.title.clone()}</figcaption>
            <div class="chart-box" inner_html=chart.svg.clone()></div>
            <details>
                <summary>"Show as table"</summary>
                <div class="table-box"><table class="data compact">
                    <thead><tr>{chart.table_head.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {chart.table.iter().map(|row| view! {
                            <tr>{row.iter().map(|cell| view! { <td>{cell.clone()}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            </details>
        </figure>
    }
}

/// `2026-03-01` → `1 Mar 2026`.
pub fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// The presets as links, and a small GET form for custom days that keeps the rest of the state.
#[component]
pub fn RangePicker(
    range: Range,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    href: impl Fn(Range) -> String + 'static,
    action: &'static str,
    keep: Vec<(&'static str, String)>,
) -> impl IntoView {
    let shown = match (from, to) {
        (Some(f), Some(t)) if f == t => day(f),
        (Some(f), Some(t)) => format!("{} – {}", day(f), day(t)),
        _ => String::new(),
    };
    view! {
        <div class="range" data-testid="range">
            <nav class="presets" aria-label="Date range">
                {Preset::VARIANTS
                    .iter()
                    .copied()
                    .filter(|p| *p != Preset::Custom)
                    .map(|p| {
                        let current = range.preset == p;
                        view! {
                            <a href=href(Range { preset: p, from: None, to: None }) class="chip" class:current=current
                                aria-current=current.then_some("true") data-range=p.key()>
                                {p.label()}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <Form method="GET" action=action attr:class="custom-range">
                {keep
                    .into_iter()
                    .filter(|(k, _)| !matches!(*k, "range" | "from" | "to" | "page"))
                    .map(|(k, v)| view! { <input type="hidden" name=k value=v/> })
                    .collect_view()}
                <input type="hidden" name="range" value="custom"/>
                <label>"From "<input type="date" name="from" value=from.map(|d| d.to_string()) required/></label>
                <label>"to "<input type="date" name="to" value=to.map(|d| d.to_string()) required/></label>
                <button type="submit" class="button" class:current=range.preset == Preset::Custom>"Show these days"</button>
            </Form>
            <p class="range-shown" data-testid="range-shown">{shown}</p>
        </div>
    }
}

/// A select of the workspace's advertiser accounts (name, currency, pending review).
#[component]
pub fn AccountPicker(accounts: Vec<AccountOption>, selected: Option<AccountId>) -> impl IntoView {
    view! {
        <label>
            "Advertiser "
            <select name="account" data-testid="account-filter">
                <option value="" selected=selected.is_none()>"All advertisers"</option>
                {accounts
                    .into_iter()
                    .map(|a| {
                        let pending = if a.pending_review { " · pending review" } else { "" };
                        view! {
                            <option value=a.id.to_string() selected=selected == Some(a.id)>
                                {format!("{} ({}){pending}", a.name, a.currency)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// One line per account problem, each linking to the connector card that can fix it.
#[component]
pub fn AttentionLines(lines: Vec<Attention>) -> impl IntoView {
    (!lines.is_empty()).then(|| {
        view! {
            <ul class="attention" data-testid="attention">
                {lines
                    .into_iter()
                    .map(|l| view! { <li class="notice warn">{l.text}" "<a href=l.href>"Open the connector card"</a></li> })
                    .collect_view()}
            </ul>
        }
    })
}

/// Nothing to show yet: what to do about it.
#[component]
pub fn EmptyState(empty: Empty, what: &'static str) -> impl IntoView {
    match empty {
        Empty::NotConnected => view! {
            <div class="empty-state" data-testid="empty-not-connected">
                <h2>{format!("Connect TikTok to see {what}")}</h2>
                <p>"Once a TikTok For Business advertiser account is imported, its data appears here after the first sync."</p>
                <a class="button primary" href="/connect/tiktok">"Connect TikTok"</a>
            </div>
        }
        .into_any(),
        Empty::FirstSync { progress } => view! {
            <div class="empty-state" data-testid="empty-first-sync">
                <h2>"First sync in progress…"</h2>
                <p>{progress}</p>
                <p>"This page fills in by itself when it has finished."</p>
                <a class="button" href="/connect/tiktok">"See sync progress"</a>
            </div>
        }
        .into_any(),
        Empty::FirstSyncStopped => view! {
            <div class="empty-state" data-testid="empty-first-sync-stopped">
                <h2>"The first sync has not finished"</h2>
                <p>"It stopped before any data came in. The TikTok page says why and offers Retry or Reconnect."</p>
                <a class="button primary" href="/connect/tiktok">"Open the TikTok page"</a>
            </div>
        }
        .into_any(),
    }
}

/// While a first sync runs, asks again every 3 seconds so the page fills in by itself
/// (in the browser only: effects never run on the server).
pub fn refetch_during_first_sync<T>(data: Resource<Result<T, AppError>>, empty: fn(&T) -> Option<&Empty>)
where
    T: Clone + Send + Sync + 'static + serde::Serialize + serde::de::DeserializeOwned,
{
    let syncing = Memo::new(move |_| {
        data.with(|d| matches!(d, Some(Ok(t)) if matches!(empty(t), Some(Empty::FirstSync { .. }))))
    });
    Effect::new(move |_| {
        if syncing.get() {
            if let Ok(handle) = set_interval_with_handle(move || data.refetch(), std::time::Duration::from_secs(3)) {
                on_cleanup(move || handle.clear());
            }
        }
    });
}

/// A report that could not be answered: what happened, and, when asking again soon can help (a
/// busy server, a database away for a moment), a way to. A plain reload, so it works before
/// the page's script has loaded too.
#[component]
pub fn ReportFailure(error: AppError, testid: &'static str) -> impl IntoView {
    use crate::error::ErrorCode;
    let passes = matches!(error.code, ErrorCode::RateLimited | ErrorCode::Unavailable);
    view! {
        <div class="notice err" role="alert" data-testid=testid>
            <p>{error.message}</p>
            <Show when=move || passes>
                <a href="" rel="external" class="button" data-testid="report-try-again">"Try again"</a>
            </Show>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn html(error: AppError) -> String {
        Owner::new().with(|| view! { <ReportFailure error testid="report-error"/> }.to_html())
    }

    #[test]
    fn a_busy_server_offers_to_try_again_and_a_missing_campaign_does_not() {
        let busy = html(AppError::rate_limited("Wevion is working out many reports right now."));
        assert!(busy.contains("working out many reports") && busy.contains("Try again"), "{busy}");
        let missing = html(AppError::not_found("This campaign"));
        assert!(missing.contains("was not found") && !missing.contains("Try again"), "{missing}");
    }
}
