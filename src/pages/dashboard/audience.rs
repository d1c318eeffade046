//! The Dashboard's parts about who saw the ads and when: today by hour against yesterday, and the
//! range's results by age and gender, country and platform, each per currency.

use crate::{
    model::reports::{BreakdownPanel, Pacing},
    pages::report_parts::ChartFigure,
};
use leptos::prelude::*;

/// Today's cumulative spend and results by hour against yesterday's, with how today is pacing.
#[component]
pub fn TodayByHour(pacing: Vec<Pacing>) -> impl IntoView {
    let several = pacing.len() > 1;
    (!pacing.is_empty()).then(|| {
        view! {
            <h2>"Today by hour"</h2>
            {pacing
                .into_iter()
                .map(|p| view! {
                    <section class="pacing" data-testid="pacing" data-currency=p.currency.clone()>
                        {several.then(|| view! { <h3>{format!("In {}", p.currency)}</h3> })}
                        <ul class="pace-lines">
                            {p.lines.into_iter().map(|l| view! { <li data-testid="pace">{l}</li> }).collect_view()}
                        </ul>
                        <div class="charts">
                            {p.charts.into_iter().map(|chart| view! { <ChartFigure chart/> }).collect_view()}
                        </div>
                    </section>
                })
                .collect_view()}
        }
    })
}

/// The range's spend and results by age and gender, country and platform.
#[component]
pub fn WhoSawTheAds(panels: Vec<BreakdownPanel>) -> impl IntoView {
    let several = panels.len() > 1;
    (!panels.is_empty()).then(|| {
        view! {
            <h2>"Who saw the ads"</h2>
            {panels
                .into_iter()
                .map(|p| view! {
                    <section class="breakdown-panel" data-testid="breakdown-panel" data-currency=p.currency.clone()>
                        {several.then(|| view! { <h3>{format!("In {}", p.currency)}</h3> })}
                        {p.notes.into_iter().map(|n| view! { <p class="muted small">{n}</p> }).collect_view()}
                        <div class="charts">
                            {p.charts.into_iter().map(|chart| view! { <ChartFigure chart/> }).collect_view()}
                        </div>
                    </section>
                })
                .collect_view()}
        }
    })
}
