//! The breakdowns in words: sections, panels and when they are complete.

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
fn breakdowns_are_complete_through_the_last_day_read_sixteen_hours_after_its_end() {
    use crate::db::entities::tiktok_ad_account;
    let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    use super::super::attention::tests::{account as health, state};
    use crate::db::status::{Access, Activity, LastSync};
    let base = health(1, "Acme", state(Access::Connected, Activity::Idle, LastSync::Never), true);
    let account = |read: &str| AccountHealth {
        account: tiktok_ad_account::Model {
            breakdowns_read_at: Some(at(read)),
            breakdowns_through: Some(day(5)),
            ..base.account.clone()
        },
        ..base.clone()
    };
    let (early, late) = (account("2026-03-05T15:00:00Z"), account("2026-03-05T17:00:00Z"));
    assert_eq!(complete_through(&[&late]), Some(day(4)), "4 March ended 17 hours before the read");
    assert_eq!(complete_through(&[&early]), Some(day(3)), "15 hours after: 4 March is still arriving");
    assert_eq!(complete_through(&[&late, &early]), Some(day(3)), "the earliest account's");
    assert!(completeness(Some(day(3)), day(5)).unwrap().starts_with("Complete through 3 Mar 2026"));
    assert_eq!(completeness(Some(day(5)), day(5)), None, "whole: nothing to say");
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
    let q = AdsQuery { audience: AudienceView { by: Breakdown::Country, metric: Metric::Ctr }, ..AdsQuery::default() };
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
