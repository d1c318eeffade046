//! Ads Manager and the Dashboard over data the sync engine wrote from the sandbox.
//! Long: one test per view and its scoping, each over the same synced data.

use crate::helpers::{app_error, spawn_app_with, TestApp, TestDb, CONNECT, FAST_SANDBOX};
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use wevion::{
    db::entities::{tiktok_ad_account, tiktok_campaign, tiktok_insight_daily},
    error::ErrorCode,
    model::{
        reports::{
            AdsQuery, AdsTable, AudienceView, Badge, Breakdown, ColumnSet, Dashboard, DashboardQuery, Empty, Level,
            Metric, Preset, Range, SortKey,
        },
        tone::Tone,
    },
    roles::Role,
    sandbox::{BUSINESS_USER, SECOND_BUSINESS_USER},
    sync::Outcome,
};

pub(crate) const US: &str = "7000000000000000001";
pub(crate) const JAPAN: &str = "7000000000000000004";

pub(crate) async fn app_with(vars: &[(&'static str, &'static str)]) -> (TestDb, TestApp) {
    let db = TestDb::fresh().await;
    let mut all = CONNECT.to_vec();
    all.extend_from_slice(FAST_SANDBOX);
    all.extend_from_slice(vars);
    let app = spawn_app_with(&db, &all).await;
    app.signed_in_as("Acme", "ann@acme.test", Role::Manager).await;
    (db, app)
}

/// Imports the advertisers and syncs them to the end.
pub(crate) async fn synced(app: &TestApp, tiktok_user: &str, advertisers: &[&str]) {
    app.connect_and_import(tiktok_user, advertisers).await;
    synced_again(app).await;
}

/// Runs every sync that is due.
async fn synced_again(app: &TestApp) {
    for _ in 0..20 {
        if app.state.sync.sync_next().await.expect("sync_next") == Outcome::Idle {
            return;
        }
    }
    panic!("the sync queue never emptied");
}

