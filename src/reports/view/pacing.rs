//! Today by hour in words: per currency, cumulative spend and results through each hour of the
//! advertisers' today against yesterday's at the same hour, and how today is pacing ("12% ahead
//! of yesterday at 14:00"). Each advertiser's hours are its own clock's, as TikTok reports them;
//! the comparison counts, for each advertiser, the hours of today held whole (see [`Clock`]), and
//! the same hours of yesterday.

use super::chart;
use crate::{
    model::{
        format::{count, money, NO_VALUE},
        reports::{Chart, Pacing},
    },
    reports::{
        pacing::{Clock, HourRow},
        AccountHealth,
    },
};
use std::collections::BTreeMap;

/// What is summed by the hour.
#[derive(Clone, Copy)]
enum Figure {
    Spend,
    Results,
}

impl Figure {
    /// An hour's value (money in millionths).
    fn of(self, r: &HourRow) -> i64 {
        match self {
            Figure::Spend => r.spend.unwrap_or(0),
            Figure::Results => r.results.unwrap_or(0),
        }
    }

    fn said(self, v: i64) -> String {
        match self {
            Figure::Spend => money(v),
            Figure::Results => count(v),
        }
    }

    /// Drawn in whole units.
    fn drawn(self, v: i64) -> f64 {
        match self {
            Figure::Spend => v as f64 / 1e6,
            Figure::Results => v as f64,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Figure::Spend => "Spend",
            Figure::Results => "Results",
        }
    }
}

/// The accounts' hours per currency (money is never added across currencies).
pub(super) fn pacing(accounts: &[&AccountHealth], clocks: &[Clock], rows: &[HourRow]) -> Vec<Pacing> {
    let mut currencies: BTreeMap<String, Vec<Clock>> = BTreeMap::new();
    for clock in clocks {
        if let Some(a) = accounts.iter().find(|a| a.account.id == clock.account_id) {
            currencies.entry(a.currency()).or_default().push(*clock);
        }
    }
    currencies
        .into_iter()
        .map(|(currency, clocks)| {
            let (spend, spend_line) = curve(Figure::Spend, &clocks, rows, &currency);
            let (results, results_line) = curve(Figure::Results, &clocks, rows, "");
            Pacing { currency, charts: vec![spend, results], lines: vec![spend_line, results_line] }
        })
        .collect()
}

/// One figure's chart (today's cumulative hours that have ended against yesterday's) and how
/// today is pacing.
fn curve(figure: Figure, clocks: &[Clock], rows: &[HourRow], currency: &str) -> (Chart, String) {
    let (mut today, mut yesterday) = ([0_i64; 24], [0_i64; 24]);
    // Today's and yesterday's totals through each advertiser's hours that have ended.
    let (mut now, mut then) = (0_i64, 0_i64);
    for r in rows {
        let Some(clock) = clocks.iter().find(|c| c.account_id == r.account_id) else { continue };
        let Some(h) = usize::try_from(r.hour).ok().filter(|h| *h < 24) else { continue };
        let value = figure.of(r);
        let ended = h < clock.hours_ended as usize;
        // Saturating: sums past 64 bits are far beyond any day's delivery.
        if r.date == clock.today {
            today[h] = today[h].saturating_add(value);
            now = now.saturating_add(if ended { value } else { 0 });
        } else {
            yesterday[h] = yesterday[h].saturating_add(value);
            then = then.saturating_add(if ended { value } else { 0 });
        }
    }
    let ended = clocks.iter().map(|c| c.hours_ended as usize).max().unwrap_or(0).min(24);
    let mut today = cumulative(&today);
    today.truncate(ended);
    let yesterday = cumulative(&yesterday);
    let exact: fn(f64) -> String = match figure {
        Figure::Spend => |v| money((v * 1e6).round() as i64),
        Figure::Results => |v| count(v.round() as i64),
    };
    let title = match currency {
        "" => format!("{} today by hour", figure.label()),
        c => format!("{} ({c}) today by hour", figure.label()),
    };
    let table = (0..24)
        .map(|h| {
            let said = |v: Option<&i64>| v.map_or_else(|| NO_VALUE.to_owned(), |v| figure.said(*v));
            vec![format!("{h:02}:00–{:02}:00", h + 1), said(today.get(h)), said(yesterday.get(h))]
        })
        .collect();
    let drawn = |values: &[i64]| values.iter().map(|v| figure.drawn(*v)).collect::<Vec<f64>>();
    let chart = Chart {
        svg: chart::hours(&title, &drawn(&today), &drawn(&yesterday), chart::compact, exact, currency),
        title,
        table_head: vec!["Hour".into(), "Today so far".into(), "Yesterday".into()],
        table,
    };
    (chart, pace(figure, now, then, clocks))
}

