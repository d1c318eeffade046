//! One reporting currency: totals across advertisers in USD, EUR and JPY converted day by day at
//! the workspace's stored rates, exact against a hand computation, every ratio from converted parts.

use crate::reports::{app_with, synced, US};
use chrono::{Duration, NaiveDate};
use rust_decimal::{prelude::ToPrimitive, Decimal, RoundingStrategy};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};
use wevion::{
    db::{
        self,
        entities::{exchange_rate, tiktok_ad_account, tiktok_insight_daily as daily},
    },
    model::{
        currency::Currency,
        reports::{Level, Metric},
    },
    rates::RatesService,
    reports::{Conversion, Converted, Part},
    roles::Role,
    sandbox::{BUSINESS_USER, SECOND_BUSINESS_USER},
};

const EU: &str = "7000000000000000002";
const JAPAN: &str = "7000000000000000004";

fn rate_of(currency: &str, day: NaiveDate) -> Decimal {
    let n = day.format("%d").to_string().parse::<i64>().unwrap();
    match currency {
        "USD" => Decimal::new(9187, 4) + Decimal::new(n, 5),
        "JPY" => Decimal::new(6123, 6) + Decimal::new(n, 8),
        other => panic!("no rate for {other}"),
    }
}

/// Spend and purchase value in EUR, each stored advertiser day at `rate` (None: that currency
/// day is skipped), rounded once at the end.
async fn by_hand(
    app: &crate::helpers::TestApp,
    (from, to): (NaiveDate, NaiveDate),
    rate: impl Fn(&str, NaiveDate) -> Decimal,
) -> (i64, i64) {
    let currencies: HashMap<i32, String> = tiktok_ad_account::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.currency.unwrap()))
        .collect();
    let rows = daily::Entity::find()
        .filter(daily::Column::Level.eq(Level::Advertiser))
        .filter(daily::Column::Date.between(from, to))
        .all(&app.state.db)
        .await
        .unwrap();
    let (mut spend, mut value) = (Decimal::ZERO, Decimal::ZERO);
    for r in rows {
        let currency = &currencies[&r.ad_account_id];
        let rate = if currency == "EUR" { Decimal::ONE } else { rate(currency, r.date) };
        spend += Decimal::from(r.spend_micros.unwrap_or(0)) * rate;
        value += Decimal::from(r.purchase_value_micros.unwrap_or(0)) * rate;
    }
    let once = |d: Decimal| d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).to_i64().unwrap();
    (once(spend), once(value))
}

/// A workspace with USD, EUR and JPY advertisers synced, reporting in EUR, and its id.
async fn three_currencies() -> (crate::helpers::TestDb, crate::helpers::TestApp, i32) {
    let (db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US, EU]).await;
    let bob = app.second_member("Acme", "bob@acme.test", Role::Manager).await;
    synced(&bob, SECOND_BUSINESS_USER, &[JAPAN]).await;
    let ws = db::accounts::workspace_named(&app.state.db, "Acme").await.unwrap().unwrap().id;
    let eur = Currency::parse("EUR").unwrap();
    rates_of(&app).set_reporting_currency(ws, Some(&eur)).await.unwrap();
    assert_eq!(rates_of(&app).reporting_currency(ws).await.unwrap(), Some(eur));
    (db, app, ws)
}

async fn import(app: &crate::helpers::TestApp, ws: i32, days: impl Iterator<Item = NaiveDate>, skip: &[NaiveDate]) {
    let mut file = String::from("date,currency,rate\n");
    for day in days {
        for currency in ["USD", "JPY"] {
            if !(currency == "USD" && skip.contains(&day)) {
                file.push_str(&format!("{day},{currency},{}\n", rate_of(currency, day)));
            }
        }
    }
    rates_of(app).import(ws, &Currency::parse("EUR").unwrap(), file.as_bytes()).await.unwrap();
}

fn rates_of(app: &crate::helpers::TestApp) -> RatesService {
    RatesService::new(app.state.db.clone(), app.clock.clone())
}

fn converted(c: &Conversion) -> &Converted {
    match c {
        Conversion::Converted(c) => c,
        Conversion::NoRate(missing) => panic!("no rate for {missing:?}"),
    }
}

#[tokio::test]
async fn totals_in_three_currencies_are_each_day_converted_at_its_rate_and_rounded_once() {
    let (_db, app, ws) = three_currencies().await;
    let to = app.clock_now().date_naive() - Duration::days(1);
    let from = to - Duration::days(6);
    let since = from - Duration::days(7);
    import(&app, ws, since.iter_days().take_while(|d| *d <= to), &[]).await;

    let totals = app.state.reports.converted_totals(ws, None, from, to).await.unwrap().expect("EUR is set");

    assert_eq!(totals.to.as_str(), "EUR");
    let now = converted(&totals.now);
    let (spend, value) = by_hand(&app, (from, to), rate_of).await;
    assert!(spend > 0 && value > 0);
    assert_eq!((now.sums.get(Part::Spend), now.sums.get(Part::PurchaseValue)), (Some(spend), Some(value)));
    assert!(now.borrowed.is_empty(), "every day had its rate");
    let before = converted(&totals.before);
    let (spend_before, _) = by_hand(&app, (since, from - Duration::days(1)), rate_of).await;
    assert_eq!(before.sums.get(Part::Spend), Some(spend_before), "the period before, converted alike");
    // ROAS from the converted parts: converted value over converted spend.
    let roas = (Decimal::from(value) / Decimal::from(spend)).to_f64().unwrap();
    let shown: f64 = now.sums.text(Metric::Roas, false).unwrap().parse().unwrap();
    assert!((shown - roas).abs() <= 0.005, "ROAS {shown} against {roas}");
}

