//! A campaign's Breakdowns section in words: tabs for age and gender, platform and country, the
//! figures the chart can draw, a bar chart of the chosen one and the table behind it. Every
//! figure comes from the bucket's summed parts (ratios never averaged); "Other" sums the
//! countries past the top ten.

use super::{
    chart::{self, BarGroup},
    words::figures,
};
use crate::{
    model::{
        format::{humanize, NO_VALUE},
        reports::*,
    },
    reports::{
        breakdowns::{Bucket, ValueSums, PANEL_FIGURES},
        Sums,
    },
};
use std::collections::HashMap;
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

/// Each campaign's lines split by `by` (keyed by its TikTok id), sorted like the table: by the
/// figure it is sorted by, else in the values' own order (ages young to old). Values that read
/// the same (TikTok's unknown genders) are one line.
pub(super) fn split_lines(
    query: &AdsQuery,
    by: Dimension,
    values: Vec<ValueSums>,
    one_day: bool,
) -> HashMap<String, Vec<SplitLine>> {
    let mut summed: HashMap<String, Vec<(String, String, Sums)>> = HashMap::new();
    for v in values {
        let label = value_label(by, &v.value);
        let lines = summed.entry(v.campaign_id).or_default();
        match lines.iter_mut().find(|(l, _, _)| *l == label) {
            Some(line) => line.2 = line.2.plus(&v.sums),
            None => lines.push((label, v.value, v.sums)),
        }
    }
    let natural = |code: &str| match by {
        Dimension::Age => age_rank(code),
        Dimension::Gender => u32::from(gender_rank(code)),
        Dimension::Country | Dimension::Platform => 0,
    };
    summed
        .into_iter()
        .map(|(campaign, mut lines)| {
            lines.sort_by(|a, b| {
                let by_figure = match query.sort {
                    SortKey::Metric(m) => {
                        let (va, vb) = (a.2.value(m, one_day), b.2.value(m, one_day));
                        // No value last, whichever way round.
                        match (va, vb) {
                            (Some(x), Some(y)) if query.desc => y.partial_cmp(&x),
                            (Some(x), Some(y)) => x.partial_cmp(&y),
                            (Some(_), None) => Some(std::cmp::Ordering::Less),
                            (None, Some(_)) => Some(std::cmp::Ordering::Greater),
                            (None, None) => Some(std::cmp::Ordering::Equal),
                        }
                        .unwrap_or(std::cmp::Ordering::Equal)
                    }
                    _ => std::cmp::Ordering::Equal,
                };
                by_figure.then_with(|| natural(&a.1).cmp(&natural(&b.1))).then_with(|| a.0.cmp(&b.0))
            });
            let lines = lines.into_iter().map(|(value, _, s)| SplitLine { value, figures: figures(s, one_day) });
            (campaign, lines.collect())
        })
        .collect()
}

/// A value of a dimension in words.
fn value_label(by: Dimension, code: &str) -> String {
    match by {
        Dimension::Age => age(code),
        Dimension::Gender => gender(code),
        Dimension::Country => country(code),
        Dimension::Platform => platform(code),
    }
}

/// A bucket's labels in the table, from TikTok's values: age and gender, or the one dimension.
pub fn bucket_labels(
    by: Breakdown,
    age_code: &str,
    gender_code: &str,
    platform_code: &str,
    country_code: &str,
) -> Vec<String> {
    match by {
        Breakdown::AgeGender => vec![age(age_code), gender(gender_code)],
        Breakdown::Platform => vec![platform(platform_code)],
        Breakdown::Country => vec![country(country_code)],
    }
}

/// TikTok's age bands in order (`AGE_13_17` first); unknown ones last.
fn age_rank(code: &str) -> u32 {
    code.strip_prefix("AGE_").and_then(|r| r.split('_').next()).and_then(|n| n.parse().ok()).unwrap_or(u32::MAX)
}

fn gender_rank(code: &str) -> u8 {
    match code {
        "FEMALE" => 0,
        "MALE" => 1,
        _ => 2,
    }
}

/// `AGE_25_34` → `25–34`, `AGE_55_100` → `55+`.
pub fn age(code: &str) -> String {
    match code.strip_prefix("AGE_").and_then(|r| r.split_once('_')) {
        Some((from, "100")) => format!("{from}+"),
        Some((from, to)) => format!("{from}–{to}"),
        None => humanize(code),
    }
}

pub fn gender(code: &str) -> String {
    match code {
        "FEMALE" => "Female".into(),
        "MALE" => "Male".into(),
        _ => "Unknown".into(),
    }
}

