//! Which days a sync reads. TikTok keeps attributing conversions for up to 28 days after a click
//! (ad group settings: 1/7/14/28-day click, up to 7-day view) and dates them to the day of the
//! click or impression, so a stored day keeps changing for that long after it. Reading the whole
//! window on every sync would spend the budget many times over, so the days are re-read in tiers:
//! today, yesterday and any day since the last sync on every sync; the last 7 days every
//! [`Attribution::week_every`]; the whole window every [`Attribution::window_every`] (each at the
//! sync nearest its period).
//! **Sync now** and **Retry** re-read the whole window; a first sync reads the history.

pub use crate::db::run_queue::cursor::Reread;
use crate::settings::defaults;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// How far back TikTok revises days, and how often each tier of them is read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribution {
    /// Days TikTok may still revise, today included (`ATTRIBUTION_WINDOW`).
    pub window_days: u32,
    /// The last 7 days are read again about this often (`ATTRIBUTION_WEEK_EVERY`).
    pub week_every: std::time::Duration,
    /// The whole window is read again about this often (`ATTRIBUTION_WINDOW_EVERY`).
    pub window_every: std::time::Duration,
}

impl Default for Attribution {
    fn default() -> Self {
        Self {
            window_days: defaults::ATTRIBUTION_WINDOW_DAYS,
            week_every: defaults::ATTRIBUTION_WEEK_EVERY,
            window_every: defaults::ATTRIBUTION_WINDOW_EVERY,
        }
    }
}

/// What an account has read so far, as the tiers need it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadSoFar {
    /// The last day of a complete read; `None`: never.
    pub through: Option<NaiveDate>,
    pub week_at: Option<DateTime<Utc>>,
    pub window_at: Option<DateTime<Utc>>,
    /// The first day held.
    pub history_from: Option<NaiveDate>,
}

/// The days the history now reaches that the account does not hold (`HISTORY_DAYS` was raised
/// since it was read), as `(first, last)`; `None` when there are none, or when nothing was read
/// yet (a first sync reads the whole history).
pub fn backfill(today: NaiveDate, history_days: u32, read: ReadSoFar) -> Option<(NaiveDate, NaiveDate)> {
    read.through?;
    let oldest = today - Duration::days(i64::from(history_days.max(1)) - 1);
    let held = read.history_from?;
    (oldest < held).then(|| (oldest, held - Duration::days(1)))
}

/// Whether something last done `at` (never: `None`) and done `every` so long is due at the sync
/// at `now`: syncs come `interval` apart, so the one nearest the period does it, rather than a
/// whole interval late each time.
pub fn is_due(at: Option<DateTime<Utc>>, every: Duration, now: DateTime<Utc>, interval: std::time::Duration) -> bool {
    let slack = Duration::from_std(interval / 2).unwrap_or(Duration::zero());
    at.is_none_or(|at| now + slack >= at + every)
}