pub(crate) async fn table(app: &TestApp, query: &AdsQuery) -> AdsTable {
    let response = app.json_fn("ads/table", serde_json::json!({ "query": query })).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

pub(crate) async fn dashboard(app: &TestApp, query: &DashboardQuery) -> Dashboard {
    let response = app.json_fn("dashboard", serde_json::json!({ "query": query })).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

pub(crate) fn last(preset: Preset) -> Range {
    Range { preset, from: None, to: None }
}

pub(crate) fn campaigns(range: Range) -> AdsQuery {
    AdsQuery { range, ..AdsQuery::default() }
}

/// Every page of a query's rows, in order.
pub(crate) async fn every_row(app: &TestApp, query: &AdsQuery) -> Vec<wevion::model::reports::AdsRow> {
    let first = table(app, query).await;
    let mut rows = first.rows;
    for page in 2..=first.pages {
        rows.extend(table(app, &AdsQuery { page, ..query.clone() }).await.rows);
    }
    rows
}

/// The stored daily rows of one object summed over the days: (spend, impressions, clicks, conversions).
async fn stored(app: &TestApp, level: &str, object: &str, from: NaiveDate, to: NaiveDate) -> (i64, i64, i64, i64) {
    let rows = tiktok_insight_daily::Entity::find()
        .filter(tiktok_insight_daily::Column::Level.eq(level))
        .filter(tiktok_insight_daily::Column::ObjectId.eq(object))
        .filter(tiktok_insight_daily::Column::Date.between(from, to))
        .all(&app.state.db)
        .await
        .unwrap();
    rows.iter().fold((0, 0, 0, 0), |(s, i, c, v), r| {
        (
            s + r.spend_micros.unwrap_or(0),
            i + r.impressions.unwrap_or(0),
            c + r.clicks.unwrap_or(0),
            v + r.conversions.unwrap_or(0),
        )
    })
}

fn money(micros: i64) -> String {
    wevion::model::format::money(micros)
}

#[tokio::test]
async fn ads_manager_shows_each_campaign_with_the_sum_of_its_synced_days_and_ratios_from_the_sums() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;

    for preset in [Preset::Today, Preset::Last7, Preset::Last30] {
        let t = table(&app, &campaigns(last(preset))).await;
        assert!(t.empty.is_none());
        let (from, to) = (t.from.unwrap(), t.to.unwrap());
        assert!(!t.rows.is_empty());
        for row in &t.rows {
            let (spend, impressions, clicks, conversions) = stored(&app, "campaign", &row.id, from, to).await;
            let f = &row.figures;
            assert_eq!(
                (f.spend_micros, f.impressions, f.clicks, f.get(Metric::Conversions).map(|c| c.replace(',', ""))),
                (spend, impressions, clicks, Some(conversions.to_string())),
                "{preset:?} {}",
                row.name
            );
            assert_eq!(f.get(Metric::Spend), Some(money(spend).as_str()));
            let text = |m| f.get(m).map(str::to_owned);
            if impressions > 0 {
                assert_eq!(text(Metric::Ctr), Some(format!("{:.2}%", clicks as f64 * 100.0 / impressions as f64)));
                assert_eq!(text(Metric::Cpm), Some(money(spend * 1000 / impressions)));
            } else {
                assert_eq!((text(Metric::Ctr), text(Metric::Cpm)), (None, None), "no impressions, no CTR or CPM");
            }
            if clicks > 0 {
                assert_eq!(text(Metric::Cpc), Some(money(spend / clicks)));
            } else {
                assert_eq!(text(Metric::Cpc), None, "no clicks, no CPC");
            }
            assert_eq!(row.currency, "USD");
        }
        let spend: i64 = t.rows.iter().map(|r| r.figures.spend_micros).sum();
        assert_eq!(t.totals.len(), 1);
        assert_eq!((t.totals[0].currency.as_str(), t.totals[0].figures.spend_micros), ("USD", spend));
    }
    let week = table(&app, &campaigns(last(Preset::Last7))).await;
    let month = table(&app, &campaigns(last(Preset::Last30))).await;
    assert!(month.totals[0].figures.spend_micros > week.totals[0].figures.spend_micros, "a longer range spends more");
    assert_eq!((week.to.unwrap() - week.from.unwrap()).num_days(), 6, "last 7 days include today");
}

#[tokio::test]
async fn a_custom_range_reads_its_days_the_right_way_round() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let week = table(&app, &campaigns(last(Preset::Last7))).await;
    let (from, to) = (week.from.unwrap(), week.to.unwrap());
    let custom = table(&app, &campaigns(Range { preset: Preset::Custom, from: Some(to), to: Some(from) })).await;
    assert_eq!((custom.from, custom.to), (Some(from), Some(to)));
    assert_eq!(custom.totals, week.totals);
}

#[tokio::test]
async fn money_in_different_currencies_is_totalled_separately() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    synced(&app, SECOND_BUSINESS_USER, &[JAPAN]).await;
    let t = table(&app, &campaigns(last(Preset::Last30))).await;
    let currencies: Vec<&str> = t.totals.iter().map(|c| c.currency.as_str()).collect();
    assert_eq!(currencies, ["JPY", "USD"]);
    for total in &t.totals {
        let spend: i64 = t.rows.iter().filter(|r| r.currency == total.currency).map(|r| r.figures.spend_micros).sum();
        assert_eq!(total.figures.spend_micros, spend, "{}", total.currency);
    }

    let d = dashboard(&app, &DashboardQuery { account: None, range: last(Preset::Last30) }).await;
    let kpi_currencies: Vec<&str> = d.totals.iter().map(|c| c.currency.as_str()).collect();
    assert_eq!(kpi_currencies, ["JPY", "USD"]);
    let charts: Vec<&str> = d.charts.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(charts, ["Spend (JPY)", "Spend (USD)", "Conversions", "Clicks", "Impressions"]);
}

