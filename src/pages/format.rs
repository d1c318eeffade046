//! Results as the pages read them: figures with ratios from summed parts (never averaged),
//! statuses, budgets and links. Server only: the pages get the words ready-made.

/// The TikTok page's words read money from here.
pub use crate::model::format::money;
use crate::{
    model::{format::humanize, reports::Figures},
    reports::Sums,
};

const NONE: &str = "—";

/// The figures of summed results, ratios computed from the sums.
pub fn figures(s: Sums) -> Figures {
    let ratio_money = |num: i128, den: i64| if den > 0 { money((num / den as i128) as i64) } else { NONE.into() };
    Figures {
        spend_micros: s.spend_micros,
        impressions: s.impressions,
        clicks: s.clicks,
        conversions: s.conversions,
        spend: money(s.spend_micros),
        ctr: if s.impressions > 0 {
            format!("{:.2}%", s.clicks as f64 * 100.0 / s.impressions as f64)
        } else {
            NONE.into()
        },
        cpc: ratio_money(s.spend_micros as i128, s.clicks),
        cpm: ratio_money(s.spend_micros as i128 * 1000, s.impressions),
        cost_per_conversion: ratio_money(s.spend_micros as i128, s.conversions),
    }
}

/// TikTok's statuses in a word.
pub fn status(operation: Option<&str>, secondary: Option<&str>, gone: bool) -> String {
    if gone {
        return "Gone from TikTok".into();
    }
    match (operation, secondary) {
        (Some("DELETE"), _) => "Deleted".into(),
        (Some("DISABLE"), _) => "Paused".into(),
        (Some("ENABLE"), Some(s)) if s.ends_with("DELIVERY_OK") || s.ends_with("_ENABLE") => "Active".into(),
        (Some("ENABLE"), Some(s)) => humanize(s.split("STATUS_").last().unwrap_or(s)),
        (Some("ENABLE"), None) => "Active".into(),
        (Some(other), _) => humanize(other),
        (None, _) => "Unknown".into(),
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
    fn ratios_come_from_the_summed_parts() {
        let f = figures(Sums { spend_micros: 30_000_000, impressions: 2_000, clicks: 40, conversions: 0 });
        assert_eq!((f.ctr.as_str(), f.cpc.as_str(), f.cpm.as_str()), ("2.00%", "0.75", "15.00"));
        assert_eq!(f.cost_per_conversion, "—", "no conversions, no cost per conversion");
        assert_eq!(figures(Sums::default()).ctr, "—");
    }

    #[test]
    fn only_web_links_from_tiktok_are_kept() {
        assert_eq!(web_url(Some("https://shop.example/a")).as_deref(), Some("https://shop.example/a"));
        assert_eq!(web_url(Some("javascript:alert(1)")), None);
        assert_eq!(web_url(Some("not a url")), None);
    }
}