/// The first day a sync reads (through the advertiser's `today`), and which tier that is.
/// `asked`: a person asked for it (Sync now, Retry), so the whole window is read. A tier is due
/// at the sync closest to its period (`interval` apart), so it is read about that often, not a
/// whole interval later each time.
pub fn days_to_read(
    today: NaiveDate,
    history_days: u32,
    attribution: Attribution,
    read: ReadSoFar,
    asked: bool,
    now: DateTime<Utc>,
    interval: std::time::Duration,
) -> (NaiveDate, Reread) {
    let back = |days: u32| today - Duration::days(i64::from(days.max(1)) - 1);
    let oldest = back(history_days);
    let Some(through) = read.through else { return (oldest, Reread::History) };
    let window = back(attribution.window_days).max(oldest);
    // Never more than the window: days before it no longer change.
    let week = back(7).max(window);
    // Days not read since the last sync, and yesterday, which TikTok is still filling in (when
    // the window reaches back that far).
    let recent = through.min(back(attribution.window_days.min(2))).max(oldest);
    let due = |at: Option<DateTime<Utc>>, every: std::time::Duration| {
        is_due(at, Duration::from_std(every).unwrap_or(Duration::MAX / 2), now, interval)
    };
    let (from, tier) = if asked || due(read.window_at, attribution.window_every) {
        (window, Reread::Window)
    } else if due(read.week_at, attribution.week_every) {
        (week, Reread::Week)
    } else {
        (recent, Reread::Recent)
    };
    (from.min(recent), tier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_history_reads_only_the_days_before_what_is_held() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let held =
            ReadSoFar { through: Some(today), history_from: Some(today - Duration::days(89)), ..ReadSoFar::default() };
        assert_eq!(backfill(today, 90, held), None, "the history as it was");
        assert_eq!(
            backfill(today, 150, held),
            Some((today - Duration::days(149), today - Duration::days(90))),
            "the 60 days added, nothing held read again"
        );
        assert_eq!(backfill(today, 30, held), None, "a shorter history reads nothing older");
        assert_eq!(backfill(today, 150, ReadSoFar::default()), None, "a first sync reads the history anyway");
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("a day")
    }

    fn at(hour: u32) -> DateTime<Utc> {
        day(28).and_hms_opt(hour, 0, 0).expect("a time").and_utc()
    }

    const TODAY: u32 = 28;
    const INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

    fn read(through: u32, week_hours_ago: u32, window_hours_ago: u32) -> ReadSoFar {
        ReadSoFar {
            through: Some(day(through)),
            week_at: Some(at(12 - week_hours_ago)),
            window_at: Some(at(12 - window_hours_ago)),
            history_from: None,
        }
    }

    fn days(read: ReadSoFar, asked: bool) -> (i64, Reread) {
        let (from, tier) = days_to_read(day(TODAY), 90, Attribution::default(), read, asked, at(12), INTERVAL);
        ((day(TODAY) - from).num_days() + 1, tier)
    }

    #[test]
    fn a_first_sync_reads_the_history() {
        assert_eq!(days(ReadSoFar::default(), false), (90, Reread::History));
    }

    #[test]
    fn a_scheduled_sync_reads_today_and_yesterday_when_the_other_tiers_are_fresh() {
        assert_eq!(days(read(TODAY, 0, 0), false), (2, Reread::Recent));
    }

    #[test]
    fn days_missed_since_the_last_sync_are_read_too() {
        assert_eq!(days(read(TODAY - 4, 0, 0), false), (5, Reread::Recent));
    }

    #[test]
    fn the_week_is_read_again_hourly_and_the_window_daily() {
        assert_eq!(days(read(TODAY, 1, 5), false), (7, Reread::Week), "an hour since the week");
        assert_eq!(days(read(TODAY, 1, 11), false), (7, Reread::Week));
        let day_old = ReadSoFar { window_at: Some(at(12) - Duration::hours(24)), ..read(TODAY, 0, 0) };
        assert_eq!(days(day_old, false), (28, Reread::Window), "a day since the window");
        let never = ReadSoFar { window_at: None, ..read(TODAY, 0, 0) };
        assert_eq!(days(never, false), (28, Reread::Window), "never read again: now");
    }

    #[test]
    fn a_tier_is_due_at_the_sync_nearest_its_period_and_a_one_day_window_reads_today() {
        let early = ReadSoFar { week_at: Some(at(12) - Duration::minutes(55)), ..read(TODAY, 0, 0) };
        assert_eq!(days(early, false).1, Reread::Week, "55 minutes on, this sync is nearer the hour than the next");
        let too_early = ReadSoFar { week_at: Some(at(12) - Duration::minutes(50)), ..read(TODAY, 0, 0) };
        assert_eq!(days(too_early, false).1, Reread::Recent);
        let one = Attribution { window_days: 1, ..Attribution::default() };
        let (from, _) = days_to_read(day(TODAY), 90, one, read(TODAY, 0, 0), false, at(12), INTERVAL);
        assert_eq!(from, day(TODAY), "today only");
    }

    #[test]
    fn a_person_asking_reads_the_whole_window() {
        assert_eq!(days(read(TODAY, 0, 0), true), (28, Reread::Window));
    }

    #[test]
    fn a_short_window_caps_the_week_and_the_history_caps_the_window() {
        let short = Attribution { window_days: 3, ..Attribution::default() };
        let (from, tier) = days_to_read(day(TODAY), 90, short, read(TODAY, 2, 0), false, at(12), INTERVAL);
        assert_eq!((from, tier), (day(TODAY - 2), Reread::Week), "the week is no wider than the window");
        let never = ReadSoFar { window_at: None, ..read(TODAY, 0, 0) };
        let (from, _) = days_to_read(day(TODAY), 10, Attribution::default(), never, false, at(12), INTERVAL);
        assert_eq!(from, day(TODAY - 9), "nothing before the history");
    }
}
