//! Who saw the ads, in Ads Manager: a campaign page's Breakdowns section (tabs for age and
//! gender, platform and country, links for the figure charted, the chart with its table), and the
//! campaign table's Breakdown control with each campaign's split lines. Every choice is a link or
//! a GET form, so it works before wasm loads and the back button walks back through it.

use super::Metrics;
use crate::{
    model::reports::{BreakdownSection, Choice, ColumnSet, Dimension, SplitLine},
    pages::report_parts::ChartFigure,
};
use leptos::prelude::*;
use strum::VariantArray;

/// The campaign table's Breakdown control (TikTok Ads Manager's): none, or a dimension each
/// campaign's line splits by.
#[component]
pub fn BreakdownPicker(selected: Option<Dimension>) -> impl IntoView {
    view! {
        <label>
            "Breakdown "
            <select name="breakdown" data-testid="breakdown">
                <option value="" selected=selected.is_none()>"None"</option>
                {Dimension::VARIANTS
                    .iter()
                    .map(|d| view! { <option value=d.key() selected=selected == Some(*d)>{d.label()}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// A campaign's lines split by the breakdown, under its own line; `span`: the columns before
/// the figures.
#[component]
pub fn SplitRows(lines: Vec<SplitLine>, currency: String, set: ColumnSet, span: usize) -> impl IntoView {
    lines
        .into_iter()
        .map(|l| {
            let value = l.value.clone();
            view! {
                <tr class="split" data-testid="split-row" data-value=value>
                    <td class="split-value" colspan=span>{l.value}</td>
                    <Metrics f=l.figures currency=currency.clone() set/>
                </tr>
            }
        })
        .collect_view()
}

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
