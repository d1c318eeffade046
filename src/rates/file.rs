//! A file of daily rates as a team keeps them: `date,currency,rate` lines, each rate one unit
//! of the currency in the reporting currency (`2026-11-02,USD,0.9187`). A header line, blank lines
//! and lines starting with `#` are skipped; fields may be quoted. The whole file is read and checked before anything is stored,
//! so a bad line imports nothing, and the problems are named by line.

use crate::model::currency::Currency;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::{collections::HashMap, fmt};

/// The largest file read: about 60,000 lines, 25 currencies over more than six years of days.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
/// Problems named one by one; the rest are counted.
const NAMED_PROBLEMS: usize = 10;
/// Beyond it a rate is a typo (a whole IDR or VND price is below it).
const MAX_RATE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a date");

/// One unit of a currency in another: an exact decimal above zero, kept as entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(Decimal);

impl Rate {
    /// The rate `text` says, or what is wrong with it, in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.contains(',') {
            return Err(format!("{} is not a rate: write the decimals after a dot, as 0.92", quoted(text)));
        }
        // The parser would read "0_92" as 92.
        let rate = Some(text)
            .filter(|t| !t.contains('_'))
            .and_then(|t| Decimal::from_str_exact(t).ok())
            .ok_or_else(|| format!("{} is not a rate (a decimal number, as 0.92)", quoted(text)))?;
        if rate <= Decimal::ZERO {
            return Err(format!("the rate {text} is not above zero"));
        }
        if rate > MAX_RATE {
            return Err(format!("the rate {text} is too large to be a currency's"));
        }
        Ok(Self(rate.normalize()))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A rate for one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLine {
    pub day: NaiveDate,
    pub currency: Currency,
    pub rate: Rate,
}

/// What is wrong with one line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: u64,
    pub problem: String,
}

/// Why a file imports nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is larger than {} MB; split it by year", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("line {0} is not text (UTF-8); save the file as CSV UTF-8")]
    NotText(u64),
    #[error("the file holds no rates (expected lines of date,currency,rate)")]
    Empty,
    #[error("{}", in_words(.problems, *.more))]
    Lines { problems: Vec<LineProblem>, more: usize },
}

fn in_words(problems: &[LineProblem], more: usize) -> String {
    let mut words: Vec<String> = problems.iter().map(|p| format!("line {}: {}", p.line, p.problem)).collect();
    if more > 0 {
        words.push(format!("and {more} more line{}", if more == 1 { "" } else { "s" }));
    }
    format!("nothing was imported; {}", words.join("; "))
}

/// The rates in `bytes` to `to`, every line checked; in the file's order.
pub fn parse(bytes: &[u8], to: &Currency) -> Result<Vec<RateLine>, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        return Err(FileError::NotText(line));
    }
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let (mut rates, mut problems, mut more) = (Vec::new(), Vec::new(), 0);
    let mut seen: HashMap<(NaiveDate, Currency), u64> = HashMap::new();
    let mut first_record = true;
    // Numbered here, not by a CSV reader: a person looks for the line in their editor, whatever
    // line endings, comments and blank lines the file has.
    for (index, line) in text.split('\n').enumerate() {
        let number = index as u64 + 1;
        let fields: Vec<&str> = line.split(',').map(|f| f.trim().trim_matches('"').trim()).collect();
        if line.trim_start().starts_with('#') || fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        let header = std::mem::take(&mut first_record) && fields[0].eq_ignore_ascii_case("date");
        if header {
            continue;
        }
        let read = line_of(&fields, to).and_then(|rate| match seen.insert((rate.day, rate.currency.clone()), number) {
            Some(first) => Err(format!("{} {} is on line {first} already", rate.day, rate.currency)),
            None => Ok(rate),
        });
        match read {
            Ok(rate) => rates.push(rate),
            Err(problem) if problems.len() < NAMED_PROBLEMS => problems.push(LineProblem { line: number, problem }),
            Err(_) => more += 1,
        }
    }
    match (problems.is_empty(), rates.is_empty()) {
        (false, _) => Err(FileError::Lines { problems, more }),
        (true, true) => Err(FileError::Empty),
        (true, false) => Ok(rates),
    }
}

/// Some of what a person wrote, quoted in a message: short, and nothing a terminal would obey.
fn quoted(text: &str) -> String {
    let short: String = text.chars().take(40).collect();
    let more = if short.len() < text.len() { "…" } else { "" };
    format!("'{}{more}'", short.escape_debug())
}

