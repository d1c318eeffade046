//! How numbers read on the pages: money from millionths, counts with separators, ratios from
//! summed parts (never averaged). Server only: the pages get the words ready-made.

pub use crate::model::reports::{count, money};
use crate::{model::reports::Figures, reports::Sums};

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

/// A change against the previous period, as `+12.5%`; `None` when there was nothing before.
pub fn change(now: f64, before: f64) -> Option<String> {
    (before > 0.0).then(|| {
        let pct = (now - before) / before * 100.0;
        format!("{}{:.1}%", if pct >= 0.0 { "+" } else { "−" }, pct.abs())
    })
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

/// `BUDGET_MODE_DAY` → `Budget mode day`, `WEB_CONVERSIONS` → `Web conversions`.
pub fn humanize(code: &str) -> String {
    let words = code.replace('_', " ").to_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
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
    fn money_reads_like_money() {
        assert_eq!(money(1_234_560_000), "1,234.56");
        assert_eq!(money(0), "0.00");
        assert_eq!(money(999_995_000), "1,000.00");
        assert_eq!(money(-3_500_000), "-3.50");
        assert_eq!(count(1_234_567), "1,234,567");
    }

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

    #[test]
    fn changes_say_up_or_down() {
        assert_eq!(change(110.0, 100.0).as_deref(), Some("+10.0%"));
        assert_eq!(change(90.0, 100.0).as_deref(), Some("−10.0%"));
        assert_eq!(change(5.0, 0.0), None);
    }
}