/// Each hour's running total.
fn cumulative(hours: &[i64]) -> Vec<i64> {
    hours
        .iter()
        .scan(0_i64, |sum, v| {
            *sum = sum.saturating_add(*v);
            Some(*sum)
        })
        .collect()
}

/// "Spend: 12% ahead of yesterday at 14:00".
fn pace(figure: Figure, now: i64, then: i64, clocks: &[Clock]) -> String {
    let at = match clocks.first().map(|c| c.hours_ended) {
        Some(h) if clocks.iter().all(|c| c.hours_ended == h) => format!("at {h:02}:00"),
        _ => "at this hour of each advertiser's day".to_owned(),
    };
    if clocks.iter().all(|c| c.hours_ended == 0) {
        return format!("{}: pacing shows once today's first hour has ended.", figure.label());
    }
    if then <= 0 {
        return format!("{}: nothing by this hour yesterday to compare with.", figure.label());
    }
    let pct = (now as f64 - then as f64) / then as f64 * 100.0;
    match pct {
        p if p.abs() < 0.5 => format!("{}: level with yesterday {at}.", figure.label()),
        p if p > 0.0 => format!("{}: {p:.0}% ahead of yesterday {at}.", figure.label()),
        p => format!("{}: {:.0}% behind yesterday {at}.", figure.label(), p.abs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn hour(account_id: i32, date: NaiveDate, hour: i16, spend_units: i64) -> HourRow {
        HourRow { account_id, date, hour, spend: Some(spend_units * 1_000_000), results: Some(spend_units) }
    }

    #[test]
    fn today_is_compared_with_yesterday_through_the_hours_that_have_ended() {
        let clocks = [Clock { account_id: 1, today: day(2), hours_ended: 2 }];
        let rows = [
            hour(1, day(1), 0, 10),
            hour(1, day(1), 1, 10),
            hour(1, day(1), 2, 100),
            hour(1, day(2), 0, 12),
            hour(1, day(2), 1, 12),
            // The hour under way counts in neither total.
            hour(1, day(2), 2, 50),
        ];
        let (chart, line) = curve(Figure::Spend, &clocks, &rows, "USD");
        assert_eq!(line, "Spend: 20% ahead of yesterday at 02:00.");
        assert_eq!(chart.table[1], ["01:00–02:00", "24.00", "20.00"], "cumulative through each hour");
        assert_eq!(chart.table[2][1], "—", "the hour under way is not drawn yet");
        assert_eq!(chart.title, "Spend (USD) today by hour");
    }

    #[test]
    fn pacing_says_behind_level_or_that_there_is_nothing_to_compare() {
        let at = |h| [Clock { account_id: 1, today: day(2), hours_ended: h }];
        assert_eq!(pace(Figure::Results, 8, 10, &at(9)), "Results: 20% behind yesterday at 09:00.");
        assert_eq!(pace(Figure::Spend, 10, 10, &at(9)), "Spend: level with yesterday at 09:00.");
        assert_eq!(pace(Figure::Spend, 10, 0, &at(9)), "Spend: nothing by this hour yesterday to compare with.");
        assert!(pace(Figure::Spend, 0, 0, &at(0)).contains("once today's first hour has ended"));
        let apart = [
            Clock { account_id: 1, today: day(2), hours_ended: 9 },
            Clock { account_id: 2, today: day(2), hours_ended: 17 },
        ];
        assert!(pace(Figure::Spend, 11, 10, &apart).ends_with("at this hour of each advertiser's day."));
    }
}
