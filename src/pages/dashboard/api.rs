//! What the Dashboard asks the server: totals, charts and top campaigns for the state in its URL.

use crate::{error::AppError, model::reports::*};

#[leptos::server(prefix = "/api", endpoint = "dashboard", input = server_fn::codec::Json)]
pub async fn load_dashboard(query: DashboardQuery) -> Result<Dashboard, AppError> {
    use self::ssr::*;
    respond(async move {
        let user = authorize(Capability::View).await?;
        dashboard(&reports()?, user.workspace_id, query).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::super::chart;
    pub use crate::{auth::authorize, error::respond, pages::ads_manager::api::ssr::reports, roles::Capability};
    use crate::{
        error::AppError,
        model::{
            format::{change, count, money},
            reports::*,
        },
        pages::{
            ads_manager::api::ssr::{account_options, attention, empty, report_error},
            format::figures,
        },
        reports::{AccountHealth, ReportsService, Sums},
    };
    use chrono::{DateTime, Duration, NaiveDate, Utc};
    use std::collections::BTreeMap;

    pub async fn dashboard(
        reports: &ReportsService,
        workspace_id: i32,
        query: DashboardQuery,
    ) -> Result<Dashboard, AppError> {
        let accounts = reports.accounts(workspace_id).await?;
        let in_view =
            reports.scope(&accounts, query.account).ok_or_else(|| AppError::not_found("This advertiser account"))?;
        let mut out = Dashboard {
            query: query.clone(),
            empty: empty(&in_view),
            from: None,
            to: None,
            totals: Vec::new(),
            charts: Vec::new(),
            top: Vec::new(),
            accounts: account_options(&accounts),
            freshness: freshness(&in_view, reports.now()),
            attention: attention(&in_view),
        };
        if out.empty.is_some() {
            return Ok(out);
        }
        let owned: Vec<AccountHealth> = in_view.iter().map(|a| (*a).clone()).collect();
        let (from, to) = reports.days(&query.range, &owned);
        let today = owned.iter().map(|a| a.today(reports.now())).max().unwrap_or(to);
        out.from = Some(from);
        out.to = Some(to);
        let data =
            reports.dashboard(workspace_id, &accounts, query.account, from, to, today).await.map_err(report_error)?;

        out.totals = data.totals.iter().map(|(currency, now, before)| kpis(currency, *now, *before)).collect();

        let days: Vec<NaiveDate> = (0..=(data.series_to - data.series_from).num_days())
            .map(|i| data.series_from + Duration::days(i))
            .collect();
        let index = |d: NaiveDate| (d - data.series_from).num_days() as usize;
        let mut spend: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let (mut conversions, mut clicks, mut impressions) =
            (vec![0.0; days.len()], vec![0.0; days.len()], vec![0.0; days.len()]);
        for p in &data.series {
            let i = index(p.date);
            if i >= days.len() {
                continue;
            }
            let currency = p.currency.clone().unwrap_or_else(|| "?".into());
            spend.entry(currency).or_insert_with(|| vec![0.0; days.len()])[i] += p.spend.unwrap_or(0) as f64 / 1e6;
            conversions[i] += p.conversions.unwrap_or(0) as f64;
            clicks[i] += p.clicks.unwrap_or(0) as f64;
            impressions[i] += p.impressions.unwrap_or(0) as f64;
        }
        // Money is charted per currency; counts add up across advertisers.
        for (currency, values) in &spend {
            out.charts.push(chart_of(
                &format!("Spend ({currency})"),
                &days,
                values,
                |v| money((v * 1e6) as i64),
                currency,
            ));
        }
        out.charts.push(chart_of("Conversions", &days, &conversions, |v| count(v as i64), ""));
        out.charts.push(chart_of("Clicks", &days, &clicks, |v| count(v as i64), ""));
        out.charts.push(chart_of("Impressions", &days, &impressions, |v| count(v as i64), ""));

        let range = AdsQuery { range: query.range, ..AdsQuery::default() };
        out.top = data
            .top
            .iter()
            .map(|t| TopCampaign {
                name: t.name.clone().unwrap_or_else(|| format!("#{}", t.campaign_id)),
                advertiser: t.advertiser.clone(),
                spend: format!("{} {}", money(t.spend.unwrap_or(0)), t.currency.clone().unwrap_or_else(|| "?".into())),
                href: AdsQuery {
                    level: Level::AdGroup,
                    campaign: Some(t.campaign_id.clone()),
                    account: Some(t.account_id),
                    ..range.clone()
                }
                .href(),
            })
            .collect();
        Ok(out)
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

    /// The eight totals of a currency, each with its change against the period before.
    fn kpis(currency: &str, now: Sums, before: Sums) -> CurrencyKpis {
        let ratio = |num: f64, den: i64, scale: f64| (den > 0).then(|| num * scale / den as f64);
        let f = figures(now);
        // (label, shown value, now, before, whether up is good: None for neutral)
        type Line<'a> = (&'a str, String, Option<f64>, Option<f64>, Option<bool>);
        let rows: [Line; 8] = [
            (
                "Spend",
                format!("{} {currency}", f.spend),
                Some(now.spend_micros as f64),
                Some(before.spend_micros as f64),
                None,
            ),
            (
                "Impressions",
                count(now.impressions),
                Some(now.impressions as f64),
                Some(before.impressions as f64),
                Some(true),
            ),
            ("Clicks", count(now.clicks), Some(now.clicks as f64), Some(before.clicks as f64), Some(true)),
            (
                "Conversions",
                count(now.conversions),
                Some(now.conversions as f64),
                Some(before.conversions as f64),
                Some(true),
            ),
            (
                "CTR",
                f.ctr.clone(),
                ratio(now.clicks as f64, now.impressions, 1.0),
                ratio(before.clicks as f64, before.impressions, 1.0),
                Some(true),
            ),
            (
                "CPC",
                with_unit(&f.cpc, currency),
                ratio(now.spend_micros as f64, now.clicks, 1.0),
                ratio(before.spend_micros as f64, before.clicks, 1.0),
                Some(false),
            ),
            (
                "CPM",
                with_unit(&f.cpm, currency),
                ratio(now.spend_micros as f64, now.impressions, 1000.0),
                ratio(before.spend_micros as f64, before.impressions, 1000.0),
                Some(false),
            ),
            (
                "Cost per conversion",
                with_unit(&f.cost_per_conversion, currency),
                ratio(now.spend_micros as f64, now.conversions, 1.0),
                ratio(before.spend_micros as f64, before.conversions, 1.0),
                Some(false),
            ),
        ];
        let kpis = rows
            .into_iter()
            .map(|(label, value, now, before, up_is_good)| {
                let delta = match (now, before) {
                    (Some(n), Some(b)) => change(n, b).map(|text| (text, n - b)),
                    _ => None,
                };
                let tone = match (&delta, up_is_good) {
                    (Some((_, d)), Some(good)) if *d != 0.0 => {
                        if (*d > 0.0) == good {
                            "good"
                        } else {
                            "bad"
                        }
                    }
                    _ => "neutral",
                };
                Kpi { label: label.to_owned(), value, change: delta.map(|(t, _)| t), tone: tone.to_owned() }
            })
            .collect();
        CurrencyKpis { currency: currency.to_owned(), kpis, figures: f }
    }

    fn with_unit(value: &str, currency: &str) -> String {
        if value == "—" {
            value.to_owned()
        } else {
            format!("{value} {currency}")
        }
    }

    /// "Last synced 3 min ago", for the account whose data is oldest.
    fn freshness(accounts: &[&AccountHealth], now: DateTime<Utc>) -> Option<String> {
        let oldest = accounts.iter().filter_map(|a| a.account.last_synced_at).min()?;
        let minutes = (now - oldest).num_minutes().max(0);
        Some(match minutes {
            0 => "Last synced just now".to_string(),
            1..=59 => format!("Last synced {minutes} min ago"),
            60..=2879 => format!("Last synced {} h ago", minutes / 60),
            _ => format!("Last synced {} days ago", minutes / 1440),
        })
    }
}
