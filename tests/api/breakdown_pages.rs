//! Who saw the ads, where people look: a campaign's page shows its results by age and gender,
//! platform and country for the range, summed from the split rows the sync stored.

use crate::reports::{app_with, campaigns, last, synced, table, US};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};
use wevion::{
    db::entities::tiktok_insight_breakdown as breakdown,
    model::{
        format::money,
        reports::{AdsQuery, AudienceView, Breakdown, Dimension, Level, Metric, Preset},
    },
    reports::bucket_labels,
    sandbox::BUSINESS_USER,
};

/// The campaign page of the campaign that spent most over the last 30 days.
async fn campaign_page(app: &crate::helpers::TestApp, audience: AudienceView) -> (String, AdsQuery) {
    let top = table(app, &campaigns(last(Preset::Last30))).await;
    let id = top.rows[0].id.clone();
    let q = AdsQuery {
        level: Level::AdGroup,
        campaign: Some(id.clone()),
        range: last(Preset::Last30),
        audience,
        ..AdsQuery::default()
    };
    (id, q)
}

/// Stored spend of one campaign's breakdown over the days, by the bucket's labels on the page.
async fn stored_spend(
    app: &crate::helpers::TestApp,
    campaign: &str,
    by: Breakdown,
    days: (chrono::NaiveDate, chrono::NaiveDate),
) -> BTreeMap<Vec<String>, i64> {
    let rows = breakdown::Entity::find()
        .filter(breakdown::Column::ObjectId.eq(campaign))
        .filter(breakdown::Column::Breakdown.eq(by))
        .filter(breakdown::Column::Date.between(days.0, days.1))
        .all(&app.state.db)
        .await
        .unwrap();
    let mut spend = BTreeMap::new();
    for r in rows {
        let key = bucket_labels(by, &r.age, &r.gender, &r.platform, &r.country_code);
        *spend.entry(key).or_insert(0) += r.spend_micros.unwrap_or(0);
    }
    spend
}

#[tokio::test]
async fn a_campaigns_breakdowns_equal_its_stored_split_rows_for_the_range() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;

    for by in [Breakdown::AgeGender, Breakdown::Platform, Breakdown::Country] {
        let (id, q) = campaign_page(&app, AudienceView { by, metric: Metric::Spend }).await;
        let page = table(&app, &q).await;
        let section = page.breakdowns.expect("a campaign's page has its breakdowns");
        assert_eq!(section.view.by, by);
        let chart = section.chart.expect("the sandbox's campaigns have split rows");
        let days = (page.from.unwrap(), page.to.unwrap());
        let stored = stored_spend(&app, &id, by, days).await;
        assert!(!stored.is_empty());
        assert_eq!(chart.table.len(), stored.len(), "{by:?}: one line per bucket (fewer than ten countries)");
        let spend_at = chart.table_head.iter().position(|h| h == "Spend (USD)").expect("spend in dollars");
        let labels = if by == Breakdown::AgeGender { 2 } else { 1 };
        let got: BTreeMap<Vec<String>, String> =
            chart.table.iter().map(|row| (row[..labels].to_vec(), row[spend_at].clone())).collect();
        let expected: BTreeMap<Vec<String>, String> = stored.into_iter().map(|(k, s)| (k, money(s))).collect();
        assert_eq!(got, expected, "{by:?}: each bucket's spend is its stored rows' sum");
        assert_eq!(section.tabs.iter().filter(|t| t.current).map(|t| t.key.as_str()).collect::<Vec<_>>(), [by.key()]);
    }
}

#[tokio::test]
async fn only_a_campaigns_page_has_breakdowns_and_its_choice_keeps_the_table() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let all = table(&app, &campaigns(last(Preset::Last30))).await;
    assert!(all.breakdowns.is_none(), "the list of campaigns has none");
    let (_, q) = campaign_page(&app, AudienceView::default()).await;
    let by_age = table(&app, &q).await;
    let by_country =
        table(&app, &AdsQuery { audience: AudienceView { by: Breakdown::Country, ..q.audience }, ..q.clone() }).await;
    assert_eq!(by_age.rows, by_country.rows, "the breakdown shown changes no ad group's line");
    let tab = &by_age.breakdowns.unwrap().tabs[2];
    assert!(tab.href.contains("audience=country") && tab.href.contains("level=adgroups"), "{}", tab.href);
}

