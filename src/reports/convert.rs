//! Totals across currencies in one reporting currency. Each currency's sums of each day are
//! converted at that day's rate before they are added: money exactly (millionths times an exact
//! decimal, rounded once, to the millionth, at the end), every other part added as it is, so each
//! ratio comes from converted parts (ROAS is converted purchase value over converted spend, never
//! an average of each currency's ROAS).

use super::{
    sql::{self, Fragment},
    sums::parts_of,
    Part, ReportError, ReportsService, Sums,
};
use crate::{
    db,
    model::{
        currency::Currency,
        ids::AccountId,
        reports::{Level, Metric},
    },
};
use chrono::{Duration, NaiveDate};
use rust_decimal::{prelude::ToPrimitive, Decimal, RoundingStrategy};
use sea_orm::{DbErr, FromQueryResult, QueryResult};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The parts that are money; the rest are counts and seconds.
const MONEY: [Part; 2] = [Part::Spend, Part::PurchaseValue];

/// The rates to one currency, by currency and day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateBook {
    rates: HashMap<Currency, BTreeMap<NaiveDate, Decimal>>,
}

impl RateBook {
    pub fn new(rates: impl IntoIterator<Item = (Currency, NaiveDate, Decimal)>) -> Self {
        let mut book = Self::default();
        for (currency, day, rate) in rates {
            book.rates.entry(currency).or_default().insert(day, rate);
        }
        book
    }

    /// The rate of `currency` on `day`: that day's, else the nearest earlier day's (and that day).
    fn rate(&self, currency: &Currency, day: NaiveDate) -> Option<(Decimal, Option<NaiveDate>)> {
        let (on, rate) = self.rates.get(currency)?.range(..=day).next_back()?;
        Some((*rate, (*on != day).then_some(*on)))
    }
}

/// Sums in the reporting currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub sums: Sums,
    /// Per currency, the days that had no rate of their own and took the nearest earlier one.
    pub borrowed: BTreeMap<Currency, BTreeSet<NaiveDate>>,
}

/// What the conversion of some days' sums gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Conversion {
    Converted(Box<Converted>),
    /// These currencies have a day with no rate on or before it: totals stay per currency.
    NoRate(BTreeSet<Currency>),
}

/// `days` (each currency's sums of one day) added up in `to`, at `book`'s rates.
pub fn convert(days: &[(Currency, NaiveDate, Sums)], to: &Currency, book: &RateBook) -> Conversion {
    // Nothing delivered counts as 0 spend (as per currency), not as no figure.
    let nothing = Sums::nothing_delivered();
    let mut money = MONEY.map(|p| nothing.get(p).map(Decimal::from));
    let mut others = nothing;
    MONEY.iter().for_each(|p| others.set(*p, None));
    let (mut borrowed, mut missing) = (BTreeMap::<Currency, BTreeSet<NaiveDate>>::new(), BTreeSet::new());
    for (currency, day, sums) in days {
        let rate = match book.rate(currency, *day) {
            _ if currency == to => Decimal::ONE,
            Some((rate, None)) => rate,
            Some((rate, Some(_))) => {
                borrowed.entry(currency.clone()).or_default().insert(*day);
                rate
            }
            None => {
                missing.insert(currency.clone());
                continue;
            }
        };
        for (total, part) in money.iter_mut().zip(MONEY) {
            if let Some(micros) = sums.get(part) {
                let converted = Decimal::from(micros).checked_mul(rate);
                *total = match (*total, converted) {
                    (Some(t), Some(c)) => t.checked_add(c),
                    (None, c) => c,
                    (Some(_), None) => None,
                };
            }
        }
        let mut counts = *sums;
        MONEY.iter().for_each(|p| counts.set(*p, None));
        others = others.plus(&counts);
    }
    if !missing.is_empty() {
        return Conversion::NoRate(missing);
    }
    let mut sums = others;
    for (total, part) in money.into_iter().zip(MONEY) {
        // The one rounding: to the millionth every sum is kept in.
        sums.set(
            part,
            total.and_then(|t| t.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).to_i64()),
        );
    }
    Conversion::Converted(Box::new(Converted { sums, borrowed }))
}

/// A workspace's totals in its reporting currency: the range's and the period's before it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertedTotals {
    pub to: Currency,
    pub now: Conversion,
    pub before: Conversion,
}

/// One currency's sums of one day.
struct DaySums {
    currency: Option<String>,
    date: NaiveDate,
    sums: Sums,
}

impl FromQueryResult for DaySums {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            currency: res.try_get(pre, "currency")?,
            date: res.try_get(pre, "date")?,
            sums: Sums::from_query_result(res, pre)?,
        })
    }
}

