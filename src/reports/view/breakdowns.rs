//! A campaign's Breakdowns section in words: tabs for age and gender, platform and country, the
//! figures the chart can draw, a bar chart of the chosen one and the table behind it. Every
//! figure comes from the bucket's summed parts (ratios never averaged); "Other" sums the
//! countries past the top ten.

use super::bucket_words::{age_rank, bucket_labels, gender_rank, platform};
use super::chart::{self, BarGroup};
use crate::reports::AccountHealth;
use crate::{
    model::{format::NO_VALUE, reports::*},
    reports::{
        breakdowns::{Bucket, PANEL_FIGURES},
        Sums,
    },
};
use chrono::NaiveDate;
use strum::VariantArray;

/// Countries shown by name before the rest are summed as "Other".
pub const TOP_COUNTRIES: usize = 10;

/// What was read for a campaign page's section.
pub(super) enum Read<'a> {
    Buckets(&'a [Bucket]),
    /// The query failed (busy, or the database): the table still shows.
    Failed,
}

/// The section for the campaign page `query` over what was read of its breakdown; `delivered`:
/// the campaign delivered in these days; `one_day`: the range is a single day (so reach can be
/// shown).
pub(super) fn section(query: &AdsQuery, read: Read<'_>, delivered: bool, one_day: bool) -> BreakdownSection {
    let shown = chartable(query.columns, one_day);
    // A figure the column set does not show (or not over this range) falls back to spend.
    let view = if shown.contains(&query.audience.metric) {
        query.audience
    } else {
        AudienceView { metric: Metric::Spend, ..query.audience }
    };
    let link = |audience: AudienceView| AdsQuery { audience, ..query.clone() }.href();
    let tabs = Breakdown::VARIANTS
        .iter()
        .map(|&by| Choice {
            key: by.key().into(),
            label: by.title().into(),
            href: link(AudienceView { by, ..view }),
            current: by == view.by,
        })
        .collect();
    let metrics = shown
        .into_iter()
        .map(|metric| Choice {
            key: metric.key().into(),
            label: metric.label().into(),
            href: link(AudienceView { metric, ..view }),
            current: metric == view.metric,
        })
        .collect();
    let (chart, notes) = match read {
        Read::Failed => (None, vec!["The breakdowns could not be read just now: reload the page to try again.".into()]),
        Read::Buckets([]) if delivered => (
            None,
            vec![format!(
                "No results by {} are synced for these days yet: TikTok gives them about 16 hours after a day.",
                view.by.label()
            )],
        ),
        Read::Buckets([]) => (None, vec!["The campaign delivered nothing in these days.".into()]),
        Read::Buckets(buckets) => {
            let currency = buckets.iter().find_map(|b| b.currency.clone()).unwrap_or_else(|| "?".into());
            let chart = chart_of(view, &lines(view, buckets), one_day, &chartable(query.columns, one_day), &currency);
            let none = !buckets.iter().any(|b| b.sums.value(view.metric, one_day).is_some());
            let note = format!("TikTok gives no {} by {}.", view.metric.label().to_lowercase(), view.by.label());
            (Some(chart), none.then_some(note).into_iter().collect())
        }
    };
    BreakdownSection { view, tabs, metrics, chart, notes }
}