#[tokio::test]
async fn the_campaign_table_broken_down_by_age_splits_each_campaign_into_its_stored_ages_largest_first() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let q = AdsQuery { breakdown: Some(Dimension::Age), ..campaigns(last(Preset::Last30)) };
    let t = table(&app, &q).await;
    let days = (t.from.unwrap(), t.to.unwrap());
    assert!(t.rows.iter().any(|r| !r.split.is_empty()), "the sandbox's campaigns have split rows");
    for row in &t.rows {
        let stored = stored_spend(&app, &row.id, Breakdown::AgeGender, days).await;
        let mut by_age: BTreeMap<String, i64> = BTreeMap::new();
        for (labels, spend) in stored {
            *by_age.entry(labels[0].clone()).or_insert(0) += spend;
        }
        let shown: BTreeMap<String, i64> =
            row.split.iter().map(|l| (l.value.clone(), l.figures.spend_micros)).collect();
        assert_eq!(shown, by_age, "{}: one line per age, its stored rows summed", row.name);
        let spends: Vec<i64> = row.split.iter().map(|l| l.figures.spend_micros).collect();
        assert!(spends.windows(2).all(|w| w[0] >= w[1]), "sorted like the table, largest spend first: {spends:?}");
        if !row.split.is_empty() {
            assert_eq!(spends.iter().sum::<i64>(), row.figures.spend_micros, "the ages add up to the campaign");
        }
    }
    let plain = table(&app, &campaigns(last(Preset::Last30))).await;
    assert!(plain.rows.iter().all(|r| r.split.is_empty()), "no breakdown, no split lines");
}

#[tokio::test]
async fn the_csv_broken_down_has_a_line_per_campaign_and_value_adding_up_to_the_campaigns_line() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let plain = campaigns(last(Preset::Last30));
    let split = AdsQuery { breakdown: Some(Dimension::Gender), ..plain.clone() };
    let read = |q: AdsQuery| {
        let app = &app;
        async move {
            let response = app.get(&format!("/ads/export.csv?{}", q.to_query())).await;
            assert_eq!(response.status(), 200);
            let body = response.text().await.unwrap();
            let mut csv = csv::Reader::from_reader(body.as_bytes());
            let head: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
            (head, csv.records().map(Result::unwrap).collect::<Vec<_>>())
        }
    };
    let (head, campaigns) = read(plain).await;
    let (split_head, lines) = read(split.clone()).await;
    assert_eq!(&split_head[..3], ["campaign", "TikTok ID", "Gender"]);
    assert_eq!(split_head[3..], head[2..], "the value after the campaign, then the same columns");
    let col = |head: &[String], name: &str| head.iter().position(|h| h == name).unwrap();
    let page = table(&app, &split).await;
    let values: HashMap<&str, usize> = page.rows.iter().map(|r| (r.id.as_str(), r.split.len().max(1))).collect();
    let mut per_campaign: HashMap<String, (usize, i64, i64, f64)> = HashMap::new();
    for l in &lines {
        let e = per_campaign.entry(l[1].to_owned()).or_default();
        e.0 += 1;
        e.1 += l[col(&split_head, "Impressions")].parse::<i64>().unwrap();
        e.2 += l[col(&split_head, "Clicks")].parse::<i64>().unwrap();
        e.3 += l[col(&split_head, "Spend")].parse::<f64>().unwrap();
    }
    assert_eq!(per_campaign.len(), campaigns.len(), "every campaign is there");
    for c in &campaigns {
        let (n, impressions, clicks, spend) = per_campaign[&c[1]];
        assert_eq!(n, values[&c[1]], "{}: one line per gender it has", &c[0]);
        assert_eq!(impressions, c[col(&head, "Impressions")].parse::<i64>().unwrap(), "{}", &c[0]);
        assert_eq!(clicks, c[col(&head, "Clicks")].parse::<i64>().unwrap(), "{}", &c[0]);
        let whole = c[col(&head, "Spend")].parse::<f64>().unwrap();
        assert!((spend - whole).abs() <= 0.005 * n as f64 + 1e-9, "{}: {spend} against {whole}", &c[0]);
    }
}

