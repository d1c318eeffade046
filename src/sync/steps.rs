//! The one list of a run's steps: their order, whether each is core or minor, and how each reads
//! a page. Adding a step is a file with its page function and an entry here (and its stored key,
//! [`Step`], in the runs table's enum, with its label).
//!
//! The order is what people act on first: the advertiser and the objects the spend belongs to,
//! then the daily results, then the minor steps, so that no minor step stands before the spend.

use super::{
    ctx::{Page, RunCtx, Stop},
    Step, SyncEngine,
};
use crate::{
    db::run_queue::Progress,
    tiktok::wire::{Ad, AdGroup, Audience, Campaign, Image, Pixel, Video},
};
use futures::future::BoxFuture;

/// Whether a run can do without a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tier {
    /// Without it the spend cannot be read or placed: a lasting error fails the run.
    Core,
    /// A lasting error is a gap on the card, and the run goes on.
    Minor,
}

/// Reads the step's next page (or does the whole step, for steps without pages).
type PageFn = for<'a> fn(&'a SyncEngine, &'a mut RunCtx) -> BoxFuture<'a, Result<Page, Stop>>;

pub(super) struct StepSpec {
    pub step: Step,
    pub tier: Tier,
    pub page: PageFn,
}

/// Every step of a run, in the order it runs them.
pub(super) static STEPS: [StepSpec; 14] = [
    StepSpec { step: Step::Advertiser, tier: Tier::Core, page: |e, c| Box::pin(e.advertiser_step(c)) },
    StepSpec { step: Step::Campaigns, tier: Tier::Core, page: |e, c| Box::pin(e.page_of::<Campaign>(c)) },
    StepSpec { step: Step::AdGroups, tier: Tier::Core, page: |e, c| Box::pin(e.page_of::<AdGroup>(c)) },
    StepSpec { step: Step::Ads, tier: Tier::Core, page: |e, c| Box::pin(e.page_of::<Ad>(c)) },
    StepSpec { step: Step::Insights, tier: Tier::Core, page: |e, c| Box::pin(e.insights_page(c)) },
    StepSpec { step: Step::DataCheck, tier: Tier::Minor, page: |e, c| Box::pin(e.data_check_step(c)) },
    StepSpec { step: Step::Hours, tier: Tier::Minor, page: |e, c| Box::pin(e.hours_page(c)) },
    StepSpec { step: Step::Breakdowns, tier: Tier::Minor, page: |e, c| Box::pin(e.breakdowns_page(c)) },
    StepSpec { step: Step::Images, tier: Tier::Minor, page: |e, c| Box::pin(e.page_of::<Image>(c)) },
    StepSpec { step: Step::Videos, tier: Tier::Minor, page: |e, c| Box::pin(e.page_of::<Video>(c)) },
    StepSpec { step: Step::Audiences, tier: Tier::Minor, page: |e, c| Box::pin(e.page_of::<Audience>(c)) },
    StepSpec { step: Step::Pixels, tier: Tier::Minor, page: |e, c| Box::pin(e.page_of::<Pixel>(c)) },
    StepSpec { step: Step::PixelStats, tier: Tier::Minor, page: |e, c| Box::pin(e.pixel_stats_page(c)) },
    StepSpec { step: Step::Backfill, tier: Tier::Minor, page: |e, c| Box::pin(e.backfill_page(c)) },
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
}
