//! Reports: daily rows, totals over a span, and pixel event counts.

use super::{transport::json_text, Pager, Shape, TikTokClient};
use crate::model::reports::Breakdown;
use crate::tiktok::{
    error::TikTokError,
    wire::{
        audience_metrics,
        limits::{page_size, MAX_DAILY_REPORT_DAYS, MAX_TOTALS_REPORT_DAYS, PIXEL_STATS_BATCH},
        report_metrics, BreakdownRow, DataLevel, HourRow, ListData, PixelStats, RawReportRow, ReportRow, TotalRow,
    },
};
use chrono::NaiveDate;
use secrecy::SecretString;
use serde_json::json;

/// Report rows shaped into daily [`ReportRow`]s at a level.
#[derive(Debug, Clone, Copy)]
pub struct Daily(DataLevel);

impl Shape<RawReportRow> for Daily {
    type Item = ReportRow;
    fn shape(&self, record: RawReportRow) -> Option<ReportRow> {
        record.into_row(self.0)
    }
}

/// Report rows shaped into [`TotalRow`]s at a level.
#[derive(Debug, Clone, Copy)]
pub struct Totals(DataLevel);

impl Shape<RawReportRow> for Totals {
    type Item = TotalRow;
    fn shape(&self, record: RawReportRow) -> Option<TotalRow> {
        record.into_total(self.0)
    }
}

/// Report rows shaped into [`BreakdownRow`]s at a level, with a breakdown's dimensions.
#[derive(Debug, Clone, Copy)]
pub struct ByBucket(DataLevel, &'static [&'static str]);

impl Shape<RawReportRow> for ByBucket {
    type Item = BreakdownRow;
    fn shape(&self, record: RawReportRow) -> Option<BreakdownRow> {
        record.into_breakdown_row(self.0, self.1)
    }
}