pub fn platform(code: &str) -> String {
    match code {
        "IOS" => "iOS".into(),
        "IPHONE" => "iPhone".into(),
        "IPAD" => "iPad".into(),
        "PC" => "PC".into(),
        other => humanize(other),
    }
}

/// `GB` → `United Kingdom of Great Britain and Northern Ireland (GB)`; a code TikTok uses that
/// ISO does not know stays as it is.
pub fn country(code: &str) -> String {
    match isocountry::CountryCode::for_alpha2(code) {
        Ok(c) => format!("{} ({code})", c.name()),
        Err(_) => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::Part;

    fn bucket(age: &str, gender: &str, country: &str, spend: i64, clicks: i64, impressions: i64) -> Bucket {
        let mut sums = Sums::default();
        sums.set(Part::Spend, Some(spend));
        sums.set(Part::Clicks, Some(clicks));
        sums.set(Part::Impressions, Some(impressions));
        let (age, gender, country) = (age.into(), gender.into(), country.into());
        Bucket { age, gender, platform: String::new(), country, currency: Some("USD".into()), sums }
    }

    fn value(campaign: &str, code: &str, spend: i64) -> ValueSums {
        let mut sums = Sums::default();
        sums.set(Part::Spend, Some(spend));
        ValueSums { campaign_id: campaign.into(), value: code.into(), sums }
    }

    #[test]
    fn a_campaigns_split_lines_are_sorted_like_the_table() {
        let values = vec![
            value("c1", "AGE_18_24", 2_000_000),
            value("c1", "AGE_55_100", 5_000_000),
            value("c1", "AGE_13_17", 1_000_000),
            value("c2", "AGE_25_34", 1),
        ];
        let by_spend = split_lines(&AdsQuery::default(), Dimension::Age, values.clone(), false);
        let order = |lines: &[SplitLine]| lines.iter().map(|l| l.value.clone()).collect::<Vec<_>>();
        assert_eq!(order(&by_spend["c1"]), ["55+", "18–24", "13–17"], "largest spend first, as the table");
        assert_eq!(by_spend["c1"][0].figures.spend_micros, 5_000_000);
        assert_eq!(by_spend["c2"].len(), 1, "each campaign its own values");
        let up = AdsQuery { desc: false, ..AdsQuery::default() };
        assert_eq!(order(&split_lines(&up, Dimension::Age, values.clone(), false)["c1"]), ["13–17", "18–24", "55+"]);
        let by_name = AdsQuery { sort: SortKey::Name, desc: false, ..AdsQuery::default() };
        assert_eq!(
            order(&split_lines(&by_name, Dimension::Age, values, false)["c1"]),
            ["13–17", "18–24", "55+"],
            "ages young to old when the table is not sorted by a figure"
        );
        let genders = vec![value("c1", "NONE", 1), value("c1", "UNKNOWN", 2), value("c1", "MALE", 1)];
        let lines = &split_lines(&AdsQuery::default(), Dimension::Gender, genders, false)["c1"];
        assert_eq!(order(lines), ["Unknown", "Male"], "TikTok's unknown genders are one line");
        assert_eq!(lines[0].figures.spend_micros, 3);
    }

    #[test]
    fn the_dashboard_has_a_panel_per_currency_with_each_breakdown() {
        let mut yen = bucket("", "", "JP", 5_000_000, 1, 10);
        yen.currency = Some("JPY".into());
        let buckets = vec![
            (Breakdown::AgeGender, bucket("AGE_18_24", "MALE", "", 1_000_000, 1, 10)),
            (Breakdown::Country, bucket("", "", "US", 2_000_000, 1, 10)),
            (Breakdown::Country, yen),
        ];
        let panels = panels(&buckets, false);
        assert_eq!(panels.iter().map(|p| p.currency.as_str()).collect::<Vec<_>>(), ["JPY", "USD"]);
        let usd = &panels[1];
        assert_eq!(usd.charts.len(), 2);
        assert_eq!(usd.notes, ["No results by platform are synced for these days yet."]);
        assert_eq!(
            usd.charts[1].table,
            [vec![
                "United States of America (US)".to_string(),
                "2.00".into(),
                "10".into(),
                "1".into(),
                NO_VALUE.into(),
                NO_VALUE.into(),
                NO_VALUE.into()
            ]]
        );
    }

    #[test]
    fn tiktoks_codes_read_as_words() {
        assert_eq!((age("AGE_25_34"), age("AGE_55_100")), ("25–34".into(), "55+".into()));
        assert_eq!(
            (gender("NONE"), platform("IOS"), platform("ANDROID")),
            ("Unknown".into(), "iOS".into(), "Android".into())
        );
        assert_eq!(country("DE"), "Germany (DE)");
        assert_eq!(country("XX1"), "XX1");
    }

    #[test]
    fn ages_run_young_to_old_with_a_bar_per_gender() {
        let buckets = [
            bucket("AGE_55_100", "MALE", "", 1_000_000, 1, 10),
            bucket("AGE_18_24", "MALE", "", 3_000_000, 1, 10),
            bucket("AGE_18_24", "FEMALE", "", 2_000_000, 1, 10),
            bucket("AGE_18_24", "NONE", "", 500_000, 1, 10),
            bucket("AGE_18_24", "UNKNOWN", "", 250_000, 1, 10),
        ];
        let s = section(&AdsQuery::default(), Read::Buckets(&buckets), true, false);
        let chart = s.chart.unwrap();
        let firsts: Vec<_> = chart.table.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
        assert_eq!(firsts, [("18–24", "Female"), ("18–24", "Male"), ("18–24", "Unknown"), ("55+", "Male")]);
        assert_eq!(chart.table[2][2], "0.75", "TikTok's unknown genders are one line");
        assert_eq!(chart.table_head[..3], ["Age".to_string(), "Gender".into(), "Spend (USD)".into()]);
        assert!(chart.svg.contains("<title>18–24, Female: 2.00 USD</title>"));
        assert_eq!(s.tabs.iter().filter(|t| t.current).count(), 1);
    }

    #[test]
    fn countries_past_the_top_ten_are_summed_as_other_with_ratios_from_the_sums() {
        let codes = ["US", "GB", "DE", "FR", "AU", "CA", "JP", "BR", "MX", "ES", "IT", "NL"];
        let buckets: Vec<Bucket> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| bucket("", "", c, (20 - i as i64) * 1_000_000, 1 + i as i64, 100))
            .collect();
        let q =
            AdsQuery { audience: AudienceView { by: Breakdown::Country, metric: Metric::Ctr }, ..AdsQuery::default() };
        let chart = section(&q, Read::Buckets(&buckets), true, false).chart.unwrap();
        assert_eq!(chart.table.len(), TOP_COUNTRIES + 1);
        let other = chart.table.last().unwrap();
        assert_eq!(other[0], "Other");
        // The two that spent least: Italy's 11 clicks and the Netherlands' 12 over 200
        // impressions, 11.5% (not an average of their CTRs), though theirs are the highest.
        let ctr = chart.table_head.iter().position(|h| h == "CTR").unwrap();
        assert_eq!(other[ctr], "11.50%");
        let spend = chart.table_head.iter().position(|h| h == "Spend (USD)").unwrap();
        assert_eq!(other[spend], "19.00", "10 + 9");
        assert_eq!(chart.table[0][0], "Spain (ES)", "the top ten by spend, ranked by the chosen figure, CTR");
        assert!(chart.svg.contains(">ES</text>"), "the chart names a country by its code");
    }

    #[test]
    fn no_rows_is_said_and_a_figure_tiktok_does_not_split_is_named() {
        let empty = section(&AdsQuery::default(), Read::Buckets(&[]), true, false);
        assert!(empty.chart.is_none() && empty.notes[0].contains("No results by age and gender are synced"));
        let idle = section(&AdsQuery::default(), Read::Buckets(&[]), false, false);
        assert_eq!(idle.notes, ["The campaign delivered nothing in these days."]);
        let failed = section(&AdsQuery::default(), Read::Failed, true, false);
        assert!(failed.chart.is_none() && failed.notes[0].contains("could not be read"));
        assert_eq!(failed.tabs.len(), 3, "the tabs stay, to try another");
        let likes = AudienceView { by: Breakdown::AgeGender, metric: Metric::Likes };
        let q = AdsQuery { audience: likes, columns: ColumnSet::Engagement, ..AdsQuery::default() };
        let s = section(&q, Read::Buckets(&[bucket("AGE_18_24", "MALE", "", 1, 1, 1)]), true, false);
        assert_eq!(s.notes, ["TikTok gives no likes by age and gender."]);
        let chart = s.chart.unwrap();
        let at = chart.table_head.iter().position(|h| h == "Likes").unwrap();
        assert_eq!(chart.table[0][at], NO_VALUE, "a dash, never a 0 TikTok did not say");
        let elsewhere = section(&AdsQuery { columns: ColumnSet::Performance, ..q }, Read::Buckets(&[]), true, false);
        assert_eq!(elsewhere.view.metric, Metric::Spend, "a figure the columns do not show falls back to spend");
    }
}