/// The Dashboard's panels: per currency, spend by age and gender, by country (the ten that spent
/// most and the rest) and by platform, over the range, every campaign in view summed.
pub(super) fn panels(buckets: &[(Breakdown, Bucket)], one_day: bool) -> Vec<BreakdownPanel> {
    let mut currencies: Vec<String> =
        buckets.iter().map(|(_, b)| b.currency.clone().unwrap_or_else(|| "?".into())).collect();
    currencies.sort();
    currencies.dedup();
    currencies
        .into_iter()
        .map(|currency| {
            let (mut charts, mut missing) = (Vec::new(), Vec::new());
            for &by in Breakdown::VARIANTS {
                let of: Vec<Bucket> = buckets
                    .iter()
                    .filter(|(b, bucket)| *b == by && bucket.currency.as_deref().unwrap_or("?") == currency)
                    .map(|(_, bucket)| bucket.clone())
                    .collect();
                let view = AudienceView { by, metric: Metric::Spend };
                if of.is_empty() {
                    missing.push(by.label());
                } else {
                    charts.push(chart_of(view, &lines(view, &of), one_day, &PANEL_FIGURES, &currency));
                }
            }
            let notes = (!missing.is_empty())
                .then(|| format!("No results by {} are synced for these days yet.", missing.join(" or by ")))
                .into_iter()
                .collect();
            BreakdownPanel { currency, charts, notes }
        })
        .collect()
}

/// TikTok gives a day's results by age, country and platform about this long after it ends.
const BREAKDOWN_LAG: chrono::Duration = chrono::Duration::hours(16);

/// The last day the accounts' breakdowns are complete for: read at least [`BREAKDOWN_LAG`] after
/// it ended on the advertiser's clock, for every account (the earliest of theirs); `None` when an
/// account's were never read.
pub(super) fn complete_through(accounts: &[&AccountHealth]) -> Option<NaiveDate> {
    accounts
        .iter()
        .map(|a| {
            let read = a.account.local(a.account.breakdowns_read_at?);
            let through = a.account.breakdowns_through?;
            Some(((read - BREAKDOWN_LAG).date() - chrono::Duration::days(1)).min(through))
        })
        .min()
        .flatten()
}

/// What a panel says of its days: complete through a day, or that the last are still arriving.
pub(super) fn completeness(through: Option<NaiveDate>, to: NaiveDate) -> Option<String> {
    match through {
        Some(day) if day >= to => None,
        Some(day) => Some(format!(
            "Complete through {}: TikTok gives results by age, country and platform about 16 hours after a day ends, so the days after are still arriving.",
            day.format("%-d %b %Y")
        )),
        None => Some("TikTok's results by age, country and platform are still arriving for these days.".into()),
    }
}

/// The figures a chart can draw: spend, then the column set's, without those of a single day
/// over a longer range.
fn chartable(set: ColumnSet, one_day: bool) -> Vec<Metric> {
    let mut metrics = vec![Metric::Spend];
    metrics.extend(set.metrics().iter().copied().filter(|m| *m != Metric::Spend && (one_day || !m.day_only())));
    metrics
}

/// A row of the section: its labels in the table (age and gender, or one), its label in the
/// chart (a country's code: names run long) and its sums.
struct Line {
    labels: Vec<String>,
    short: String,
    sums: Sums,
}