#[tokio::test]
async fn deleted_campaigns_are_hidden_until_asked_for() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let all = tiktok_campaign::Entity::find().all(&app.state.db).await.unwrap();
    let live = all.iter().filter(|c| c.operation_status.as_deref() != Some("DELETE") && c.gone_at.is_none()).count();
    let mut deleted =
        all.iter().find(|c| c.operation_status.as_deref() != Some("DELETE")).unwrap().clone().into_active_model();
    deleted.operation_status = Set(Some("DELETE".into()));
    let deleted = deleted.update(&app.state.db).await.unwrap();

    let shown = table(&app, &campaigns(last(Preset::Last30))).await;
    assert_eq!(shown.rows.len(), live - 1);
    assert_eq!(shown.hidden_deleted as usize, all.len() - live + 1, "the page says how many it hides");
    assert!(shown.rows.iter().all(|r| r.id != deleted.campaign_id));
    let with_deleted = table(&app, &AdsQuery { show_deleted: true, ..campaigns(last(Preset::Last30)) }).await;
    assert_eq!((with_deleted.rows.len(), with_deleted.hidden_deleted), (all.len(), 0));
    let row = with_deleted.rows.iter().find(|r| r.id == deleted.campaign_id).unwrap();
    assert!(row.deleted);
    assert_eq!(row.status, Badge { label: "Deleted".into(), tone: Tone::Err });
    assert!(with_deleted.totals[0].figures.spend_micros >= shown.totals[0].figures.spend_micros);
}

#[tokio::test]
async fn pages_and_sorting_cover_every_row_once_in_order() {
    // 12 campaigns × 3 ad groups × 2 ads = 72 ads: two pages.
    let (_db, app) = app_with(&[("SANDBOX_CAMPAIGNS", "12"), ("SANDBOX_ADGROUPS_PER_CAMPAIGN", "3")]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let ads =
        |sort, desc| AdsQuery { level: Level::Ad, sort, desc, show_deleted: true, ..campaigns(last(Preset::Last30)) };

    let first = table(&app, &ads(SortKey::Metric(Metric::Spend), true)).await;
    assert_eq!((first.total_rows, first.pages, first.rows.len()), (72, 2, 50));
    let rows = every_row(&app, &ads(SortKey::Metric(Metric::Spend), true)).await;
    let mut ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 72);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 72, "no row on two pages");
    assert!(rows.windows(2).all(|w| w[0].figures.spend_micros >= w[1].figures.spend_micros), "largest spend first");
    assert_eq!(rows, every_row(&app, &ads(SortKey::Metric(Metric::Spend), true)).await, "the same order every time");

    let by_name = every_row(&app, &ads(SortKey::Name, false)).await;
    assert!(by_name.windows(2).all(|w| w[0].name.to_lowercase() <= w[1].name.to_lowercase()));
    let by_clicks_up = every_row(&app, &ads(SortKey::Metric(Metric::Clicks), false)).await;
    assert!(by_clicks_up.windows(2).all(|w| w[0].figures.clicks <= w[1].figures.clicks));
    let past_the_end = table(&app, &AdsQuery { page: 9, ..ads(SortKey::Metric(Metric::Spend), true) }).await;
    assert!(past_the_end.rows.is_empty());
}

