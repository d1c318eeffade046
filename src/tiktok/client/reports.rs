//! Reports: daily rows, totals over a span, and pixel event counts.

use super::{transport::json_text, Pager, Shape, TikTokClient};
use crate::tiktok::{
    error::TikTokError,
    wire::{
        limits::{page_size, MAX_DAILY_REPORT_DAYS, MAX_TOTALS_REPORT_DAYS, PIXEL_STATS_BATCH},
        report_metrics, DataLevel, ListData, PixelStats, RawReportRow, ReportRow, TotalRow,
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

/// A BASIC auction report at `level` with `dimensions`, deleted entities included.
fn report_query(
    level: DataLevel,
    dimensions: &[&str],
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<(&'static str, String)> {
    let mut query = vec![
        ("service_type", "AUCTION".to_owned()),
        ("report_type", "BASIC".to_owned()),
        ("data_level", level.wire().to_owned()),
        ("dimensions", json_text(dimensions)),
        ("metrics", json_text(&report_metrics())),
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