/// How TikTok is asked for a breakdown: age and gender together and platform from its AUDIENCE
/// report (with the metrics it allows there), country from BASIC, which also has reach.
fn breakdown_query(by: Breakdown) -> (&'static str, &'static [&'static str], Vec<&'static str>) {
    match by {
        Breakdown::AgeGender => ("AUDIENCE", &["age", "gender"], audience_metrics()),
        Breakdown::Platform => ("AUDIENCE", &["platform"], audience_metrics()),
        Breakdown::Country => ("BASIC", &["country_code"], report_metrics()),
    }
}

/// Report rows shaped into [`HourRow`]s at a level.
#[derive(Debug, Clone, Copy)]
pub struct Hourly(DataLevel);

impl Shape<RawReportRow> for Hourly {
    type Item = HourRow;
    fn shape(&self, record: RawReportRow) -> Option<HourRow> {
        record.into_hour_row(self.0)
    }
}

/// Pages of an hourly report.
pub type HourlyPager<'a> = Pager<'a, RawReportRow, Hourly>;

/// Pages of a breakdown report.
pub type BreakdownPager<'a> = Pager<'a, RawReportRow, ByBucket>;

/// Pages of a daily report.
pub type ReportPager<'a> = Pager<'a, RawReportRow, Daily>;
/// Pages of a totals report.
pub type TotalsPager<'a> = Pager<'a, RawReportRow, Totals>;

/// Refuses a span of other than 1 to `max` days before anything is sent.
fn check_span(what: &str, start: NaiveDate, end: NaiveDate, max: i64) -> Result<(), TikTokError> {
    let days = (end - start).num_days() + 1;
    if (1..=max).contains(&days) {
        return Ok(());
    }
    Err(TikTokError::bad_request(format!("a {what} report covers 1 to {max} days; asked for {start}..={end}")))
}

/// A BASIC auction report at `level` with `dimensions` and every metric, deleted entities included.
fn report_query(
    level: DataLevel,
    dimensions: &[&str],
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<(&'static str, String)> {
    typed_report_query("BASIC", level, dimensions, &report_metrics(), start, end)
}

/// An auction report of `report_type` at `level`, deleted entities included.
fn typed_report_query(
    report_type: &str,
    level: DataLevel,
    dimensions: &[&str],
    metrics: &[&str],
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<(&'static str, String)> {
    let mut query = vec![
        ("service_type", "AUCTION".to_owned()),
        ("report_type", report_type.to_owned()),
        ("data_level", level.wire().to_owned()),
        ("dimensions", json_text(dimensions)),
        ("metrics", json_text(metrics)),
        ("start_date", start.format("%Y-%m-%d").to_string()),
        ("end_date", end.format("%Y-%m-%d").to_string()),
    ];
    if let Some(field) = level.status_field() {
        let filter = json!([{"field_name": field, "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}]);
        query.push(("filtering", filter.to_string()));
    }
    query
}

impl TikTokClient {
    /// A BASIC daily report at `level` for `start..=end` (dates in the advertiser's timezone,
    /// at most 30 days), deleted entities included.
    pub fn daily_report<'a>(
        &'a self,
        token: &'a SecretString,
        advertiser_id: &str,
        level: DataLevel,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<ReportPager<'a>, TikTokError> {
        check_span("daily", start, end, MAX_DAILY_REPORT_DAYS)?;
        let query = report_query(level, &[level.id_dimension(), "stat_time_day"], start, end);
        Ok(self.report_pages(token, advertiser_id, query).shaped(Daily(level)))
    }

    /// A daily report at `level` for `start..=end` (at most 30 days) split by `by`, with the
    /// metrics TikTok allows for it, deleted entities included.
    pub fn breakdown_report<'a>(
        &'a self,
        token: &'a SecretString,
        advertiser_id: &str,
        level: DataLevel,
        by: Breakdown,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<BreakdownPager<'a>, TikTokError> {
        check_span("breakdown", start, end, MAX_DAILY_REPORT_DAYS)?;
        let (report_type, split, metrics) = breakdown_query(by);
        let mut dimensions = vec![level.id_dimension(), "stat_time_day"];
        dimensions.extend_from_slice(split);
        let query = typed_report_query(report_type, level, &dimensions, &metrics, start, end);
        Ok(self.report_pages(token, advertiser_id, query).shaped(ByBucket(level, split)))
    }

    /// A BASIC report at `level` of `day`'s hours (TikTok gives hours one day per query; today's
    /// up to the hour under way), every metric, deleted entities included.
    pub fn hourly_report<'a>(
        &'a self,
        token: &'a SecretString,
        advertiser_id: &str,
        level: DataLevel,
        day: NaiveDate,
    ) -> Result<HourlyPager<'a>, TikTokError> {
        let query = report_query(level, &[level.id_dimension(), "stat_time_hour"], day, day);
        Ok(self.report_pages(token, advertiser_id, query).shaped(Hourly(level)))
    }

    /// One object's totals per row at `level` for `start..=end` (at most 365 days; no time
    /// dimension), deleted entities included.
    pub fn report_totals<'a>(
        &'a self,
        token: &'a SecretString,
        advertiser_id: &str,
        level: DataLevel,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<TotalsPager<'a>, TikTokError> {
        check_span("totals", start, end, MAX_TOTALS_REPORT_DAYS)?;
        let query = report_query(level, &[level.id_dimension()], start, end);
        Ok(self.report_pages(token, advertiser_id, query).shaped(Totals(level)))
    }

    fn report_pages<'a>(
        &'a self,
        token: &'a SecretString,
        advertiser_id: &str,
        query: Vec<(&'static str, String)>,
    ) -> Pager<'a, RawReportRow> {
        Pager::new(self, "report/integrated/get/", token, advertiser_id, page_size::REPORT, query)
    }

    /// Event counts for up to 10 pixels over `start..=end` (at most 30 days; TikTok counts in UTC).
    pub async fn pixel_event_stats(
        &self,
        token: &SecretString,
        advertiser_id: &str,
        pixel_ids: &[String],
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<PixelStats>, TikTokError> {
        if pixel_ids.is_empty() || pixel_ids.len() > PIXEL_STATS_BATCH {
            return Err(TikTokError::bad_request(format!(
                "pixel stats take 1 to {PIXEL_STATS_BATCH} pixels a request"
            )));
        }
        let date_range =
            json!({"start_date": start.format("%Y-%m-%d").to_string(), "end_date": end.format("%Y-%m-%d").to_string()});
        let query = vec![
            ("advertiser_id", advertiser_id.to_owned()),
            ("pixel_ids", json_text(pixel_ids)),
            ("date_range", date_range.to_string()),
        ];
        let data: ListData<PixelStats> =
            self.get("pixel/event/stats/", Some(token), query, Some(advertiser_id)).await?;
        Ok(data.list)
    }
}
