//! Who saw the ads, where people look: a campaign's page shows its results by age and gender,
//! platform and country for the range, summed from the split rows the sync stored.

use crate::reports::{app_with, campaigns, last, synced, table, US};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;
use wevion::{
    db::entities::tiktok_insight_breakdown as breakdown,
    model::{
        format::money,
        reports::{AdsQuery, AudienceView, Breakdown, Level, Metric, Preset},
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
