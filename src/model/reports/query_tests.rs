//! How a view's URL reads and writes: round trips, limits and fallbacks.

use super::*;
use crate::model::reports::{Dimension, Metric};

#[test]
fn a_query_that_came_as_json_meets_the_urls_limits() {
    let q = AdsQuery {
        search: "x".repeat(2_000_000),
        page: 0,
        campaign: Some("1".repeat(10_000)),
        adgroup: Some("19001' or 1=1".into()),
        range: Range { preset: Preset::Custom, from: NaiveDate::from_ymd_opt(1900, 1, 1), to: None },
        ..AdsQuery::default()
    }
    .checked();
    assert_eq!(q.search.chars().count(), AdsQuery::MAX_SEARCH);
    assert_eq!((q.page, q.campaign, q.adgroup, q.range.from), (1, None, None, None));
    let q = AdsQuery { page: u32::MAX, ..AdsQuery::default() }.checked();
    assert_eq!(q.page, 1);
    let fine = AdsQuery { page: 7, campaign: Some("18001".into()), ..AdsQuery::default() };
    assert_eq!(fine.checked(), fine, "a query within the limits is kept as it is");
    let d = DashboardQuery {
        account: Some(AccountId(2)),
        range: Range { preset: Preset::Custom, from: NaiveDate::from_ymd_opt(3000, 1, 1), to: None },
    };
    assert_eq!(d.checked().range.from, None);
}

#[test]
fn a_sort_by_a_figure_the_table_does_not_show_is_a_sort_by_spend() {
    let hidden = AdsQuery::from_pairs([("cols", "video"), ("sort", "roas"), ("dir", "asc")]);
    assert_eq!((hidden.sort, hidden.desc), (SortKey::default(), true));
    let reach_over_a_week = AdsQuery::from_pairs([("cols", "delivery"), ("sort", "reach")]);
    assert_eq!(reach_over_a_week.sort, SortKey::default(), "a week's reach is not shown");
    let reach_yesterday = AdsQuery::from_pairs([("cols", "delivery"), ("sort", "reach"), ("range", "yesterday")]);
    assert_eq!(reach_yesterday.sort, SortKey::Metric(Metric::Reach));
}

#[test]
fn a_query_survives_its_url() {
    let q = AdsQuery {
        level: Level::Ad,
        adgroup: Some("19001".into()),
        campaign: Some("18001".into()),
        account: Some(AccountId(3)),
        status: Some(StatusFilter::Paused),
        search: "spring sale & co".into(),
        sort: SortKey::Metric(Metric::Likes),
        desc: false,
        page: 3,
        show_deleted: true,
        columns: ColumnSet::Engagement,
        audience: AudienceView { by: super::super::Breakdown::Platform, metric: Metric::Clicks },
        breakdown: None,
        range: Range {
            preset: Preset::Custom,
            from: NaiveDate::from_ymd_opt(2026, 1, 1),
            to: NaiveDate::from_ymd_opt(2026, 1, 31),
        },
    };
    let url = url_pairs(&q.to_query());
    let back = AdsQuery::from_pairs(url.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(back, q);
    let split = AdsQuery { breakdown: Some(Dimension::Gender), ..AdsQuery::default() };
    let url = url_pairs(&split.to_query());
    assert_eq!(AdsQuery::from_pairs(url.iter().map(|(k, v)| (k.as_str(), v.as_str()))), split);
    let ads = AdsQuery::from_pairs([("level", "ads"), ("breakdown", "age")]);
    assert_eq!(ads.breakdown, None, "ads are not split: breakdowns are synced per campaign");
    assert_eq!(AdsQuery::default().href(), "/ads");
    assert_eq!((AdsQuery::default().page, AdsQuery::default().desc), (1, true), "page 1, largest spend first");
}

#[test]
fn nonsense_in_the_url_falls_back_to_defaults() {
    let q = AdsQuery::from_pairs([("page", "-2"), ("sort", "hack"), ("range", "forever"), ("account", "x")]);
    assert_eq!((q.page, q.sort, q.range.preset, q.account), (1, SortKey::Metric(Metric::Spend), Preset::Last7, None));
    assert!(q.desc, "spend sorts largest first");
}

#[test]
fn days_and_pages_beyond_any_data_fall_back_to_defaults() {
    let q = AdsQuery::from_pairs([
        ("range", "custom"),
        ("from", "-262143-01-01"),
        ("to", "9999-12-31"),
        ("page", "4294967295"),
    ]);
    assert_eq!((q.range.from, q.range.to, q.page), (None, None, 1));
    let q = AdsQuery::from_pairs([("range", "custom"), ("from", "2026-01-01"), ("page", "3")]);
    assert_eq!((q.range.from, q.page), (NaiveDate::from_ymd_opt(2026, 1, 1), 3));
}

fn url_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            let mut bytes = Vec::new();
            let mut it = v.bytes();
            while let Some(b) = it.next() {
                if b == b'%' {
                    let h: String = [it.next().unwrap() as char, it.next().unwrap() as char].iter().collect();
                    bytes.push(u8::from_str_radix(&h, 16).unwrap());
                } else {
                    bytes.push(b);
                }
            }
            (k.to_string(), String::from_utf8(bytes).unwrap())
        })
        .collect()
}
