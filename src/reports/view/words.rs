//! Results as the pages read them: figures with ratios from summed parts (never averaged),
//! statuses, budgets and links. The pages get the words ready-made.

use crate::{
    model::{
        format::{humanize, money},
        reports::{Badge, Figures, Metric, OperationStatus},
        tone::Tone,
    },
    reports::{Part, Sums},
};
use strum::VariantArray;

/// The figures of summed results (see [`Sums::text`]); `one_day`: the sums are of a single day,
/// so reach and what comes from it can be shown.
pub fn figures(s: Sums, one_day: bool) -> Figures {
    Figures {
        spend_micros: s.spend_micros(),
        impressions: s.get(Part::Impressions).unwrap_or(0),
        clicks: s.get(Part::Clicks).unwrap_or(0),
        values: Metric::VARIANTS.iter().map(|m| s.text(*m, one_day)).collect(),
    }
}

/// TikTok's statuses in a word, and its colour: green when it delivers, plain when paused, red
/// when deleted or gone, yellow for anything else TikTok says (in review, budget spent, …).
pub fn status(operation: Option<&str>, secondary: Option<&str>, gone: bool) -> Badge {
    let badge = |label: String, tone: Tone| Badge { label, tone };
    if gone {
        return badge("Gone from TikTok".into(), Tone::Err);
    }
    match (operation.and_then(OperationStatus::parse), secondary) {
        (Some(OperationStatus::Delete), _) => badge("Deleted".into(), Tone::Err),
        (Some(OperationStatus::Disable), _) => badge("Paused".into(), Tone::Neutral),
        (Some(OperationStatus::Enable), Some(s)) if s.ends_with("DELIVERY_OK") || s.ends_with("_ENABLE") => {
            badge("Active".into(), Tone::Ok)
        }
        (Some(OperationStatus::Enable), Some(s)) => badge(humanize(s.split("STATUS_").last().unwrap_or(s)), Tone::Warn),
        (Some(OperationStatus::Enable), None) => badge("Active".into(), Tone::Ok),
        (None, _) => badge(operation.map_or_else(|| "Unknown".into(), humanize), Tone::Warn),
    }
}

/// A budget as people say it: `50.00 a day`, `500.00 in total`, `No limit`.
pub fn budget(micros: Option<i64>, mode: Option<&str>) -> Option<String> {
    match (mode, micros) {
        (Some("BUDGET_MODE_INFINITE"), _) => Some("No limit".into()),
        (Some("BUDGET_MODE_DAY" | "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"), Some(m)) => Some(format!("{} a day", money(m))),
        (Some("BUDGET_MODE_TOTAL"), Some(m)) => Some(format!("{} in total", money(m))),
        (_, Some(m)) if m > 0 => Some(money(m)),
        _ => None,
    }
}

/// A link from TikTok, kept only when it is plain `http(s)` (never `javascript:` or `data:`).
pub fn web_url(url: Option<&str>) -> Option<String> {
    let url = url?.trim();
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_carry_every_metric_in_its_place_and_no_value_as_none() {
        let mut sums = Sums::default();
        sums.set(Part::Spend, Some(30_000_000));
        sums.set(Part::Impressions, Some(2_000));
        sums.set(Part::Clicks, Some(40));
        let f = figures(sums, false);
        assert_eq!(f.values.len(), Metric::VARIANTS.len());
        assert_eq!((f.get(Metric::Spend), f.get(Metric::Ctr)), (Some("30.00"), Some("2.00%")));
        assert_eq!(f.get(Metric::Conversions), None, "no conversions sent is no value, not 0");
        assert_eq!(f.get(Metric::CostPerConversion), None);
    }

    #[test]
    fn a_status_colour_follows_tiktok_state_not_its_words() {
        let tone = |op, secondary, gone| status(op, secondary, gone).tone;
        assert_eq!(tone(Some("ENABLE"), Some("CAMPAIGN_STATUS_ENABLE"), false), Tone::Ok);
        assert_eq!(tone(Some("ENABLE"), Some("AD_STATUS_DELIVERY_OK"), false), Tone::Ok);
        assert_eq!(tone(Some("DISABLE"), None, false), Tone::Neutral);
        assert_eq!(tone(Some("DELETE"), None, false), Tone::Err);
        assert_eq!(tone(Some("ENABLE"), Some("AD_STATUS_DELIVERY_OK"), true), Tone::Err, "gone wins");
        let review = status(Some("ENABLE"), Some("ADGROUP_STATUS_NOT_APPROVE"), false);
        assert_eq!((review.label.as_str(), review.tone), ("Not approve", Tone::Warn));
        assert_eq!(status(Some("FROZEN"), None, false).label, "Frozen", "an unknown switch is said as TikTok says it");
        assert_eq!(status(None, None, false).label, "Unknown");
    }

    #[test]
    fn budgets_read_as_people_say_them() {
        assert_eq!(budget(Some(50_000_000), Some("BUDGET_MODE_DAY")).as_deref(), Some("50.00 a day"));
        assert_eq!(budget(Some(500_000_000), Some("BUDGET_MODE_TOTAL")).as_deref(), Some("500.00 in total"));
        assert_eq!(budget(None, Some("BUDGET_MODE_INFINITE")).as_deref(), Some("No limit"));
        assert_eq!(budget(Some(0), None), None);
    }

    #[test]
    fn only_web_links_from_tiktok_are_kept() {
        assert_eq!(web_url(Some("https://shop.example/a")).as_deref(), Some("https://shop.example/a"));
        assert_eq!(web_url(Some("javascript:alert(1)")), None);
        assert_eq!(web_url(Some("not a url")), None);
    }
}