#[tokio::test]
async fn drilling_down_shows_a_campaigns_ad_groups_then_their_ads_with_creatives() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    // Deleted ones shown: a live campaign may have only deleted ad groups.
    let top = table(&app, &AdsQuery { show_deleted: true, ..campaigns(last(Preset::Last30)) }).await;
    let campaign = &top.rows[0];
    let drill = campaign.drill.clone().expect("campaigns drill down");
    let q = query_of(&drill);
    assert_eq!((q.level, q.campaign.as_deref()), (Level::AdGroup, Some(campaign.id.as_str())));

    let groups = table(&app, &q).await;
    assert_eq!(
        groups.crumbs.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
        ["All campaigns", campaign.name.as_str()]
    );
    assert!(!groups.rows.is_empty());
    let group_spend: i64 = groups.rows.iter().map(|r| r.figures.spend_micros).sum();
    assert_eq!(group_spend, campaign.figures.spend_micros, "a campaign's ad groups add up to it");

    let ads = table(&app, &query_of(groups.rows[0].drill.as_deref().unwrap())).await;
    assert_eq!(ads.crumbs.len(), 3);
    assert!(!ads.rows.is_empty() && ads.rows.iter().all(|r| r.drill.is_none()));
    let creative = ads.rows[0].creative.clone().expect("ads show their creative");
    assert!(
        creative.thumbnail.as_deref().is_some_and(|t| t.starts_with("http") && t.ends_with(".svg")),
        "{creative:?}"
    );
    assert!(creative.text.is_some());
    assert!(creative.landing_page.as_deref().is_some_and(|l| l.starts_with("https://")));
    let thumbnail = reqwest::get(creative.thumbnail.unwrap()).await.unwrap();
    assert_eq!(thumbnail.headers()["content-type"], "image/svg+xml", "the sandbox serves the picture");
}

fn query_of(href: &str) -> AdsQuery {
    let query = href.split_once('?').map_or("", |(_, q)| q);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    AdsQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

#[tokio::test]
async fn the_csv_export_holds_the_whole_table() {
    let (_db, app) = app_with(&[("SANDBOX_CAMPAIGNS", "12"), ("SANDBOX_ADGROUPS_PER_CAMPAIGN", "3")]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let q = AdsQuery { level: Level::Ad, range: last(Preset::Last7), ..AdsQuery::default() };
    let rows = every_row(&app, &q).await;
    let response = app.get(&format!("/ads/export.csv?{}", q.to_query())).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-length").is_none(), "written out as it is read, not built whole first");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"wevion-ads-"));
    let body = response.text().await.unwrap();
    let mut csv = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(&csv.headers().unwrap()[0], "ad");
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len(), "every page, not just the first");
    for (record, row) in records.iter().zip(&rows) {
        assert_eq!((&record[0], &record[1]), (row.name.as_str(), row.id.as_str()));
        assert_eq!(Some(record[7].to_string()), row.figures.get(Metric::Spend).map(|s| s.replace(',', "")));
        assert_eq!(record[9].parse::<i64>().unwrap(), row.figures.clicks);
    }
}

#[tokio::test]
async fn another_workspace_never_sees_the_data() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let ours = table(&app, &campaigns(last(Preset::Last30))).await;
    let account = ours.accounts[0].id;
    let campaign = ours.rows[0].id.clone();
    let other = app.second_member("Globex", "gil@globex.test", Role::Owner).await;

    let theirs = table(&other, &campaigns(last(Preset::Last30))).await;
    assert_eq!(theirs.empty, Some(Empty::NotConnected));
    assert!(theirs.rows.is_empty() && theirs.accounts.is_empty() && theirs.totals.is_empty());
    let d = dashboard(&other, &DashboardQuery { account: None, range: last(Preset::Last30) }).await;
    assert_eq!(d.empty, Some(Empty::NotConnected));
    assert!(d.totals.is_empty() && d.top.is_empty() && d.charts.is_empty());

    // Naming our account or campaign outright finds nothing.
    let by_account = other
        .json_fn(
            "ads/table",
            serde_json::json!({ "query": AdsQuery { account: Some(account), ..AdsQuery::default() } }),
        )
        .await;
    assert_eq!(app_error(by_account).await.code, ErrorCode::NotFound);
    let by_campaign = AdsQuery { level: Level::AdGroup, campaign: Some(campaign.clone()), ..AdsQuery::default() };
    let drill = other.json_fn("ads/table", serde_json::json!({ "query": by_campaign })).await;
    // With no account of its own the workspace sees the empty state; with one, a 404.
    let drill: AdsTable = drill.json().await.unwrap();
    assert!(drill.rows.is_empty());
    let dash = other
        .json_fn(
            "dashboard",
            serde_json::json!({ "query": DashboardQuery { account: Some(account), range: Range::default() } }),
        )
        .await;
    assert_eq!(app_error(dash).await.code, ErrorCode::NotFound);
    let csv = other.get(&format!("/ads/export.csv?account={account}")).await;
    assert_eq!(csv.status(), 404);
    let csv = other.get(&format!("/ads/export.csv?level=adgroups&campaign={campaign}")).await;
    assert!(!csv.text().await.unwrap().contains(&campaign));

    // Once Globex has its own account, our campaign is still not theirs to drill into.
    synced(&other, SECOND_BUSINESS_USER, &[JAPAN]).await;
    let drill = other.json_fn("ads/table", serde_json::json!({ "query": by_campaign })).await;
    assert_eq!(app_error(drill).await.code, ErrorCode::NotFound);
    let by_country =
        AdsQuery { audience: AudienceView { by: Breakdown::Country, ..AudienceView::default() }, ..by_campaign };
    let breakdowns = other.json_fn("ads/table", serde_json::json!({ "query": by_country })).await;
    assert_eq!(app_error(breakdowns).await.code, ErrorCode::NotFound, "nor its breakdowns");
    let theirs = table(&other, &campaigns(last(Preset::Last30))).await;
    assert!(theirs.rows.iter().all(|r| r.currency == "JPY"), "only Globex's own campaigns");
    let d = dashboard(&other, &DashboardQuery { account: None, range: last(Preset::Last30) }).await;
    assert!(d.top.iter().all(|t| t.advertiser == "Globex Japan"));
}

