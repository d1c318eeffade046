//! How numbers and TikTok's codes read on the pages: money from millionths, counts with
//! separators, changes as percentages, codes as words. Built for the server and the browser.

/// What a page shows where a figure has no value (a ratio without its denominator, no budget).
pub const NO_VALUE: &str = "—";

/// A figure, or the dash when it has none.
pub fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or(NO_VALUE).to_owned()
}

/// `1234567` → `1,234,567`.
pub fn count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", grouped(n.unsigned_abs() as u128))
}

/// Digits in groups of three: `1234567` → `1,234,567`.
pub fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Millionths as money: `1234560000` → `1,234.56`.
pub fn money(micros: i64) -> String {
    let cents = (micros as i128 + if micros < 0 { -5_000 } else { 5_000 }) / 10_000;
    let (sign, cents) = if cents < 0 { ("-", -cents) } else { ("", cents) };
    format!("{sign}{}.{:02}", grouped((cents / 100) as u128), cents % 100)
}

/// A change against the previous period, as `+12.5%`; `None` when there was nothing before.
pub fn change(now: f64, before: f64) -> Option<String> {
    (before > 0.0).then(|| {
        let pct = (now - before) / before * 100.0;
        format!("{}{:.1}%", if pct >= 0.0 { "+" } else { "−" }, pct.abs())
    })
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
    fn codes_read_as_words() {
        assert_eq!(humanize("BUDGET_MODE_DAY"), "Budget mode day");
        assert_eq!(humanize(""), "");
    }

    #[test]
    fn changes_say_up_or_down() {
        assert_eq!(change(110.0, 100.0).as_deref(), Some("+10.0%"));
        assert_eq!(change(90.0, 100.0).as_deref(), Some("−10.0%"));
        assert_eq!(change(5.0, 0.0), None);
    }
}
