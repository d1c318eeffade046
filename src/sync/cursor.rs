//! Where a run is: its step, the next page, and the report windows still to read. Saved with
//! every page written, so a run taken over after a crash resumes there.

use crate::db::entities::tiktok_insight_daily::Level;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The steps of a run, in order: what people look at first comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Advertiser,
    Campaigns,
    AdGroups,
    Ads,
    Images,
    Videos,
    Audiences,
    Pixels,
    PixelStats,
    Insights,
    DataCheck,
    Done,
}

impl Step {
    pub const ALL: [Step; 11] = [
        Step::Advertiser,
        Step::Campaigns,
        Step::AdGroups,
        Step::Ads,
        Step::Images,
        Step::Videos,
        Step::Audiences,
        Step::Pixels,
        Step::PixelStats,
        Step::Insights,
        Step::DataCheck,
    ];

    /// 1-based position among the steps, and how many there are.
    pub fn position(self) -> (i32, i32) {
        let total = Self::ALL.len() as i32;
        let at = Self::ALL.iter().position(|s| *s == self).map_or(total, |i| i as i32 + 1);
        (at, total)
    }

    pub fn next(self) -> Step {
        let (at, _) = self.position();
        Self::ALL.get(at as usize).copied().unwrap_or(Step::Done)
    }

    /// The stable name stored on the run.
    pub fn key(self) -> &'static str {
        match self {
            Step::Advertiser => "advertiser",
            Step::Campaigns => "campaigns",
            Step::AdGroups => "adgroups",
            Step::Ads => "ads",
            Step::Images => "images",
            Step::Videos => "videos",
            Step::Audiences => "audiences",
            Step::Pixels => "pixels",
            Step::PixelStats => "pixel_stats",
            Step::Insights => "insights",
            Step::DataCheck => "data_check",
            Step::Done => "done",
        }
    }

    pub fn from_key(key: &str) -> Option<Step> {
        Self::ALL.into_iter().chain([Step::Done]).find(|s| s.key() == key)
    }
}

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
    /// A step lost a window for good (40067 even for one day): insights are not complete.
    #[serde(default)]
    pub insights_incomplete: bool,
    /// Times the run was put back for TikTok to recover with no page read since.
    #[serde(default)]
    pub deferrals: u32,
}

impl Cursor {
    /// Whether the run may go back to the queue here without a gap: at a step's first page, or
    /// between insights windows (keyed by date). Mid-list, rows removed at TikTok meanwhile would
    /// shift the pages and one could be skipped.
    pub fn may_yield(&self) -> bool {
        self.page <= 1 || self.step == Step::Insights
    }

    pub fn start() -> Self {
        Self {
            step: Step::Advertiser,
            page: 1,
            pages: 0,
            windows: Vec::new(),
            insights_from: None,
            insights_to: None,
            insights_incomplete: false,
            deferrals: 0,
        }
    }

    /// On to the next step, from its first page.
    pub fn advance(&mut self) {
        self.step = self.step.next();
        self.page = 1;
        self.pages = 0;
    }

    pub fn parse(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_else(Self::start)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn steps_run_in_order_and_end_done() {
        assert_eq!(Step::Advertiser.next(), Step::Campaigns);
        assert_eq!(Step::DataCheck.next(), Step::Done);
        assert_eq!(Step::AdGroups.position(), (3, 11));
        assert_eq!(Step::from_key("pixel_stats"), Some(Step::PixelStats));
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
    fn a_cursor_survives_its_json() {
        let mut c = Cursor::start();
        c.advance();
        c.page = 3;
        assert_eq!(Cursor::parse(Some(&c.to_json())), c);
        assert_eq!(Cursor::parse(Some("garbage")), Cursor::start());
    }
}
