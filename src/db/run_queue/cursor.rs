//! What a run carries from page to page and leaves for people to read, stored as typed JSON on
//! its row: where it is (the cursor), the rows it wrote per step, the steps TikTok did not give
//! and the data check's finding. Saved with every page written, so a run taken over after a
//! crash resumes where it was.

use crate::{
    db::entities::sync_run::{FailureKind, Step},
    model::reports::{Breakdown, Level},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Stores each type as a JSON column, like sea-orm's `FromJsonQueryResult`, except that a
/// value this build cannot read (an empty string, a step or kind a newer version wrote) reads
/// as NULL with a warning: one bad row must not stop the queue or every card from loading.
macro_rules! lenient_json_column {
    ($($ty:ident),+) => {$(
        impl sea_orm::TryGetableFromJson for $ty {
            fn try_get_from_json<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let column = format!("{idx:?}");
                let json = match <serde_json::Value as sea_orm::TryGetable>::try_get_by(res, idx) {
                    Ok(json) => json,
                    Err(sea_orm::TryGetError::Null(c)) => return Err(sea_orm::TryGetError::Null(c)),
                    Err(sea_orm::TryGetError::DbErr(e)) => {
                        tracing::warn!(column, error = %e, concat!("a stored ", stringify!($ty), " is not JSON; read as none"));
                        return Err(sea_orm::TryGetError::Null(column));
                    }
                };
                serde_json::from_value(json).map_err(|e| {
                    tracing::warn!(column, error = %e, concat!("a stored ", stringify!($ty), " could not be read; read as none"));
                    sea_orm::TryGetError::Null(column)
                })
            }
        }

        impl From<$ty> for sea_orm::Value {
            fn from(source: $ty) -> Self {
                // Plain data (strings, numbers, dates, enums with names): serializing cannot fail.
                sea_orm::Value::Json(serde_json::to_value(&source).ok().map(Box::new))
            }
        }

        impl sea_orm::sea_query::ValueType for $ty {
            fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                match v {
                    sea_orm::Value::Json(Some(json)) => {
                        serde_json::from_value(*json).map_err(|_| sea_orm::sea_query::ValueTypeErr)
                    }
                    _ => Err(sea_orm::sea_query::ValueTypeErr),
                }
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::Json
            }

            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::Json
            }
        }

        impl sea_orm::sea_query::Nullable for $ty {
            fn null() -> sea_orm::Value {
                sea_orm::Value::Json(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::set(self)
            }
        }
    )+};
}

lenient_json_column!(Cursor, Counts, StepErrors, DataCheck);

/// A report window still to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub level: Level,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Two halves, when there is more than one day to split.
    pub fn halves(&self) -> Option<(Window, Window)> {
        if self.days() < 2 {
            return None;
        }
        let mid = self.start + chrono::Duration::days(self.days() / 2 - 1);
        Some((Window { end: mid, ..*self }, Window { start: mid + chrono::Duration::days(1), ..*self }))
    }
}

/// A breakdown report window still to read: the window's days at its level, split by `by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slice {
    pub by: Breakdown,
    pub window: Window,
}

/// The breakdowns a run reads (see `sync::breakdowns`): the windows still to read, the current
/// one first, and what the account has read once they are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakdownRead {
    pub slices: Vec<Slice>,
    /// The last day read.
    pub to: NaiveDate,
    /// Which days those are.
    pub tier: Reread,
    /// When they were planned: the tiers they cover count as read from then.
    pub planned_at: DateTime<Utc>,
}

/// The hours a run reads (see `sync::hours`): the days still to read, the current one first,
/// and the finished day whose every hour the account holds once they are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursRead {
    pub days: Vec<NaiveDate>,
    pub finished: Option<NaiveDate>,
}

/// Which of the days a sync's insights step re-reads (see `sync::tiers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reread {
    /// A first sync: the whole history.
    History,
    /// The whole attribution window.
    Window,
    /// The last 7 days.
    Week,
    /// Today, yesterday and any day since the last sync.
    Recent,
}