#[tokio::test]
async fn empty_states_say_what_to_do() {
    let (_db, app) = app_with(&[]).await;
    assert_eq!(table(&app, &AdsQuery::default()).await.empty, Some(Empty::NotConnected));
    let html = app.get("/ads").await.text().await.unwrap();
    assert!(html.contains("Connect TikTok to see campaigns") && html.contains("href=\"/connect/tiktok\""));

    app.connect_and_import(BUSINESS_USER, &[US]).await;
    let t = table(&app, &AdsQuery::default()).await;
    assert!(matches!(t.empty, Some(Empty::FirstSync { .. })), "{:?}", t.empty);
    let d = dashboard(&app, &DashboardQuery { account: None, range: Range::default() }).await;
    assert!(matches!(d.empty, Some(Empty::FirstSync { .. })));
    let html = app.get("/dashboard").await.text().await.unwrap();
    assert!(html.contains("First sync in progress"));

    // The first sync fails (TikTok refuses a request outright): the pages say so and point to
    // the card, instead of waiting for it forever.
    app.sandbox_control("faults", serde_json::json!({"path": "campaign/get/", "code": 40002, "count": 1})).await;
    synced_again(&app).await;
    let t = table(&app, &AdsQuery::default()).await;
    assert_eq!(t.empty, Some(Empty::FirstSyncStopped));
    assert!(!t.attention.is_empty(), "the failure is one of the lines that need attention");
    let html = app.get("/ads").await.text().await.unwrap();
    assert!(html.contains("The first sync has not finished") && html.contains("href=\"/connect/tiktok\""));
}

#[tokio::test]
async fn the_dashboard_totals_match_ads_manager_and_compare_with_the_period_before() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let range = last(Preset::Last7);
    let d = dashboard(&app, &DashboardQuery { account: None, range }).await;
    let t = table(&app, &AdsQuery { show_deleted: true, range, ..AdsQuery::default() }).await;
    assert_eq!((d.from, d.to), (t.from, t.to));
    assert_eq!(d.totals.len(), 1);
    for m in ColumnSet::Performance.metrics() {
        assert_eq!(
            d.totals[0].figures.get(*m),
            t.totals[0].figures.get(*m),
            "{m:?}: TikTok's advertiser totals equal its campaigns' sum"
        );
    }

    let (from, to) = (d.from.unwrap(), d.to.unwrap());
    let us = tiktok_ad_account::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let (now, ..) = stored(&app, "advertiser", &us.advertiser_id, from, to).await;
    let (before, ..) = stored(
        &app,
        "advertiser",
        &us.advertiser_id,
        from - chrono::Duration::days(7),
        from - chrono::Duration::days(1),
    )
    .await;
    let spend = &d.totals[0].kpis[0];
    assert_eq!(spend.label, "Spend");
    assert_eq!(spend.value, Some(format!("{} USD", money(now))));
    let pct = (now - before) as f64 / before as f64 * 100.0;
    assert_eq!(spend.change.clone().unwrap(), format!("{}{:.1}%", if pct >= 0.0 { "+" } else { "−" }, pct.abs()));

    let chart = d.charts.iter().find(|c| c.title == "Spend (USD)").unwrap();
    assert_eq!(chart.table.len(), 90, "one row per day of the last 90");
    assert!(chart.svg.contains("class=\"line\" d=\"M"));
    assert!(!d.top.is_empty() && d.top.len() <= 10);
    assert!(d.freshness.as_deref().is_some_and(|f| f.starts_with("Last synced")), "{:?}", d.freshness);

    let html = app.get("/dashboard").await.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("Top campaigns by spend"), "the charts render without wasm");
}

