//! The sandbox's AUDIENCE, BASIC-by-country and hourly reports keep TikTok's contract: its
//! dimensions, values and refusals, and buckets and hours that add up to the daily rows.

use crate::helpers::{client, spawn_app_with, TestApp, TestDb, FAST_SANDBOX};
use chrono::{Duration, NaiveDate, Timelike};
use secrecy::ExposeSecret;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use wevion::sandbox::BUSINESS_USER;

/// Acme Shoes US, in New York.
const ADV: &str = "7000000000000000001";
const NEW_YORK: chrono_tz::Tz = chrono_tz::America::New_York;

struct Reports {
    _db: TestDb,
    app: TestApp,
    token: String,
}

impl Reports {
    async fn new() -> Self {
        let db = TestDb::fresh().await;
        let app = spawn_app_with(&db, FAST_SANDBOX).await;
        let token = app.sandbox_token(BUSINESS_USER).await.expose_secret().to_owned();
        Self { _db: db, app, token }
    }

    fn today(&self) -> NaiveDate {
        self.app.clock_now().with_timezone(&NEW_YORK).date_naive()
    }

    /// The whole answer to one page.
    async fn ask(&self, report_type: &str, dimensions: &str, metrics: &str, days: (NaiveDate, NaiveDate)) -> Value {
        let (start, end) = (days.0.to_string(), days.1.to_string());
        let query = [
            ("advertiser_id", ADV),
            ("report_type", report_type),
            ("data_level", "AUCTION_CAMPAIGN"),
            ("dimensions", dimensions),
            ("metrics", metrics),
            ("start_date", &start),
            ("end_date", &end),
            ("page_size", "1000"),
        ];
        let url = self.app.sandbox_url("open_api/v1.3/report/integrated/get/");
        let answer = client().get(url).header("Access-Token", &self.token).query(&query).send().await.unwrap();
        answer.json().await.unwrap()
    }

    /// Every row of a report that must be answered, in one page.
    async fn rows(
        &self,
        report_type: &str,
        dimensions: &str,
        metrics: &str,
        days: (NaiveDate, NaiveDate),
    ) -> Vec<Value> {
        let body = self.ask(report_type, dimensions, metrics, days).await;
        assert_eq!(body["code"], 0, "{body}");
        assert_eq!(body["data"]["page_info"]["total_page"], 1, "one page holds it");
        body["data"]["list"].as_array().unwrap().clone()
    }
}

fn text<'a>(row: &'a Value, part: &str, name: &str) -> &'a str {
    row[part][name].as_str().unwrap_or_else(|| panic!("{part}.{name} in {row}"))
}

/// Figures summed per (campaign, day), spend in cents.
fn sums(rows: &[Value], metrics: &[&str]) -> BTreeMap<(String, String), Vec<i64>> {
    let mut out: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for row in rows {
        let day = row["dimensions"]["stat_time_day"]
            .as_str()
            .map_or_else(|| text(row, "dimensions", "stat_time_hour")[..10].to_owned() + " 00:00:00", str::to_owned);
        let at = out.entry((text(row, "dimensions", "campaign_id").to_owned(), day)).or_insert(vec![0; metrics.len()]);
        for (sum, m) in at.iter_mut().zip(metrics) {
            let v = text(row, "metrics", m);
            *sum += if *m == "spend" { (v.parse::<f64>().unwrap() * 100.0).round() as i64 } else { v.parse().unwrap() };
        }
    }
    out
}

const ADDITIVE: [&str; 3] = ["spend", "impressions", "clicks"];