/// Where a run is: its step, the next page, and the report windows still to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub step: Step,
    /// The next page (or batch) of the step to read, 1-based.
    pub page: u32,
    /// The pages the step has, as TikTok last said (for progress).
    #[serde(default)]
    pub pages: u32,
    /// Insights: the windows still to read, the current one first; and the days they cover.
    #[serde(default)]
    pub windows: Vec<Window>,
    #[serde(default)]
    pub insights_from: Option<NaiveDate>,
    #[serde(default)]
    pub insights_to: Option<NaiveDate>,
    /// Which days those are: what the account has re-read once the step is done.
    #[serde(default)]
    pub reread: Option<Reread>,
    /// When those days were planned: the tiers they cover count as read from then.
    #[serde(default)]
    pub planned_at: Option<DateTime<Utc>>,
    /// The backfill (a raised `HISTORY_DAYS`): the oldest day this run reads, once planned.
    #[serde(default)]
    pub backfill_from: Option<NaiveDate>,
    /// A step lost days for good (40067 even for one day, rows it could not keep): the days it
    /// read are not complete.
    #[serde(default)]
    pub insights_incomplete: bool,
    /// Times the run was put back for TikTok to recover with no page read since.
    #[serde(default)]
    pub deferrals: u32,
    /// Times the database refused a page's writes with no page written since.
    #[serde(default)]
    pub refusals: u32,
    /// A list step's `total_number`, as its first page said.
    #[serde(default)]
    pub list_total: Option<u32>,
    /// The hours step, once planned.
    #[serde(default)]
    pub hours: Option<HoursRead>,
    /// The breakdowns step, once planned.
    #[serde(default)]
    pub breakdowns: Option<BreakdownRead>,
    /// This pass over the list cannot vouch that it saw every row (see [`Cursor::resumed`] and
    /// the list steps), so nothing is marked gone at its end; the next whole pass does that.
    #[serde(default)]
    pub partial_pass: bool,
}

impl Default for Cursor {
    fn default() -> Self {
        Self::start()
    }
}

impl Cursor {
    /// Whether the run may go back to the queue here without a gap: at a step's first page, or
    /// between insights windows (keyed by date). Mid-list, rows removed at TikTok meanwhile would
    /// shift the pages and one could be skipped.
    pub fn may_yield(&self) -> bool {
        self.page <= 1 || matches!(self.step, Step::Insights | Step::Hours | Step::Breakdowns | Step::Backfill)
    }

    pub fn start() -> Self {
        Self {
            step: Step::Advertiser,
            page: 1,
            pages: 0,
            windows: Vec::new(),
            insights_from: None,
            insights_to: None,
            reread: None,
            planned_at: None,
            backfill_from: None,
            insights_incomplete: false,
            deferrals: 0,
            refusals: 0,
            list_total: None,
            hours: None,
            breakdowns: None,
            partial_pass: false,
        }
    }

    /// On to step `next`, from its first page.
    pub fn advance(&mut self, next: Step) {
        self.step = next;
        self.page = 1;
        self.pages = 0;
        self.list_total = None;
        self.partial_pass = false;
    }

    /// A run picked up again mid-list (after a pause, a hand-back, a takeover) cannot vouch for
    /// the pages it read before: rows removed at TikTok meanwhile shift others onto them.
    pub fn resumed(&mut self) {
        if self.page > 1 {
            self.partial_pass = true;
        }
    }
}

/// Rows written per step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts(pub BTreeMap<Step, u64>);

impl Counts {
    pub fn add(&mut self, step: Step, n: u64) {
        *self.0.entry(step).or_default() += n;
    }

    pub fn get(&self, step: Step) -> Option<u64> {
        self.0.get(&step).copied()
    }

    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

/// `campaigns=3 ads=12`: the stored keys, for log lines.
impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut sep = "";
        for (step, n) in &self.0 {
            write!(f, "{sep}{}={n}", step.key())?;
            sep = " ";
        }
        Ok(())
    }
}

/// A step that failed while the others completed (a permission TikTok did not grant, say),
/// with TikTok's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    pub step: Step,
    pub kind: FailureKind,
    pub code: Option<i64>,
    pub message: String,
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// The steps a run could not read, in the order met.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepErrors(pub Vec<StepError>);