#[tokio::test]
async fn a_mediabuyer_sees_both_views() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let buyer = app.second_member("Acme", "mo@acme.test", Role::Mediabuyer).await;
    assert!(!table(&buyer, &AdsQuery::default()).await.rows.is_empty());
    assert!(!dashboard(&buyer, &DashboardQuery { account: None, range: Range::default() }).await.charts.is_empty());
    let page = buyer.get("/ads").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-testid=\"ads-row\""), "the table renders on the server");
}

#[tokio::test]
async fn accounts_that_need_attention_link_to_their_card() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let connection = app.connections().await[0]["id"].as_i64().unwrap();
    app.sandbox_control("revoke", serde_json::json!({ "user_id": BUSINESS_USER })).await;
    app.json_fn("tiktok/sync-now", serde_json::json!({ "connection_id": connection })).await;
    synced_again(&app).await;
    let t = table(&app, &AdsQuery::default()).await;
    let line = t.attention.iter().find(|a| a.text.contains("Reconnect")).unwrap_or_else(|| panic!("{:?}", t.attention));
    assert_eq!(line.href, format!("/connect/tiktok#connection-{connection}"));
    assert!(!t.rows.is_empty(), "the synced data stays visible");
}

#[tokio::test]
async fn figures_change_as_soon_as_a_sync_writes_new_numbers() {
    let (_db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let before = table(&app, &campaigns(last(Preset::Today))).await;
    let dash_before = dashboard(&app, &DashboardQuery { account: None, range: last(Preset::Today) }).await;
    // TikTok now reports less spend for today on one campaign.
    app.sandbox_control("daily-spend-drift", serde_json::json!({ "advertiser_id": US, "spend": 3.5 })).await;
    let connection = app.connections().await[0]["id"].as_i64().unwrap();
    app.json_fn("tiktok/sync-now", serde_json::json!({ "connection_id": connection })).await;
    synced_again(&app).await;
    let after = table(&app, &campaigns(last(Preset::Today))).await;
    assert_eq!(
        before.totals[0].figures.spend_micros - after.totals[0].figures.spend_micros,
        3_500_000,
        "the table answers from the new sync, not from what it showed before"
    );
    let dash_after = dashboard(&app, &DashboardQuery { account: None, range: last(Preset::Today) }).await;
    assert_ne!(dash_before.top, dash_after.top);
}

/// Enough ads (320) that an export's rows do not all fit in what it reads ahead (256): an
/// export nobody reads holds its slot.
const MORE_ADS_THAN_READ_AHEAD: &[(&str, &str)] = &[
    ("SANDBOX_CAMPAIGNS", "40"),
    ("SANDBOX_ADGROUPS_PER_CAMPAIGN", "4"),
    ("SANDBOX_ADS_PER_ADGROUP", "2"),
    ("SANDBOX_DAYS", "2"),
];

async fn workspace_id(app: &TestApp, name: &str) -> i32 {
    use wevion::db::entities::workspace;
    workspace::Entity::find()
        .filter(workspace::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the workspace")
        .id
}

/// Every ad, deleted ones too: all 320.
fn every_ad() -> AdsQuery {
    AdsQuery { level: Level::Ad, range: last(Preset::Last7), show_deleted: true, ..AdsQuery::default() }
}

#[tokio::test]
async fn two_slow_exports_do_not_keep_a_third_workspace_from_exporting_and_none_outlives_its_time() {
    let (_db, acme) = app_with(MORE_ADS_THAN_READ_AHEAD).await;
    synced(&acme, BUSINESS_USER, &[US]).await;
    let globex = acme.second_member("Globex", "gil@globex.test", Role::Manager).await;
    synced(&globex, BUSINESS_USER, &[US]).await;
    let initech = acme.second_member("Initech", "ivy@initech.test", Role::Manager).await;
    synced(&initech, BUSINESS_USER, &[US]).await;
    let (acme_id, globex_id) = (workspace_id(&acme, "Acme").await, workspace_id(&acme, "Globex").await);
    let reports = &acme.state.reports;

    // Two downloads that read nothing, one of Acme's and one of Globex's.
    let slow_acme = reports.ads_export(acme_id, every_ad()).await.expect("Acme's export starts");
    let slow_globex = reports.ads_export(globex_id, every_ad()).await.expect("Globex's export starts");
    let csv = initech.get(&format!("/ads/export.csv?{}", every_ad().to_query())).await;
    assert_eq!(csv.status(), 200, "Initech exports meanwhile");
    assert_eq!(csv.text().await.unwrap().lines().count(), 1 + 320, "the header and every ad");
    let second = acme.get(&format!("/ads/export.csv?{}", every_ad().to_query())).await;
    assert_eq!(second.status(), 429, "Acme already holds a slot and only one is free");

    // Ten minutes on, the slow ones are cut: their slots are free and their files end in error.
    acme.clock.advance(chrono::Duration::minutes(10));
    let again = acme.get(&format!("/ads/export.csv?{}", every_ad().to_query())).await;
    assert_eq!(again.status(), 200);
    for slow in [slow_acme, slow_globex] {
        let lines: Vec<_> = futures::StreamExt::collect(slow.lines).await;
        assert!(lines.len() < 320, "cut short: {} lines", lines.len());
        assert!(lines.last().is_some_and(Result::is_err), "and the file ends in an error, not as if whole");
    }
}

#[tokio::test]
#[ignore = "needs Postgres"]
async fn twenty_one_year_every_ad_queries_at_once_leave_a_drill_down_answering() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    crate::instances::require_postgres();
    let (db, app) = app_with(&[]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let campaign = table(&app, &campaigns(last(Preset::Last30))).await.rows[0].drill.clone().expect("a drill-down");
    // Every query that reads the ads waits, as a year of every ad would on a large workspace.
    let holder = sea_orm::Database::connect(&db.url).await.unwrap();
    let lock = holder.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE tiktok_ad IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let today = app.clock_now().date_naive();
    let year = Range { preset: Preset::Custom, from: Some(today - chrono::Duration::days(364)), to: Some(today) };
    let heavy: Vec<_> = (0..20)
        .map(|i| {
            let query = AdsQuery { level: Level::Ad, search: format!("ad {i}"), range: year, ..AdsQuery::default() };
            let (client, url) = (app.client.clone(), app.url("/api/ads/table"));
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .json(&serde_json::json!({ "query": query }))
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            })
        })
        .collect();
    // Those let in wait on the ads; the rest were told to try again.
    crate::helpers::wait_until("heavy queries to wait on the ads", std::time::Duration::from_secs(30), || async {
        use sea_orm::Statement;
        let sql = "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                   AND wait_event_type = 'Lock' AND wait_event = 'relation'";
        let row = holder.query_one_raw(Statement::from_string(holder.get_database_backend(), sql)).await.ok()??;
        (row.try_get::<i64>("", "n").ok()? >= 3).then_some(())
    })
    .await;
    // Deleted ones shown: a live campaign may have only deleted ad groups.
    let drill = AdsQuery { range: last(Preset::Last30), show_deleted: true, ..query_of(&campaign) };
    let answered = tokio::time::timeout(std::time::Duration::from_secs(20), table(&app, &drill)).await;
    assert!(answered.is_ok_and(|t| !t.rows.is_empty()), "the drill-down answers while the heavy queries wait");
    lock.commit().await.unwrap();
    let mut statuses = Vec::new();
    for h in heavy {
        statuses.push(h.await.unwrap());
    }
    assert!(statuses.iter().all(|s| [200, 429].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&429), "the heavy ones past their share are told to try again: {statuses:?}");
    assert!(statuses.contains(&200), "and those admitted answer once the ads can be read: {statuses:?}");
}

