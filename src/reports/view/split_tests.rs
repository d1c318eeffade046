//! A campaign's split lines: sorted like the table, countries cut on a page, the remainder.

use super::*;

fn value(campaign: &str, code: &str, spend: i64) -> ValueSums {
    let mut sums = Sums::default();
    sums.set(Part::Spend, Some(spend));
    ValueSums { campaign_id: campaign.into(), value: code.into(), sums }
}

const PAGE: (Cut, bool) = (Cut::TopCountries, false);

/// No campaign's own sums: no "not broken down" line.
fn none() -> HashMap<&'static str, Sums> {
    HashMap::new()
}

fn spend_of(micros: i64) -> Sums {
    let mut sums = Sums::default();
    sums.set(Part::Spend, Some(micros));
    sums
}

#[test]
fn what_a_campaign_delivered_beyond_its_split_lines_is_a_line_of_its_own_after_them() {
    let values = vec![value("c1", "AGE_18_24", 2_000_000), value("c1", "AGE_25_34", 5_000_000)];
    let own = HashMap::from([("c1", spend_of(9_500_000))]);
    let lines = &split_lines(&AdsQuery::default(), Dimension::Age, values.clone(), &own, PAGE)["c1"];
    let shown: Vec<(&str, i64)> = lines.iter().map(|l| (l.value.as_str(), l.figures.spend_micros)).collect();
    assert_eq!(shown, [("25–34", 5_000_000), ("18–24", 2_000_000), (NOT_YET_SPLIT, 2_500_000)]);
    let whole = HashMap::from([("c1", spend_of(7_000_000))]);
    let lines = &split_lines(&AdsQuery::default(), Dimension::Age, values, &whole, PAGE)["c1"];
    assert_eq!(lines.len(), 2, "lines that add up need no other");
}

#[test]
fn a_page_shows_the_ten_countries_that_spent_most_then_other_and_an_export_every_one() {
    let codes = ["US", "DE", "FR", "GB", "IT", "ES", "NL", "SE", "PL", "BE", "AT", "DK"];
    let values: Vec<ValueSums> =
        codes.iter().enumerate().map(|(i, c)| value("c1", c, 1_000_000 * (20 - i as i64))).collect();
    let page = &split_lines(&AdsQuery::default(), Dimension::Country, values.clone(), &none(), PAGE)["c1"];
    assert_eq!(page.len(), 11);
    assert!(page[0].value.contains("(US)"), "{}", page[0].value);
    assert_eq!((page[10].value.as_str(), page[10].figures.spend_micros), ("Other", 10_000_000 + 9_000_000));
    let export = &split_lines(&AdsQuery::default(), Dimension::Country, values, &none(), (Cut::Whole, false))["c1"];
    assert_eq!(export.len(), 12, "the CSV keeps every country");
}

#[test]
fn a_campaigns_split_lines_are_sorted_like_the_table() {
    let values = vec![
        value("c1", "AGE_18_24", 2_000_000),
        value("c1", "AGE_55_100", 5_000_000),
        value("c1", "AGE_13_17", 1_000_000),
        value("c2", "AGE_25_34", 1),
    ];
    let by_spend = split_lines(&AdsQuery::default(), Dimension::Age, values.clone(), &none(), PAGE);
    let order = |lines: &[SplitLine]| lines.iter().map(|l| l.value.clone()).collect::<Vec<_>>();
    assert_eq!(order(&by_spend["c1"]), ["55+", "18–24", "13–17"], "largest spend first, as the table");
    assert_eq!(by_spend["c1"][0].figures.spend_micros, 5_000_000);
    assert_eq!(by_spend["c2"].len(), 1, "each campaign its own values");
    let up = AdsQuery { desc: false, ..AdsQuery::default() };
    assert_eq!(
        order(&split_lines(&up, Dimension::Age, values.clone(), &none(), PAGE)["c1"]),
        ["13–17", "18–24", "55+"]
    );
    let by_name = AdsQuery { sort: SortKey::Name, desc: false, ..AdsQuery::default() };
    assert_eq!(
        order(&split_lines(&by_name, Dimension::Age, values, &none(), PAGE)["c1"]),
        ["13–17", "18–24", "55+"],
        "ages young to old when the table is not sorted by a figure"
    );
    let genders = vec![value("c1", "NONE", 1), value("c1", "UNKNOWN", 2), value("c1", "MALE", 1)];
    let lines = &split_lines(&AdsQuery::default(), Dimension::Gender, genders, &none(), PAGE)["c1"];
    assert_eq!(order(lines), ["Unknown", "Male"], "TikTok's unknown genders are one line");
    assert_eq!(lines[0].figures.spend_micros, 3);
}

#[test]
fn a_campaign_with_no_split_rows_yet_is_one_line_not_broken_down_and_one_that_spent_nothing_has_none() {
    let own = HashMap::from([("c1", spend_of(4_000_000)), ("c2", spend_of(0))]);
    let lines = split_lines(&AdsQuery::default(), Dimension::Age, Vec::new(), &own, PAGE);
    let c1: Vec<(&str, i64)> = lines["c1"].iter().map(|l| (l.value.as_str(), l.figures.spend_micros)).collect();
    assert_eq!(c1, [(NOT_YET_SPLIT, 4_000_000)]);
    assert!(lines["c2"].is_empty(), "nothing delivered, nothing to split");
}

#[test]
fn a_remainder_below_zero_is_shown_too_so_the_lines_still_add_up() {
    let values = vec![value("c1", "AGE_18_24", 2_000_010)];
    let own = HashMap::from([("c1", spend_of(2_000_000))]);
    let lines = &split_lines(&AdsQuery::default(), Dimension::Age, values, &own, PAGE)["c1"];
    assert_eq!(lines.iter().map(|l| l.figures.spend_micros).sum::<i64>(), 2_000_000);
    assert_eq!(lines[1].value, NOT_YET_SPLIT);
}
