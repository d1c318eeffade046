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
    reports::{AccountHealth, DashboardData, Sums},
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
        totals: data.totals.iter().map(|(currency, now, before)| kpis(currency, *now, *before)).collect(),
        charts: charts(data),
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
        table: days.iter().zip(values).map(|(d, v)| vec![d.format("%-d %b %Y").to_string(), label(*v)]).collect(),
    }
}

/// `num × scale ÷ den`, when there is a denominator.
fn ratio(num: i64, den: i64, scale: f64) -> Option<f64> {
    (den > 0).then(|| num as f64 * scale / den as f64)
}

/// A KPI before its change is worked out: its label, its value shown, the figure now and
/// before, and whether more is good news (`None` where up is neither: spend).
type Line<'a> = (&'a str, Option<String>, (Option<f64>, Option<f64>), Option<bool>);

/// The eight totals of a currency, each with its change against the period before.
fn kpis(currency: &str, now: Sums, before: Sums) -> CurrencyKpis {
    let both = |f: fn(&Sums) -> Option<f64>| (f(&now), f(&before));
    let f = figures(now);
    let with_unit = |v: &Option<String>| v.as_ref().map(|v| format!("{v} {currency}"));
    let lines: [Line; 8] = [
        ("Spend", with_unit(&Some(f.spend.clone())), both(|s| Some(s.spend_micros as f64)), None),
        ("Impressions", Some(count(now.impressions)), both(|s| Some(s.impressions as f64)), Some(true)),
        ("Clicks", Some(count(now.clicks)), both(|s| Some(s.clicks as f64)), Some(true)),
        ("Conversions", Some(count(now.conversions)), both(|s| Some(s.conversions as f64)), Some(true)),
        ("CTR", f.ctr.clone(), both(|s| ratio(s.clicks, s.impressions, 1.0)), Some(true)),
        ("CPC", with_unit(&f.cpc), both(|s| ratio(s.spend_micros, s.clicks, 1.0)), Some(false)),
        ("CPM", with_unit(&f.cpm), both(|s| ratio(s.spend_micros, s.impressions, 1000.0)), Some(false)),
        (
            "Cost per conversion",
            with_unit(&f.cost_per_conversion),
            both(|s| ratio(s.spend_micros, s.conversions, 1.0)),
            Some(false),
        ),
    ];
    let kpis = lines
        .into_iter()
        .map(|(label, value, (now, before), up_is_good)| {
            let delta = match (now, before) {
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
            Kpi { label: label.to_owned(), value, change: delta.map(|(t, _)| t), trend }
        })
        .collect();
    CurrencyKpis { currency: currency.to_owned(), kpis, figures: f }
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
        reports::{DailyPoint, TopRow},
    };

    fn kpi<'a>(k: &'a CurrencyKpis, label: &str) -> &'a Kpi {
        k.kpis.iter().find(|k| k.label == label).unwrap()
    }

    #[test]
    fn a_cost_going_up_is_bad_news_and_results_going_up_good() {
        let now = Sums { spend_micros: 200_000_000, impressions: 10_000, clicks: 100, conversions: 5 };
        let before = Sums { spend_micros: 100_000_000, impressions: 10_000, clicks: 50, conversions: 5 };
        let k = kpis("USD", now, before);
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
        let now = Sums { spend_micros: 0, impressions: 0, clicks: 0, conversions: 0 };
        let k = kpis("EUR", now, Sums::default());
        let ctr = kpi(&k, "CTR");
        assert_eq!((ctr.value.as_deref(), ctr.change.as_deref(), ctr.trend), (None, None, Trend::Neutral));
        assert_eq!(kpi(&k, "CPC").value, None, "not '— EUR'");
        assert_eq!(kpi(&k, "Spend").change, None, "nothing before to compare with");
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
