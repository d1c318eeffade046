//! Ads Manager's campaign table broken down: each campaign's lines per value of a dimension,
//! sorted like the table, then "Other" (countries past the top ten, on a page) and what the split
//! rows do not hold yet, so the lines add up to the campaign's own.

use super::{
    breakdowns::TOP_COUNTRIES,
    bucket_words::{age_rank, gender_rank, value_label},
    words::figures,
};
use crate::{
    model::reports::*,
    reports::{breakdowns::ValueSums, Part, Sums},
};
use std::collections::HashMap;
use strum::VariantArray;

/// The line of what a campaign's split rows do not hold (TikTok splits a day about 16 hours after
/// it ends, and its split figures may round apart from the whole), so a campaign's lines always
/// add up to its own for what TikTok always reports (spend, impressions, clicks, conversions).
pub const NOT_YET_SPLIT: &str = "Not broken down";

/// Said when the table's breakdown could not be read.
pub const UNREAD: &str =
    "The breakdown could not be read just now; the campaigns' own lines show. Reload the page in a moment.";

/// How a campaign's split lines are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    /// A page: the countries that spent most, then one "Other" line.
    TopCountries,
    /// An export: every value.
    Whole,
}

/// Each campaign's lines split by `by` (keyed by its TikTok id), sorted like the table: by the
/// figure it is sorted by, else in the values' own order (ages young to old). Values that read
/// the same (TikTok's unknown genders) are one line. After them, "Other" (cut countries) and
/// what the campaign's own sums (`own`) hold beyond its lines, when it delivered more.
pub(super) fn split_lines(
    query: &AdsQuery,
    by: Dimension,
    values: Vec<ValueSums>,
    own: &HashMap<&str, Sums>,
    (cut, one_day): (Cut, bool),
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
    // A campaign with no split rows at all (it spent only on days not split yet) is all remainder.
    for campaign in own.keys() {
        summed.entry((*campaign).to_owned()).or_default();
    }
    summed
        .into_iter()
        .map(|(campaign, mut lines)| {
            let whole_missing = lines.is_empty();
            let whole = lines.iter().fold(Sums::default(), |all, l| all.plus(&l.2));
            let other = match (by, cut) {
                (Dimension::Country, Cut::TopCountries) => cut_to_top(&mut lines),
                _ => None,
            };
            sort_like_table(query, by, &mut lines, one_day);
            lines.extend(other.map(|s| ("Other".to_owned(), String::new(), s)));
            let rest = own.get(campaign.as_str()).map(|own| if whole_missing { *own } else { own.minus(&whole) });
            if let Some(rest) = rest.filter(differs) {
                lines.push((NOT_YET_SPLIT.to_owned(), String::new(), rest));
            }
            let lines = lines.into_iter().map(|(value, _, s)| SplitLine { value, figures: figures(s, one_day) });
            (campaign, lines.collect())
        })
        .collect()
}

/// Whether a remainder is worth a line: any of what TikTok always reports is off, either way.
fn differs(rest: &Sums) -> bool {
    Part::VARIANTS.iter().filter(|p| p.zero_without_rows()).any(|p| rest.get(*p).is_some_and(|v| v != 0))
}

/// Keeps the countries that spent most (ties by code, so a reload keeps them); the sums of the
/// rest, when there are any.
fn cut_to_top(lines: &mut Vec<(String, String, Sums)>) -> Option<Sums> {
    lines.sort_by(|a, b| b.2.spend_micros().cmp(&a.2.spend_micros()).then_with(|| a.1.cmp(&b.1)));
    let rest = lines.split_off(lines.len().min(TOP_COUNTRIES));
    (!rest.is_empty()).then(|| rest.iter().fold(Sums::default(), |all, l| all.plus(&l.2)))
}

fn sort_like_table(query: &AdsQuery, by: Dimension, lines: &mut [(String, String, Sums)], one_day: bool) {
    let natural = |code: &str| match by {
        Dimension::Age => age_rank(code),
        Dimension::Gender => u32::from(gender_rank(code)),
        Dimension::Country | Dimension::Platform => 0,
    };
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
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