#[tokio::test]
async fn age_and_gender_buckets_carry_tiktoks_values_and_add_up_to_the_daily_rows() {
    let r = Reports::new().await;
    let days = (r.today() - Duration::days(2), r.today());
    let metrics = r#"["spend","impressions","clicks","ctr","conversion","video_watched_2s"]"#;
    let buckets = r.rows("AUDIENCE", r#"["campaign_id","stat_time_day","age","gender"]"#, metrics, days).await;
    let daily = r.rows("BASIC", r#"["campaign_id","stat_time_day"]"#, metrics, days).await;
    assert!(!daily.is_empty());
    assert_eq!(sums(&buckets, &ADDITIVE), sums(&daily, &ADDITIVE));
    let ages: BTreeSet<&str> = buckets.iter().map(|r| text(r, "dimensions", "age")).collect();
    let genders: BTreeSet<&str> = buckets.iter().map(|r| text(r, "dimensions", "gender")).collect();
    assert!(ages.contains("AGE_18_24") && ages.contains("AGE_55_100"), "{ages:?}");
    assert_eq!(genders, BTreeSet::from(["FEMALE", "MALE", "NONE"]));
    assert!(buckets[0]["metrics"]["ctr"].is_string(), "ratios come as strings");
}

#[tokio::test]
async fn platforms_from_audience_and_countries_from_basic_add_up_and_countries_carry_reach() {
    let r = Reports::new().await;
    let days = (r.today() - Duration::days(6), r.today() - Duration::days(1));
    let daily = r
        .rows("BASIC", r#"["campaign_id","stat_time_day"]"#, r#"["spend","impressions","clicks","reach"]"#, days)
        .await;
    let platforms = r
        .rows("AUDIENCE", r#"["campaign_id","stat_time_day","platform"]"#, r#"["spend","impressions","clicks"]"#, days)
        .await;
    assert_eq!(sums(&platforms, &ADDITIVE), sums(&daily, &ADDITIVE));
    let names: BTreeSet<&str> = platforms.iter().map(|r| text(r, "dimensions", "platform")).collect();
    assert_eq!(names, BTreeSet::from(["ANDROID", "IOS", "PC"]));

    let with_reach = ["spend", "impressions", "clicks", "reach"];
    let countries = r
        .rows(
            "BASIC",
            r#"["campaign_id","stat_time_day","country_code"]"#,
            r#"["spend","impressions","clicks","reach","frequency"]"#,
            days,
        )
        .await;
    assert_eq!(sums(&countries, &with_reach), sums(&daily, &with_reach));
    assert!(countries.iter().any(|r| text(r, "dimensions", "country_code") == "US"));
}

#[tokio::test]
async fn what_tiktok_refuses_in_an_audience_report_is_refused_with_its_words() {
    let r = Reports::new().await;
    let days = (r.today() - Duration::days(1), r.today());
    let refused = |body: Value| {
        assert_eq!(body["code"], 40002, "{body}");
        body["message"].as_str().unwrap().to_owned()
    };
    let metric =
        r.ask("AUDIENCE", r#"["campaign_id","stat_time_day","age"]"#, r#"["spend","reach","frequency"]"#, days);
    assert_eq!(
        refused(metric.await),
        "Please correct the information in invalid metric fields and try again. Invalid metric fields: [reach, frequency]"
    );
    let hourly = r.ask("AUDIENCE", r#"["campaign_id","stat_time_hour","gender"]"#, r#"["spend"]"#, (days.1, days.1));
    assert_eq!(refused(hourly.await), "Conflict occurs between dimensions stat_time_hour and report_type AUDIENCE.");
    let pair = r.ask("AUDIENCE", r#"["campaign_id","stat_time_day","age","platform"]"#, r#"["spend"]"#, days);
    assert_eq!(refused(pair.await), "Conflict occurs between dimensions age and platform.");
    let basic_age = r.ask("BASIC", r#"["campaign_id","stat_time_day","age"]"#, r#"["spend"]"#, days);
    refused(basic_age.await);
    let hour_by_country =
        r.ask("BASIC", r#"["campaign_id","stat_time_hour","country_code"]"#, r#"["spend"]"#, (days.1, days.1));
    assert_eq!(refused(hour_by_country.await), "Conflict occurs between dimensions stat_time_hour and country_code.");
}

#[tokio::test]
async fn hours_run_to_the_current_hour_today_cover_a_finished_day_and_add_up_to_it() {
    let r = Reports::new().await;
    let (today, yesterday) = (r.today(), r.today() - Duration::days(1));
    let hours = |rows: &[Value]| -> BTreeSet<String> {
        rows.iter().map(|r| text(r, "dimensions", "stat_time_hour")[11..13].to_owned()).collect()
    };
    let metrics = r#"["spend","impressions","clicks"]"#;
    let now_hour = r.app.clock_now().with_timezone(&NEW_YORK).hour();
    let today_rows = r.rows("BASIC", r#"["campaign_id","stat_time_hour"]"#, metrics, (today, today)).await;
    assert_eq!(hours(&today_rows), (0..=now_hour).map(|h| format!("{h:02}")).collect());

    let finished = r.rows("BASIC", r#"["campaign_id","stat_time_hour"]"#, metrics, (yesterday, yesterday)).await;
    assert_eq!(hours(&finished).len(), 24);
    let daily = r.rows("BASIC", r#"["campaign_id","stat_time_day"]"#, metrics, (yesterday, yesterday)).await;
    assert_eq!(sums(&finished, &ADDITIVE), sums(&daily, &ADDITIVE));

    let two_days = r.ask("BASIC", r#"["campaign_id","stat_time_hour"]"#, metrics, (yesterday, today)).await;
    assert_eq!(two_days["code"], 40002, "{two_days}");
}
