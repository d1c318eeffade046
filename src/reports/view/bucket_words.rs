//! TikTok's values of who saw the ads in words: age bands, genders, platforms and countries, and
//! the order people read them in.

use crate::model::{
    format::humanize,
    reports::{Breakdown, Dimension},
};

/// A value of a dimension in words.
pub(super) fn value_label(by: Dimension, code: &str) -> String {
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
pub(super) fn age_rank(code: &str) -> u32 {
    code.strip_prefix("AGE_").and_then(|r| r.split('_').next()).and_then(|n| n.parse().ok()).unwrap_or(u32::MAX)
}

pub(super) fn gender_rank(code: &str) -> u8 {
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
}