/// The buckets in the order people read them: ages young to old with their genders (TikTok's
/// unknown genders as one); platforms largest first by the chosen figure; the ten countries
/// that spent most, largest first by the chosen figure, then the rest as "Other".
fn lines(view: AudienceView, buckets: &[Bucket]) -> Vec<Line> {
    let by = |m: Metric| {
        move |a: &&Bucket, b: &&Bucket| {
            let (va, vb) = (a.sums.value(m, true), b.sums.value(m, true));
            vb.partial_cmp(&va).unwrap_or(std::cmp::Ordering::Equal)
        }
    };
    let mut sorted: Vec<&Bucket> = buckets.iter().collect();
    match view.by {
        Breakdown::AgeGender => {
            sorted.sort_by_key(|b| (age_rank(&b.age), b.age.clone(), gender_rank(&b.gender)));
            let mut lines: Vec<Line> = Vec::new();
            for b in sorted {
                let labels = bucket_labels(view.by, &b.age, &b.gender, &b.platform, &b.country);
                match lines.last_mut() {
                    Some(last) if last.labels == labels => last.sums = last.sums.plus(&b.sums),
                    _ => lines.push(Line { short: labels[0].clone(), labels, sums: b.sums }),
                }
            }
            lines
        }
        Breakdown::Platform => {
            sorted.sort_by(|a, b| by(view.metric)(a, b).then_with(|| a.platform.cmp(&b.platform)));
            let line = |b: &Bucket| Line {
                labels: bucket_labels(view.by, &b.age, &b.gender, &b.platform, &b.country),
                short: platform(&b.platform),
                sums: b.sums,
            };
            sorted.into_iter().map(line).collect()
        }
        Breakdown::Country => {
            sorted.sort_by(|a, b| by(Metric::Spend)(a, b).then_with(|| a.country.cmp(&b.country)));
            let rest = sorted.split_off(sorted.len().min(TOP_COUNTRIES));
            sorted.sort_by(|a, b| by(view.metric)(a, b).then_with(|| a.country.cmp(&b.country)));
            let mut lines: Vec<Line> = sorted
                .iter()
                .map(|b| Line {
                    labels: bucket_labels(view.by, &b.age, &b.gender, &b.platform, &b.country),
                    short: b.country.clone(),
                    sums: b.sums,
                })
                .collect();
            if !rest.is_empty() {
                let sums = rest.iter().fold(Sums::default(), |sum, b| sum.plus(&b.sums));
                lines.push(Line { labels: vec!["Other".into()], short: "Other".into(), sums });
            }
            lines
        }
    }
}

/// The chart of the chosen figure and its table with the column set's figures.
fn chart_of(view: AudienceView, lines: &[Line], one_day: bool, shown: &[Metric], currency: &str) -> Chart {
    let m = view.metric;
    let unit = if m.unit() == Unit::Money { currency } else { "" };
    let title = if unit.is_empty() {
        format!("{} by {}", m.label(), view.by.label())
    } else {
        format!("{} ({unit}) by {}", m.label(), view.by.label())
    };
    // Drawn in whole units (money and seconds are kept in millionths); said as the table says it.
    let bar = |s: &Sums| {
        let scale = if matches!(m.unit(), Unit::Money | Unit::Seconds) { 1e6 } else { 1.0 };
        Some((s.value(m, one_day)? / scale, s.text(m, one_day)?))
    };
    let (series, groups): (Vec<&str>, Vec<BarGroup>) = match view.by {
        // Ages are the groups, a bar per gender.
        Breakdown::AgeGender => {
            let genders = ["Female", "Male", "Unknown"];
            let mut groups: Vec<BarGroup> = Vec::new();
            for line in lines {
                let slot = genders.iter().position(|g| *g == line.labels[1]).unwrap_or(genders.len() - 1);
                if groups.last().is_none_or(|g| g.label != line.short) {
                    groups.push(BarGroup { label: line.short.clone(), values: vec![None; genders.len()] });
                }
                if let Some(group) = groups.last_mut() {
                    group.values[slot] = bar(&line.sums);
                }
            }
            (genders.to_vec(), groups)
        }
        Breakdown::Platform | Breakdown::Country => (
            vec![m.label()],
            lines.iter().map(|l| BarGroup { label: l.short.clone(), values: vec![bar(&l.sums)] }).collect(),
        ),
    };
    let mut head: Vec<String> = match view.by {
        Breakdown::AgeGender => vec!["Age".into(), "Gender".into()],
        by @ (Breakdown::Platform | Breakdown::Country) => vec![by.title().into()],
    };
    head.extend(shown.iter().map(|m| match m.unit() {
        Unit::Money => format!("{} ({currency})", m.label()),
        _ => m.label().into(),
    }));
    let table = lines
        .iter()
        .map(|l| {
            let mut row = l.labels.clone();
            row.extend(shown.iter().map(|m| l.sums.text(*m, one_day).unwrap_or_else(|| NO_VALUE.into())));
            row
        })
        .collect();
    Chart { svg: chart::bars(&title, &series, &groups, chart::compact, unit), title, table_head: head, table }
}

#[cfg(test)]
#[path = "breakdowns_tests.rs"]
mod tests;
