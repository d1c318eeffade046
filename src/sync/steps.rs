//! The one list of a run's steps: their order, whether each is core or minor, how often a
//! scheduled run does each, and how each reads a page. Adding a step is a file with its page function and an entry here (and its stored key,
//! [`Step`], in the runs table's enum, with its label).
//!
//! The order is what people act on first: the advertiser and the objects the spend belongs to,
//! then the daily results, then the minor steps, so that no minor step stands before the spend.

use super::{
    ctx::{Page, RunCtx, Stop},
    tiers, Step, SyncEngine,
};
use crate::{
    db::{entities::tiktok_ad_account, run_queue::Progress},
    tiktok::wire::{Ad, AdGroup, Audience, Campaign, Image, Pixel, Video},
};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

/// Whether a run can do without a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tier {
    /// Without it the spend cannot be read or placed: a lasting error fails the run.
    Core,
    /// A lasting error is a gap on the card, and the run goes on.
    Minor,
}

/// How often a scheduled run does a step; a run a person asked for does every step. The runner
/// checks it before each page of the step, so a step's last read must change only as it ends.
#[derive(Debug, Clone, Copy)]
pub(super) enum Schedule {
    /// Every run.
    EverySync,
    /// At most this often, going by when the account's last read of it ended.
    AtMostEvery { every: chrono::Duration, last_read: fn(&tiktok_ad_account::Model) -> Option<DateTime<Utc>> },
}

impl Schedule {
    /// Whether a run at `now` (syncs `interval` apart; `asked` by a person) does the step for
    /// `account`.
    pub fn is_due(
        self,
        account: &tiktok_ad_account::Model,
        asked: bool,
        now: DateTime<Utc>,
        interval: std::time::Duration,
    ) -> bool {
        match self {
            Schedule::EverySync => true,
            Schedule::AtMostEvery { every, last_read } => {
                asked || tiers::is_due(last_read(account), every, now, interval)
            }
        }
    }
}

/// Reads the step's next page (or does the whole step, for steps without pages).
type PageFn = for<'a> fn(&'a SyncEngine, &'a mut RunCtx) -> BoxFuture<'a, Result<Page, Stop>>;

pub(super) struct StepSpec {
    pub step: Step,
    pub tier: Tier,
    pub schedule: Schedule,
    pub page: PageFn,
}

const fn core(step: Step, page: PageFn) -> StepSpec {
    StepSpec { step, tier: Tier::Core, schedule: Schedule::EverySync, page }
}

const fn minor(step: Step, page: PageFn) -> StepSpec {
    StepSpec { step, tier: Tier::Minor, schedule: Schedule::EverySync, page }
}

impl StepSpec {
    const fn at_most_every(
        self,
        every: chrono::Duration,
        last_read: fn(&tiktok_ad_account::Model) -> Option<DateTime<Utc>>,
    ) -> Self {
        StepSpec { schedule: Schedule::AtMostEvery { every, last_read }, ..self }
    }
}

/// TikTok's audience figures lag ~16 hours and move for a day: an hourly read keeps up with them.
const READ_BREAKDOWNS_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// Every step of a run, in the order it runs them.
pub(super) static STEPS: [StepSpec; 14] = [
    core(Step::Advertiser, |e, c| Box::pin(e.advertiser_step(c))),
    core(Step::Campaigns, |e, c| Box::pin(e.page_of::<Campaign>(c))),
    core(Step::AdGroups, |e, c| Box::pin(e.page_of::<AdGroup>(c))),
    core(Step::Ads, |e, c| Box::pin(e.page_of::<Ad>(c))),
    core(Step::Insights, |e, c| Box::pin(e.insights_page(c))),
    minor(Step::DataCheck, |e, c| Box::pin(e.data_check_step(c))),
    minor(Step::Hours, |e, c| Box::pin(e.hours_page(c))),
    minor(Step::Breakdowns, |e, c| Box::pin(e.breakdowns_page(c)))
        .at_most_every(READ_BREAKDOWNS_EVERY, |a| a.breakdowns_read_at),
    minor(Step::Images, |e, c| Box::pin(e.page_of::<Image>(c))),
    minor(Step::Videos, |e, c| Box::pin(e.page_of::<Video>(c))),
    minor(Step::Audiences, |e, c| Box::pin(e.page_of::<Audience>(c))),
    minor(Step::Pixels, |e, c| Box::pin(e.page_of::<Pixel>(c))),
    minor(Step::PixelStats, |e, c| Box::pin(e.pixel_stats_page(c))),
    minor(Step::Backfill, |e, c| Box::pin(e.backfill_page(c))),
];