#[tokio::test]
async fn a_day_without_its_rate_takes_the_earlier_days_and_is_flagged_and_no_rate_at_all_keeps_currencies_apart() {
    let (_db, app, ws) = three_currencies().await;
    let to = app.clock_now().date_naive() - Duration::days(1);
    let from = to - Duration::days(6);
    let gap = from + Duration::days(2);
    import(&app, ws, (from - Duration::days(7)).iter_days().take_while(|d| *d <= to), &[gap]).await;

    let totals = app.state.reports.converted_totals(ws, None, from, to).await.unwrap().unwrap();

    let now = converted(&totals.now);
    let earlier = |c: &str, d: NaiveDate| rate_of(c, if c == "USD" && d == gap { gap - Duration::days(1) } else { d });
    assert_eq!(now.sums.get(Part::Spend), Some(by_hand(&app, (from, to), earlier).await.0));
    let usd = Currency::parse("USD").unwrap();
    assert_eq!(now.borrowed.get(&usd), Some(&BTreeSet::from([gap])), "the day is named");

    // A currency whose only rate is from before both periods: it serves every day, each named.
    exchange_rate::Entity::delete_many()
        .filter(exchange_rate::Column::Currency.eq("USD"))
        .exec(&app.state.db)
        .await
        .unwrap();
    let long_ago = from - Duration::days(30);
    rates_of(&app)
        .import(ws, &Currency::parse("EUR").unwrap(), format!("{long_ago},USD,0.5\n").as_bytes())
        .await
        .unwrap();
    let totals = app.state.reports.converted_totals(ws, None, from, to).await.unwrap().unwrap();
    let now = converted(&totals.now);
    let old_rate = |c: &str, d: NaiveDate| if c == "USD" { Decimal::new(5, 1) } else { rate_of(c, d) };
    assert_eq!(now.sums.get(Part::Spend), Some(by_hand(&app, (from, to), old_rate).await.0));
    assert_eq!(now.borrowed[&usd].len(), 7, "every day of the range took it");

    // Without any JPY rate on or before the range, the totals cannot be converted.
    exchange_rate::Entity::delete_many()
        .filter(exchange_rate::Column::Currency.eq("JPY"))
        .exec(&app.state.db)
        .await
        .unwrap();
    let totals = app.state.reports.converted_totals(ws, None, from, to).await.unwrap().unwrap();
    assert_eq!(totals.now, Conversion::NoRate(BTreeSet::from([Currency::parse("JPY").unwrap()])));
    rates_of(&app).set_reporting_currency(ws, None).await.unwrap();
    assert_eq!(app.state.reports.converted_totals(ws, None, from, to).await.unwrap(), None, "no reporting currency");
}

#[tokio::test]
async fn the_dashboard_shows_one_converted_spend_and_roas_with_each_currency_behind_it() {
    use crate::reports::dashboard;
    use wevion::model::{
        format::money,
        reports::{DashboardQuery, Preset, Range, Reporting},
    };
    let (_db, app, ws) = three_currencies().await;
    let to = app.clock_now().date_naive() - Duration::days(1);
    let from = to - Duration::days(6);
    import(&app, ws, (from - Duration::days(7)).iter_days().take_while(|d| *d <= to), &[]).await;
    let range = Range { preset: Preset::Custom, from: Some(from), to: Some(to) };

    let board = dashboard(&app, &DashboardQuery { range, account: None }).await;

    let Some(Reporting::Converted { totals, notes }) = &board.reporting else { panic!("{:?}", board.reporting) };
    let (spend, value) = by_hand(&app, (from, to), rate_of).await;
    let kpi = |label: &str| totals.kpis.iter().find(|k| k.label == label).unwrap().value.clone().unwrap();
    assert_eq!(kpi("Spend"), format!("{} EUR", money(spend)), "exact to the cent");
    let roas = (Decimal::from(value) / Decimal::from(spend)).to_f64().unwrap();
    assert!((kpi("ROAS").parse::<f64>().unwrap() - roas).abs() <= 0.005);
    assert_eq!(notes[0], "Every advertiser converted to EUR at daily rates: each day at its own rate.");
    assert_eq!(board.totals.len(), 3, "each currency's totals are still there, a click away");

    let one = board.accounts.iter().find(|a| a.currency == "USD").unwrap().id;
    let single = dashboard(&app, &DashboardQuery { range, account: Some(one) }).await;
    assert_eq!(single.reporting, None, "one advertiser's figures stay in its own currency");
}
