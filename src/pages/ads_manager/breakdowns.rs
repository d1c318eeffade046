//! A campaign page's Breakdowns section: tabs for age and gender, platform and country, links for
//! the figure charted, and the chart with its table. Every choice is a link, so it works before
//! wasm loads and the back button walks back through it.

use crate::{
    model::reports::{BreakdownSection, Choice},
    pages::report_parts::ChartFigure,
};
use leptos::prelude::*;

#[component]
pub fn BreakdownsSection(section: BreakdownSection) -> impl IntoView {
    view! {
        <section class="breakdowns" data-testid="breakdowns" data-breakdown=section.view.by.key()>
            <h2>"Breakdowns"</h2>
            <Choices choices=section.tabs label="Breakdown" class="chips" testid="breakdown-tabs"/>
            <Choices choices=section.metrics label="Figure charted" class="chips small" testid="breakdown-metrics"/>
            {section.notes.into_iter().map(|n| view! { <p class="muted small" data-testid="breakdown-note">{n}</p> }).collect_view()}
            {section.chart.map(|chart| view! { <ChartFigure chart/> })}
        </section>
    }
}

/// Links among which one is current.
#[component]
fn Choices(choices: Vec<Choice>, label: &'static str, class: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <nav class=class aria-label=label data-testid=testid>
            {choices
                .into_iter()
                .map(|c| view! {
                    <a href=c.href class="chip" class:current=c.current aria-current=c.current.then_some("true") data-key=c.key>
                        {c.label}
                    </a>
                })
                .collect_view()}
        </nav>
    }
}