#[tokio::test]
async fn a_figure_no_column_can_keep_is_a_gap_with_tiktoks_value_and_the_pages_still_answer() {
    let (_db, app) = app_with(&[]).await;
    app.connect_and_import(BUSINESS_USER, &[US]).await;
    // TikTok answers a spend of nine trillion for every row of the first campaign-level page.
    app.sandbox_control(
        "faults",
        serde_json::json!({"path": "report/integrated/get/", "kind": "figure", "metric": "spend",
                           "value": "9000000000000", "count": 1}),
    )
    .await;
    synced_again(&app).await;
    let account = tiktok_ad_account::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let run = crate::sync::last_run(&app, account.id).await;
    let gaps = run.step_errors();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].message.contains("spend 9000000000000"), "TikTok's own value is the evidence: {}", gaps[0].message);
    let too_large = tiktok_insight_daily::Entity::find()
        .filter(tiktok_insight_daily::Column::SpendMicros.gt(100_000_000_000_000_000i64))
        .one(&app.state.db)
        .await
        .unwrap();
    assert!(too_large.is_none(), "no such figure was stored");
    table(&app, &campaigns(last(Preset::Last7))).await;
    dashboard(&app, &DashboardQuery { account: None, range: last(Preset::Last7) }).await;
}

#[tokio::test]
async fn sums_past_what_64_bits_hold_are_no_figure_never_a_failed_page() {
    // No answers kept: the rows are changed behind the sync's back.
    let (_db, app) = app_with(&[("REPORT_CACHE_MB", "0")]).await;
    synced(&app, BUSINESS_USER, &[US]).await;
    let campaign = table(&app, &campaigns(last(Preset::Last7))).await.rows[0].id.clone();
    // Two days of six quintillion millionths each (stored before figures were bounded, say).
    for level in [Level::Campaign, Level::Advertiser] {
        let mut rows = tiktok_insight_daily::Entity::find()
            .filter(tiktok_insight_daily::Column::Level.eq(level))
            .all(&app.state.db)
            .await
            .unwrap();
        rows.retain(|r| level == Level::Advertiser || r.object_id == campaign);
        rows.sort_by_key(|r| std::cmp::Reverse(r.date));
        for row in rows.into_iter().take(2) {
            let mut row = row.into_active_model();
            row.spend_micros = Set(Some(6_000_000_000_000_000_000));
            row.update(&app.state.db).await.unwrap();
        }
    }
    let ads = table(&app, &campaigns(last(Preset::Last7))).await;
    let huge = ads.rows.iter().find(|r| r.id == campaign).expect("the campaign is listed");
    assert_eq!(huge.figures.get(Metric::Spend), None, "too large to add up is no figure");
    assert!(ads.rows.iter().any(|r| r.id != campaign && r.figures.get(Metric::Spend).is_some()), "the rest are");
    let board = dashboard(&app, &DashboardQuery { account: None, range: last(Preset::Last7) }).await;
    assert!(!board.totals.is_empty());
    let by_spend = AdsQuery { sort: SortKey::Metric(Metric::Spend), desc: true, ..campaigns(last(Preset::Last7)) };
    assert_eq!(table(&app, &by_spend).await.rows[0].id, campaign, "it still sorts as the largest");
}