/// The step's entry; `None` for [`Step::Done`].
pub(super) fn spec(step: Step) -> Option<&'static StepSpec> {
    STEPS.iter().find(|s| s.step == step)
}

/// The step after `step` ([`Step::Done`] after the last).
pub(super) fn after(step: Step) -> Step {
    let at = STEPS.iter().position(|s| s.step == step);
    at.and_then(|i| STEPS.get(i + 1)).map_or(Step::Done, |s| s.step)
}

/// 1-based position of `step` among the steps, and how many there are.
pub(super) fn position(step: Step) -> (i32, i32) {
    let total = STEPS.len() as i32;
    let at = STEPS.iter().position(|s| s.step == step).map_or(total, |i| i as i32 + 1);
    (at, total)
}

impl RunCtx {
    /// What is saved of the run with each page (its place among the steps is the list's).
    pub fn progress(&self) -> Progress<'_> {
        let (requests, rate_limit_waits) = self.totals();
        Progress {
            cursor: &self.cursor,
            position: position(self.cursor.step),
            counts: &self.counts,
            step_errors: &self.step_errors,
            data_check: self.data_check.as_ref(),
            requests,
            rate_limit_waits,
        }
    }

    /// On to the run's next step, from its first page.
    pub(super) fn next_step(&mut self) {
        self.cursor.advance(after(self.cursor.step));
    }
}

/// Whether a lasting error on `step` fails the run.
pub(super) fn is_core(step: Step) -> bool {
    spec(step).is_some_and(|s| s.tier == Tier::Core)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spend_comes_before_every_minor_step() {
        assert_eq!(after(Step::Advertiser), Step::Campaigns);
        assert_eq!(after(Step::Ads), Step::Insights, "the spend before the minor steps");
        assert_eq!(after(Step::Insights), Step::DataCheck);
        assert_eq!(after(Step::DataCheck), Step::Hours, "today by hour, checked against the days");
        assert_eq!(after(Step::Hours), Step::Breakdowns, "who saw the ads after the totals");
        assert_eq!(after(Step::PixelStats), Step::Backfill, "older history after everything of today");
        assert_eq!(after(Step::Backfill), Step::Done);
        assert_eq!(STEPS.iter().take_while(|s| s.tier == Tier::Core).count(), 5, "the core steps come first");
        assert!(STEPS.iter().skip(5).all(|s| s.tier == Tier::Minor));
        assert_eq!(position(Step::AdGroups), (3, 14));
    }

    #[test]
    fn every_stored_step_but_done_is_listed_once() {
        use sea_orm::Iterable;
        for step in Step::iter().filter(|s| *s != Step::Done) {
            assert_eq!(STEPS.iter().filter(|s| s.step == step).count(), 1, "{step:?}");
        }
    }

    #[test]
    fn a_step_on_an_hourly_schedule_is_skipped_by_scheduled_runs_within_the_hour() {
        let every_15_min = std::time::Duration::from_secs(15 * 60);
        let read = "2026-03-02T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let at = |m: i64| read + chrono::Duration::minutes(m);
        let account = |last: Option<DateTime<Utc>>| tiktok_ad_account::Model {
            breakdowns_read_at: last,
            ..tiktok_ad_account::Model::example()
        };
        let hourly = spec(Step::Breakdowns).unwrap().schedule;
        let read_at_10 = account(Some(read));
        assert!(!hourly.is_due(&read_at_10, false, at(15), every_15_min));
        assert!(!hourly.is_due(&read_at_10, false, at(45), every_15_min), "due only within half a sync of the hour");
        assert!(hourly.is_due(&read_at_10, false, at(53), every_15_min), "the sync nearest the hour reads it");
        assert!(hourly.is_due(&read_at_10, true, at(1), every_15_min), "a person asking reads it at once");
        assert!(hourly.is_due(&account(None), false, at(0), every_15_min), "never read: due");
        assert!(STEPS.iter().filter(|s| s.step != Step::Breakdowns).all(|s| matches!(s.schedule, Schedule::EverySync)));
    }
}
