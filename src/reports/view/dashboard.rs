//! The Dashboard in words: each currency's totals with their change against the period before,
//! the daily charts (as SVG and as a table), the top campaigns, and how fresh the data is.

use super::{attention::Shown, chart, words::figures};
use crate::{
    model::{
        format::{change, count, money},
        ids::AccountId,
        reports::*,
        tone::Trend,
    },
    reports::{AccountHealth, Conversion, ConvertedTotals, DashboardData, Sums},
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;

/// Nothing to show yet: the pickers, the lines and the freshness only.
pub(super) fn empty(query: DashboardQuery, shown: Shown, freshness: Option<String>) -> Dashboard {
    Dashboard {
        query,
        empty: shown.empty,
        from: None,
        to: None,
        totals: Vec::new(),
        charts: Vec::new(),
        top: Vec::new(),
        panels: Vec::new(),
        pacing: Vec::new(),
        reporting: None,
        accounts: shown.accounts,
        freshness,
        attention: shown.attention,
    }
}

pub(super) fn board(
    query: DashboardQuery,
    shown: Shown,
    freshness: Option<String>,
    from: NaiveDate,
    to: NaiveDate,
    data: &DashboardData,
) -> Dashboard {
    let range = AdsQuery { range: query.range, ..AdsQuery::default() };
    Dashboard {
        totals: data.totals.iter().map(|(currency, now, before)| kpis(currency, *now, *before, from == to)).collect(),
        charts: charts(data),
        panels: super::breakdowns::panels(&data.splits, from == to),
        top: data
            .top
            .iter()
            .map(|t| TopCampaign {
                name: t.name.clone().unwrap_or_else(|| format!("#{}", t.campaign_id)),
                advertiser: t.advertiser.clone(),
                spend: format!("{} {}", money(t.spend.unwrap_or(0)), t.currency.as_deref().unwrap_or("?")),
                href: AdsQuery {
                    level: Level::AdGroup,
                    campaign: Some(t.campaign_id.clone()),
                    account: Some(AccountId(t.account_id)),
                    ..range.clone()
                }
                .href(),
            })
            .collect(),
        from: Some(from),
        to: Some(to),
        ..empty(query, shown, freshness)
    }
}

/// One spend chart per currency (money is never added across currencies), then the counts,
/// which add up across advertisers.
fn charts(data: &DashboardData) -> Vec<Chart> {
    let days: Vec<NaiveDate> =
        (0..=(data.series_to - data.series_from).num_days()).map(|i| data.series_from + Duration::days(i)).collect();
    let mut spend: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let (mut conversions, mut clicks, mut impressions) =
        (vec![0.0; days.len()], vec![0.0; days.len()], vec![0.0; days.len()]);
    for p in &data.series {
        let Some(i) = usize::try_from((p.date - data.series_from).num_days()).ok().filter(|i| *i < days.len()) else {
            continue;
        };
        let currency = p.currency.as_deref().unwrap_or("?");
        spend.entry(currency).or_insert_with(|| vec![0.0; days.len()])[i] += p.spend.unwrap_or(0) as f64 / 1e6;
        conversions[i] += p.conversions.unwrap_or(0) as f64;
        clicks[i] += p.clicks.unwrap_or(0) as f64;
        impressions[i] += p.impressions.unwrap_or(0) as f64;
    }
    let mut charts: Vec<Chart> = spend
        .iter()
        .map(|(currency, values)| {
            chart_of(&format!("Spend ({currency})"), &days, values, |v| money((v * 1e6) as i64), currency)
        })
        .collect();
    charts.push(chart_of("Conversions", &days, &conversions, |v| count(v as i64), ""));
    charts.push(chart_of("Clicks", &days, &clicks, |v| count(v as i64), ""));
    charts.push(chart_of("Impressions", &days, &impressions, |v| count(v as i64), ""));
    charts
}

/// A chart and its numbers as a table (the exact values, for reading or a screen reader).
fn chart_of(title: &str, days: &[NaiveDate], values: &[f64], label: fn(f64) -> String, unit: &str) -> Chart {
    Chart {
        title: title.to_owned(),
        svg: chart::line(title, days, values, chart::compact, label, unit),
        table_head: vec!["Day".into(), title.to_owned()],
        table: days
            .iter()
            .zip(values)
            .enumerate()
            .map(|(i, (d, v))| {
                let late = if i + chart::PROVISIONAL_DAYS >= days.len() { " (provisional)" } else { "" };
                vec![format!("{}{late}", d.format("%-d %b %Y")), label(*v)]
            })
            .collect(),
    }
}

/// A currency's totals, each with its change against the period before; `one_day`: the range
/// is a single day.
fn kpis(currency: &str, now: Sums, before: Sums, one_day: bool) -> CurrencyKpis {
    let f = figures(now, one_day);
    let kpis = Metric::DASHBOARD
        .into_iter()
        .map(|metric| {
            let up_is_good = metric.more_is_better();
            let value = f.get(metric).map(|v| match metric.unit() {
                Unit::Money => format!("{v} {currency}"),
                _ => v.to_owned(),
            });
            let delta = match (now.value(metric, one_day), before.value(metric, one_day)) {
                (Some(n), Some(b)) => change(n, b).map(|text| (text, n - b)),
                _ => None,
            };
            let trend = match (&delta, up_is_good) {
                (Some((_, d)), Some(good)) if *d != 0.0 => {
                    if (*d > 0.0) == good {
                        Trend::Good
                    } else {
                        Trend::Bad
                    }
                }
                _ => Trend::Neutral,
            };
            Kpi { label: metric.label().to_owned(), value, change: delta.map(|(t, _)| t), trend }
        })
        .collect();
    CurrencyKpis { currency: currency.to_owned(), kpis, figures: f }
}

/// The totals in the reporting currency: one set of KPIs (changes against the period before
/// only when it could be converted too) and how they were converted; or why they stay per
/// currency.
pub(super) fn reporting(totals: &ConvertedTotals, one_day: bool) -> Reporting {
    let to = totals.to.as_str();
    let now = match &totals.now {
        Conversion::Converted(now) => now,
        Conversion::NoRate(missing) => {
            return Reporting::PerCurrency {
                why: format!(
                "Totals are per currency: there is no {to} rate for {} on or before these days. An admin can import \
                     daily rates (wevion rates import).",
                names(missing.iter().map(|c| c.to_string()))
            ),
            }
        }
    };
    let mut notes = vec![format!("Every advertiser converted to {to} at daily rates: each day at its own rate.")];
    for (currency, days) in &now.borrowed {
        let shown: Vec<String> = days.iter().take(5).map(|d| day_words(*d)).collect();
        let more = days.len().saturating_sub(shown.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        notes.push(format!(
            "No {currency} rate for {}{more}: the nearest earlier day's rate was used.",
            names(shown.into_iter())
        ));
    }
    let before = match &totals.before {
        Conversion::Converted(before) => before.sums,
        Conversion::NoRate(missing) => {
            let missing = names(missing.iter().map(|c| c.to_string()));
            notes.push(format!("No change is shown: the period before has no {to} rate for {missing}."));
            Sums::default()
        }
    };
    Reporting::Converted { totals: kpis(to, now.sums, before, one_day), notes }
}

/// Said when the conversion could not be read (busy, or the database).
pub(super) fn unconverted() -> Reporting {
    Reporting::PerCurrency {
        why: "Totals are per currency: they could not be converted just now. Reload the page in a moment.".into(),
    }
}

/// "USD, AUD and JPY".
fn names(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    }
}

fn day_words(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// "Last synced 3 min ago", for the account whose data is oldest.
pub(super) fn freshness(accounts: &[&AccountHealth], now: DateTime<Utc>) -> Option<String> {
    let oldest = accounts.iter().filter_map(|a| a.account.last_synced_at).min()?;
    let minutes = (now - oldest).num_minutes().max(0);
    Some(match minutes {
        0 => "Last synced just now".to_string(),
        1..=59 => format!("Last synced {minutes} min ago"),
        60..=2879 => format!("Last synced {} h ago", minutes / 60),
        _ => format!("Last synced {} days ago", minutes / 1440),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        db::status::{Access, Activity, LastSync},
        reports::{DailyPoint, Part, TopRow},
    };

    #[test]
    fn converted_totals_say_how_and_name_the_days_that_took_an_earlier_rate() {
        use crate::{model::currency::Currency, reports::Converted};
        use std::collections::{BTreeMap, BTreeSet};
        let (eur, usd, jpy) =
            (Currency::parse("EUR").unwrap(), Currency::parse("USD").unwrap(), Currency::parse("JPY").unwrap());
        let d = |n: u32| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        let borrowed = BTreeMap::from([(usd.clone(), BTreeSet::from([d(3), d(4)]))]);
        let now = Conversion::Converted(Box::new(Converted { sums: sums(9_000_000, 100, 5, 1), borrowed }));
        let totals =
            ConvertedTotals { to: eur.clone(), now, before: Conversion::NoRate(BTreeSet::from([jpy.clone()])) };
        let Reporting::Converted { totals: t, notes } = reporting(&totals, false) else { panic!() };
        assert_eq!(kpi(&t, "Spend").value.as_deref(), Some("9.00 EUR"));
        assert_eq!(kpi(&t, "Spend").change, None, "no period before to compare with");
        assert_eq!(
            notes,
            [
                "Every advertiser converted to EUR at daily rates: each day at its own rate.",
                "No USD rate for 3 Dec 2026 and 4 Dec 2026: the nearest earlier day's rate was used.",
                "No change is shown: the period before has no EUR rate for JPY.",
            ]
        );
        let none = ConvertedTotals {
            to: eur,
            now: Conversion::NoRate(BTreeSet::from([jpy, usd])),
            before: Conversion::NoRate(BTreeSet::new()),
        };
        let Reporting::PerCurrency { why } = reporting(&none, false) else { panic!() };
        assert!(
            why.starts_with("Totals are per currency: there is no EUR rate for JPY and USD on or before these days."),
            "{why}"
        );
    }

    fn kpi<'a>(k: &'a CurrencyKpis, label: &str) -> &'a Kpi {
        k.kpis.iter().find(|k| k.label == label).unwrap()
    }

    fn sums(spend: i64, impressions: i64, clicks: i64, conversions: i64) -> Sums {
        let mut s = Sums::default();
        for (p, v) in [
            (Part::Spend, spend),
            (Part::Impressions, impressions),
            (Part::Clicks, clicks),
            (Part::Conversions, conversions),
        ] {
            s.set(p, Some(v));
        }
        s
    }

    #[test]
    fn a_cost_going_up_is_bad_news_and_results_going_up_good() {
        let now = sums(200_000_000, 10_000, 100, 5);
        let before = sums(100_000_000, 10_000, 50, 5);
        let k = kpis("USD", now, before, false);
        let spend = kpi(&k, "Spend");
        assert_eq!((spend.value.as_deref(), spend.change.as_deref()), (Some("200.00 USD"), Some("+100.0%")));
        assert_eq!(spend.trend, Trend::Neutral, "spending more is neither");
        assert_eq!(kpi(&k, "Clicks").trend, Trend::Good);
        assert_eq!(kpi(&k, "CPM").trend, Trend::Bad);
        assert_eq!(kpi(&k, "CPC").trend, Trend::Neutral, "2.00 a click both times");
        assert_eq!(kpi(&k, "Conversions").change.as_deref(), Some("+0.0%"));
        assert_eq!(kpi(&k, "Conversions").trend, Trend::Neutral, "no change is no news");
    }

    #[test]
    fn a_figure_its_sums_cannot_give_has_no_value_and_no_change() {
        let k = kpis("EUR", sums(0, 0, 0, 0), Sums::default(), false);
        let ctr = kpi(&k, "CTR");
        assert_eq!((ctr.value.as_deref(), ctr.change.as_deref(), ctr.trend), (None, None, Trend::Neutral));
        assert_eq!(kpi(&k, "CPC").value, None, "not '— EUR'");
        assert_eq!(kpi(&k, "Spend").change, None, "nothing before to compare with");
        let roas = kpi(&k, "ROAS");
        assert_eq!((roas.value.as_deref(), roas.change.as_deref()), (None, None), "no purchase value sent is no ROAS");
    }

    #[test]
    fn a_currency_that_delivered_only_before_shows_nothing_now_and_the_fall() {
        let k = kpis("JPY", Sums::nothing_delivered(), sums(700_000_000, 1_000, 10, 2), false);
        let spend = kpi(&k, "Spend");
        assert_eq!((spend.value.as_deref(), spend.change.as_deref()), (Some("0.00 JPY"), Some("−100.0%")));
        assert_eq!(kpi(&k, "Conversions").value.as_deref(), Some("0"));
        assert_eq!(kpi(&k, "ROAS").value, None, "no purchase value, no ROAS");
    }

    #[test]
    fn roas_is_the_purchase_value_over_spend_of_the_whole_range() {
        let (mut now, mut before) = (sums(200_000_000, 10_000, 100, 5), sums(100_000_000, 10_000, 50, 5));
        now.set(Part::PurchaseValue, Some(500_000_000));
        before.set(Part::PurchaseValue, Some(300_000_000));
        let k = kpis("USD", now, before, false);
        let roas = kpi(&k, "ROAS");
        assert_eq!((roas.value.as_deref(), roas.trend), (Some("2.50"), Trend::Bad), "3.00 before");
        assert_eq!(kpi(&k, "Purchase value").value.as_deref(), Some("500.00 USD"));
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn point(currency: &str, d: u32, spend: i64, clicks: i64) -> DailyPoint {
        DailyPoint {
            currency: Some(currency.into()),
            date: day(d),
            spend: Some(spend),
            impressions: None,
            clicks: Some(clicks),
            conversions: None,
        }
    }

    #[test]
    fn spend_is_charted_per_currency_and_counts_add_up_across_advertisers() {
        let data = DashboardData {
            totals: vec![],
            series: vec![point("USD", 1, 1_500_000, 3), point("JPY", 2, 700_000_000, 4), point("USD", 9, 1, 1)],
            series_from: day(1),
            series_to: day(3),
            top: vec![],
            splits: vec![],
        };
        let charts = charts(&data);
        let titles: Vec<&str> = charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Spend (JPY)", "Spend (USD)", "Conversions", "Clicks", "Impressions"]);
        assert_eq!(charts[1].table[0], vec!["1 Mar 2026".to_string(), "1.50".to_string()]);
        let clicks: Vec<&str> = charts[3].table.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(clicks, ["3", "4", "0"], "a day outside the series is left out");
        assert!(charts[0].svg.starts_with("<svg"));
    }

    #[test]
    fn a_top_campaign_links_to_its_ad_groups_over_the_same_days() {
        let data = DashboardData {
            totals: vec![],
            series: vec![],
            series_from: day(1),
            series_to: day(1),
            top: vec![TopRow {
                campaign_id: "c9".into(),
                name: None,
                account_id: 3,
                advertiser: "Shop".into(),
                currency: Some("USD".into()),
                spend: Some(1_234_560_000),
            }],
            splits: vec![],
        };
        let query = DashboardQuery { account: None, range: Range { preset: Preset::Last30, from: None, to: None } };
        let shown = Shown { empty: None, accounts: vec![], attention: vec![], pending_review: vec![] };
        let d = board(query, shown, None, day(1), day(30), &data);
        let top = &d.top[0];
        assert_eq!((top.name.as_str(), top.spend.as_str()), ("#c9", "1,234.56 USD"));
        assert!(top.href.contains("level=adgroups") && top.href.contains("campaign=c9"), "{}", top.href);
        assert!(top.href.contains(&format!("range={}", Preset::Last30.key())), "{}", top.href);
    }

    #[test]
    fn freshness_is_said_for_the_oldest_account() {
        use super::super::attention::tests::{account, state};
        let idle = || state(Access::Connected, Activity::Idle, LastSync::Never);
        let (mut a, b) = (account(1, "Shop", idle(), true), account(2, "Outlet", idle(), true));
        let synced = b.account.last_synced_at.unwrap();
        a.account.last_synced_at = Some(synced + Duration::minutes(30));
        assert_eq!(freshness(&[&a, &b], synced + Duration::minutes(45)).as_deref(), Some("Last synced 45 min ago"));
        assert_eq!(freshness(&[&a], synced + Duration::minutes(30)).as_deref(), Some("Last synced just now"));
        assert_eq!(freshness(&[&b], synced + Duration::hours(3)).as_deref(), Some("Last synced 3 h ago"));
        assert_eq!(freshness(&[&b], synced + Duration::days(4)).as_deref(), Some("Last synced 4 days ago"));
        let never = account(3, "New", idle(), false);
        assert_eq!(freshness(&[&never], synced), None);
    }
}