/// One line's rate, from its fields.
fn line_of(fields: &[&str], to: &Currency) -> Result<RateLine, String> {
    let [day, currency, rate] = fields[..] else {
        if fields.len() == 1 && fields[0].contains(';') {
            return Err("separate the fields with commas (date,currency,rate)".into());
        }
        return Err(format!("expected 3 fields (date,currency,rate), found {}", fields.len()));
    };
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| format!("{} is not a date (YYYY-MM-DD, as 2026-11-02)", quoted(day)))?;
    if !(FIRST_DAY..=LAST_DAY).contains(&day) {
        return Err(format!("{day} is not a day a rate can be for"));
    }
    let currency = Currency::parse(currency)
        .ok_or_else(|| format!("{} is not a currency code (three letters, as USD)", quoted(currency)))?;
    if currency == *to {
        return Err(format!("{to} is the reporting currency itself"));
    }
    Ok(RateLine { day, currency, rate: Rate::parse(rate)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    #[test]
    fn a_file_with_a_header_gives_its_rates_exactly_as_written() {
        let file = "\u{feff}date,currency,rate\n2026-11-02,USD,0.9187\n# AUD from the bank's sheet\n2026-11-02, aud ,0.6010\n\n";
        let rates = parse(file.as_bytes(), &eur()).unwrap();
        assert_eq!(rates.len(), 2);
        assert_eq!((rates[0].day, rates[0].currency.as_str()), (day("2026-11-02"), "USD"));
        assert_eq!(rates[0].rate.to_string(), "0.9187");
        assert_eq!(rates[1].currency.as_str(), "AUD");
        assert_eq!(rates[1].rate.to_string(), "0.601", "the same decimal, without trailing zeros");
    }

    #[test]
    fn every_bad_line_is_named_and_nothing_is_kept() {
        let file = "2026-11-02,USD,0.9187\n2026-13-01,USD,0.9\n2026-11-03,EURO,0.9\n2026-11-03,USD,0,92\n\
                    2026-11-04,USD,-1\n2026-11-04,EUR,1\n2026-11-02,usd,0.92\n2026-11-05,USD\n";
        let FileError::Lines { problems, more } = parse(file.as_bytes(), &eur()).unwrap_err() else {
            panic!("the lines are named")
        };
        let named: Vec<(u64, &str)> = problems.iter().map(|p| (p.line, p.problem.as_str())).collect();
        assert_eq!(
            named,
            [
                (2, "'2026-13-01' is not a date (YYYY-MM-DD, as 2026-11-02)"),
                (3, "'EURO' is not a currency code (three letters, as USD)"),
                (4, "expected 3 fields (date,currency,rate), found 4"),
                (5, "the rate -1 is not above zero"),
                (6, "EUR is the reporting currency itself"),
                (7, "2026-11-02 USD is on line 1 already"),
                (8, "expected 3 fields (date,currency,rate), found 2"),
            ]
        );
        assert_eq!(more, 0);
    }

    #[test]
    fn a_line_is_named_as_an_editor_counts_it_whatever_its_endings_comments_and_blanks() {
        let file =
            "date,currency,rate\r\n# from the bank\r\n\r\n2026-11-02,USD,0.92\r\n,,\r\n\"2026-11-03\",\"USD\",x\r\n";
        let FileError::Lines { problems, .. } = parse(file.as_bytes(), &eur()).unwrap_err() else { panic!() };
        assert_eq!(
            problems,
            [LineProblem { line: 6, problem: "'x' is not a rate (a decimal number, as 0.92)".into() }]
        );
        let semicolons = parse(b"2026-11-02;USD;0.92\n", &eur()).unwrap_err().to_string();
        assert!(semicolons.ends_with("line 1: separate the fields with commas (date,currency,rate)"), "{semicolons}");
        let long = format!("2026-11-02,USD,{}\u{1b}[2J\n", "9".repeat(60));
        let message = parse(long.as_bytes(), &eur()).unwrap_err().to_string();
        assert!(message.contains(&format!("'{}…'", "9".repeat(40))) && !message.contains('\u{1b}'), "{message}");
    }

    #[test]
    fn a_rate_is_a_decimal_with_a_dot_above_zero() {
        assert_eq!(Rate::parse("1.10").unwrap().to_string(), "1.1");
        assert_eq!(Rate::parse("0.000057312").unwrap().to_string(), "0.000057312");
        assert!(Rate::parse("0,92").unwrap_err().contains("after a dot"));
        for bad in ["", "abc", "0", "1e3", "NaN", "2000000000", "0_92"] {
            assert!(Rate::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn past_ten_problems_the_rest_are_counted() {
        let file: String = (1..=14).map(|i| format!("2026-11-{i:02},US,1\n")).collect();
        let err = parse(file.as_bytes(), &eur()).unwrap_err();
        let FileError::Lines { problems, more } = &err else { panic!("{err}") };
        assert_eq!((problems.len(), *more), (10, 4));
        assert!(err.to_string().starts_with("nothing was imported; line 1: 'US' is not a currency code"), "{err}");
        assert!(err.to_string().ends_with("and 4 more lines"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_text_too_large_or_empty_is_refused() {
        assert_eq!(parse(b"2026-11-02,USD,0.9\n2026-11-03,\xff\xfe,1\n", &eur()), Err(FileError::NotText(2)));
        assert_eq!(parse(&vec![b'#'; MAX_FILE_BYTES + 1], &eur()), Err(FileError::TooLarge));
        assert_eq!(parse(b"date,currency,rate\n", &eur()), Err(FileError::Empty));
    }
}