/// Stored daily spend against TikTok's own total for the same days, per campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataCheck {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub campaigns_checked: usize,
    /// The largest differences first (at most a handful kept).
    pub mismatches: Vec<Mismatch>,
    pub mismatched_campaigns: usize,
    /// Breakdowns and hours whose parts do not add up to the campaign's day (a few kept).
    #[serde(default)]
    pub splits: Vec<SplitMismatch>,
    #[serde(default)]
    pub split_mismatches: usize,
    /// Campaign days whose buckets or hours were compared.
    #[serde(default)]
    pub split_days_checked: usize,
}

/// A campaign's day whose breakdown buckets (or hours) add up to other than its daily row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitMismatch {
    /// "age and gender", "platform", "country" or "hours".
    pub split: String,
    pub campaign_id: String,
    pub date: NaiveDate,
    /// "spend" (millionths), "impressions" or "clicks".
    pub figure: String,
    pub whole: i64,
    pub parts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    pub campaign_id: String,
    pub campaign_name: Option<String>,
    /// Millionths of the account's currency.
    pub tiktok_spend_micros: i64,
    pub stored_spend_micros: i64,
    /// Conversions over the same days (checks from before they were compared have none).
    #[serde(default)]
    pub tiktok_conversions: Option<i64>,
    #[serde(default)]
    pub stored_conversions: Option<i64>,
}

impl DataCheck {
    /// Some campaign's spend differs: something to look at. Conversions alone differ while TikTok
    /// still attributes them to days not read since (the card says so; the window's next read
    /// settles it).
    pub fn spend_differs(&self) -> bool {
        self.mismatches.iter().any(Mismatch::spend_differs)
    }
}

impl Mismatch {
    /// A cent (or yen) or more apart: rounding never explains that.
    pub fn spend_differs(&self) -> bool {
        self.spend_difference() >= 10_000
    }

    /// How far apart the spends are, in millionths.
    pub fn spend_difference(&self) -> i64 {
        (self.tiktok_spend_micros - self.stored_spend_micros).abs()
    }

    pub fn conversions_difference(&self) -> i64 {
        (self.tiktok_conversions.unwrap_or(0) - self.stored_conversions.unwrap_or(0)).abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_window_splits_into_two_halves_that_cover_it() {
        let w = Window { level: Level::Ad, start: day("2026-01-01"), end: day("2026-01-30") };
        let (a, b) = w.halves().unwrap();
        assert_eq!(
            (a.start, a.end, b.start, b.end),
            (day("2026-01-01"), day("2026-01-15"), day("2026-01-16"), day("2026-01-30"))
        );
        let odd = Window { end: day("2026-01-03"), ..w };
        let (a, b) = odd.halves().unwrap();
        assert_eq!(a.days() + b.days(), 3);
        assert!(Window { end: w.start, ..w }.halves().is_none(), "one day cannot be halved");
    }

    #[test]
    fn a_cursor_survives_its_json_and_reads_the_step_names_written_before_keys() {
        let mut c = Cursor::start();
        c.advance(Step::Campaigns);
        c.page = 3;
        assert_eq!(serde_json::from_str::<Cursor>(&serde_json::to_string(&c).unwrap()).unwrap(), c);
        let old: Cursor = serde_json::from_str(r#"{"step":"AdGroups","page":2}"#).unwrap();
        assert_eq!((old.step, old.page), (Step::AdGroups, 2));
    }

    #[test]
    fn counts_are_keyed_by_the_steps_stored_names() {
        let mut counts = Counts::default();
        counts.add(Step::AdGroups, 3);
        counts.add(Step::AdGroups, 2);
        assert_eq!(serde_json::to_string(&counts).unwrap(), r#"{"adgroups":5}"#);
        assert_eq!(counts.total(), 5);
        counts.add(Step::Campaigns, 1);
        assert_eq!(counts.to_string(), "campaigns=1 adgroups=5", "logged in step order, by key");
    }
}