#[tokio::test]
async fn a_day_tiktok_has_not_split_yet_is_one_line_of_its_own_so_the_lines_still_add_up() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let q = AdsQuery { breakdown: Some(Dimension::Age), ..campaigns(last(Preset::Last30)) };
    // Not broken down first: the table's split lines are kept until a sync writes.
    let before = table(&app, &AdsQuery { breakdown: None, ..q.clone() }).await;
    let top = &before.rows[0];
    // The last day's split rows of the top campaign are not there (TikTok splits a day late).
    let last_day = before.to.unwrap();
    let gone = breakdown::Entity::delete_many()
        .filter(breakdown::Column::ObjectId.eq(&top.id))
        .filter(breakdown::Column::Date.eq(last_day))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert!(gone.rows_affected > 0);
    let range = wevion::model::reports::Range { preset: Preset::Custom, from: Some(last_day), to: Some(last_day) };
    let day = AdsQuery { range, ..q.clone() };
    let that_day = table(&app, &AdsQuery { breakdown: None, ..day }).await;
    let day_spend = that_day.rows.iter().find(|r| r.id == top.id).unwrap().figures.spend_micros;
    assert!(day_spend > 0, "the campaign spent on its last day");

    let after = table(&app, &q).await;
    // The sandbox's last days were read less than 16 hours after they ended.
    assert!(matches!(&after.split_notes[..], [n] if n.starts_with("Complete through")), "{:?}", after.split_notes);

    let row = after.rows.iter().find(|r| r.id == top.id).unwrap();
    let rest = row.split.last().unwrap();
    assert_eq!(rest.value, "Not broken down");
    assert_eq!(rest.figures.spend_micros, day_spend, "the day's spend, not yet split by age");
    assert_eq!(row.split.iter().map(|l| l.figures.spend_micros).sum::<i64>(), row.figures.spend_micros);
    assert_eq!(row.split.iter().map(|l| l.figures.impressions).sum::<i64>(), row.figures.impressions);

    let csv = app.get(&format!("/ads/export.csv?{}", q.to_query())).await.text().await.unwrap();
    let mut csv = csv::Reader::from_reader(csv.as_bytes());
    let lines: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).filter(|l| l[1] == top.id).collect();
    assert_eq!(lines.last().map(|l| l[2].to_owned()), Some("Not broken down".into()), "the CSV has the line too");
    assert_eq!(lines.len(), row.split.len());
}

#[tokio::test]
async fn a_breakdown_that_cannot_be_read_leaves_the_table_and_says_so() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let plain = table(&app, &campaigns(last(Preset::Last30))).await;
    use sea_orm::ConnectionTrait;
    app.state.db.execute_unprepared("DROP TABLE tiktok_insight_breakdown").await.unwrap();

    let broken =
        table(&app, &AdsQuery { breakdown: Some(Dimension::Country), ..campaigns(last(Preset::Last30)) }).await;

    let figures = |t: &wevion::model::reports::AdsTable| t.rows.iter().map(|r| r.figures.clone()).collect::<Vec<_>>();
    assert_eq!(figures(&broken), figures(&plain), "the campaigns' own lines show");
    assert!(broken.rows.iter().all(|r| r.split.is_empty()));
    assert_eq!(broken.split_notes.len(), 1);
    assert!(broken.split_notes[0].starts_with("The breakdown could not be read just now"), "{:?}", broken.split_notes);
}