impl ReportsService {
    /// The Dashboard's totals of `workspace_id` (one account or all) over `from..=to` and the
    /// period of the same length before it, in the workspace's reporting currency; none when it
    /// has none.
    pub async fn converted_totals(
        &self,
        workspace_id: i32,
        account: Option<AccountId>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<ConvertedTotals>, ReportError> {
        let Some(into) =
            db::rates::reporting_currency(&self.db, workspace_id).await?.as_deref().and_then(Currency::parse)
        else {
            return Ok(None);
        };
        let since = from - Duration::days((to - from).num_days() + 1);
        let _turn = self.query_turn((to - from).num_days() >= super::LONG_RANGE_DAYS).await?;
        let mut stmt = Fragment::sql(format!(
            "SELECT a.currency, i.date, {} FROM tiktok_insight_daily i JOIN tiktok_ad_account a ON a.id = i.ad_account_id \
             WHERE a.workspace_id = ",
            sql::sums(&parts_of(Metric::DASHBOARD))
        ))
        .bind(workspace_id);
        if let Some(id) = account {
            stmt = stmt.push(" AND a.id = ").bind(id);
        }
        let stmt = stmt
            .push(" AND i.level = ")
            .bind(Level::Advertiser)
            .push(" AND i.date >= ")
            .bind(since)
            .push(" AND i.date <= ")
            .bind(to)
            .push(" GROUP BY a.currency, i.date")
            .statement(self.db.get_database_backend());
        let days = DaySums::find_by_statement(stmt).all(&self.db).await?;
        let rates = db::rates::rates_for(&self.db, workspace_id, into.as_str(), (since, to)).await?;
        let book = RateBook::new(
            rates
                .into_iter()
                .filter_map(|r| Some((Currency::parse(&r.currency)?, r.day, r.rate.parse::<Decimal>().ok()?))),
        );
        let period = |range: std::ops::RangeInclusive<NaiveDate>| {
            let days: Vec<(Currency, NaiveDate, Sums)> = days
                .iter()
                .filter(|d| range.contains(&d.date))
                .filter_map(|d| Some((Currency::parse(d.currency.as_deref()?)?, d.date, d.sums)))
                .collect();
            convert(&days, &into, &book)
        };
        let (now, before) = (period(from..=to), period(since..=from - Duration::days(1)));
        Ok(Some(ConvertedTotals { to: into, now, before }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn sums(spend: i64, value: i64, clicks: i64) -> Sums {
        let mut s = Sums::default();
        s.set(Part::Spend, Some(spend));
        s.set(Part::PurchaseValue, Some(value));
        s.set(Part::Clicks, Some(clicks));
        s
    }

    fn rate(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn each_day_is_converted_at_its_own_rate_and_rounded_once() {
        let book = RateBook::new([
            (cur("USD"), day(1), rate("0.9187")),
            (cur("USD"), day(2), rate("0.9201")),
            (cur("AUD"), day(1), rate("0.6010")),
        ]);
        let days = [
            (cur("USD"), day(1), sums(10_000_001, 30_000_000, 4)),
            (cur("USD"), day(2), sums(20_000_001, 0, 5)),
            (cur("AUD"), day(1), sums(5_000_000, 12_000_000, 6)),
            (cur("EUR"), day(2), sums(1_000_000, 1_000_000, 1)),
        ];
        let Conversion::Converted(c) = convert(&days, &cur("EUR"), &book) else { panic!("every day has a rate") };
        // 10000001 × 0.9187 + 20000001 × 0.9201 + 5000000 × 0.6010 + 1000000 = 31 594 001.8388
        assert_eq!(c.sums.get(Part::Spend), Some(31_594_002));
        // 30000000 × 0.9187 + 12000000 × 0.6010 + 1000000 = 35 773 000
        assert_eq!(c.sums.get(Part::PurchaseValue), Some(35_773_000));
        assert_eq!(c.sums.get(Part::Clicks), Some(16), "counts are added as they are");
        assert!(c.borrowed.is_empty());
    }

    #[test]
    fn a_day_without_a_rate_takes_the_nearest_earlier_one_and_says_so() {
        let book = RateBook::new([(cur("USD"), day(1), rate("0.9")), (cur("USD"), day(5), rate("0.5"))]);
        let days = [(cur("USD"), day(3), sums(1_000_000, 0, 0)), (cur("USD"), day(4), sums(1_000_000, 0, 0))];
        let Conversion::Converted(c) = convert(&days, &cur("EUR"), &book) else { panic!("day 1's rate serves") };
        assert_eq!(c.sums.get(Part::Spend), Some(1_800_000));
        assert_eq!(c.borrowed[&cur("USD")], BTreeSet::from([day(3), day(4)]));
    }

    #[test]
    fn a_currency_with_no_rate_on_or_before_its_day_leaves_the_totals_per_currency() {
        let book = RateBook::new([(cur("USD"), day(2), rate("0.9"))]);
        let days = [(cur("USD"), day(1), sums(1, 0, 0)), (cur("AUD"), day(2), sums(1, 0, 0))];
        assert_eq!(convert(&days, &cur("EUR"), &book), Conversion::NoRate(BTreeSet::from([cur("AUD"), cur("USD")])));
    }

    #[test]
    fn a_part_tiktok_gave_no_value_for_stays_without_one() {
        let mut no_value = sums(1_000_000, 0, 1);
        no_value.set(Part::PurchaseValue, None);
        let book = RateBook::new([(cur("USD"), day(1), rate("2"))]);
        let Conversion::Converted(c) = convert(&[(cur("USD"), day(1), no_value)], &cur("EUR"), &book) else { panic!() };
        assert_eq!((c.sums.get(Part::Spend), c.sums.get(Part::PurchaseValue)), (Some(2_000_000), None));
    }
}
