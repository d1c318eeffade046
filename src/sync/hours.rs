//! Today by hour, for pacing: each campaign's delivery per hour of the advertiser's today on
//! every sync (TikTok gives today's hours up to the one under way), and once more for yesterday
//! after its day ended, so the finished day is held whole. TikTok gives hours one day per query.
//! A minor step: a day TikTok will not give is a gap on the card and the run goes on.

use super::{
    ctx::{Page, RunCtx, Stop},
    split_rows, SyncEngine,
};
use crate::{
    db::{
        entities::{
            sync_run::{FailureKind, Step},
            tiktok_ad_account, tiktok_insight_hourly,
        },
        run_queue::cursor::{HoursRead, StepError},
    },
    model::reports::Level,
    tiktok::wire::DataLevel,
};
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

/// Days of hours kept (UTC days, a day of slack for the advertisers' timezones): today and
/// yesterday for pacing, and the week before for whoever looks back. Housekeeping deletes older.
pub const KEEP_HOUR_DAYS: i64 = 8;

/// Hours after a day's end before its figures count as complete: TikTok's delivery data arrives
/// within about 30 minutes, up to 2 hours.
pub const SETTLE_HOURS: u32 = 2;

/// The days to read at `now` on the advertiser's clock: today, then yesterday unless every hour
/// of it is held already; yesterday counts as held once read [`SETTLE_HOURS`] after its end.
pub fn plan(now: NaiveDateTime, hours_through: Option<NaiveDate>) -> HoursRead {
    let today = now.date();
    let yesterday = today - Duration::days(1);
    if hours_through.is_some_and(|held| held >= yesterday) {
        HoursRead { days: vec![today], finished: None }
    } else {
        let settled = now.hour() >= SETTLE_HOURS;
        HoursRead { days: vec![today, yesterday], finished: settled.then_some(yesterday) }
    }
}

impl SyncEngine {
    pub(super) async fn hours_page(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let planned = ctx
            .cursor
            .hours
            .get_or_insert_with(|| plan(ctx.account.local(self.clock.now()), ctx.account.hours_through));
        let Some(day) = planned.days.first().copied() else {
            return self.hours_done(ctx).await;
        };
        let (page, adv, client) = (ctx.cursor.page, ctx.account.advertiser_id.clone(), ctx.client.clone());
        let fetched = self
            .call(ctx, |token| {
                let (client, adv) = (client.clone(), adv.clone());
                async move {
                    client.hourly_report(&token, &adv, DataLevel::Campaign, day)?.starting_at(page).next_page().await
                }
            })
            .await
            .map_err(|failure| self.stop_for(Step::Hours, failure))?;
        let (rows, total_page) = fetched.map_or((Vec::new(), 0), |p| (p.items, p.page_info.total_page));
        let n = rows.len();
        let txn = self.db.begin().await?;
        let now = self.clock.now();
        let refused = split_rows::write_hours(&txn, ctx.account.id, Level::Campaign, rows, now).await?;
        if let Some(first) = refused.first() {
            let message = format!(
                "hours of {day}: figures too large to be an hour's results in {} rows; they were not stored (first: {} {} {})",
                refused.len(),
                first.object_id,
                first.metric,
                first.value
            );
            let kind = FailureKind::BadRequest;
            ctx.step_errors.0.push(StepError {
                step: Step::Hours,
                kind,
                code: None,
                message,
                request_id: None,
                at: now,
            });
        }
        ctx.add_count(Step::Hours, n - refused.len());
        if page < total_page {
            ctx.cursor.page = page + 1;
            ctx.cursor.pages = total_page;
        } else {
            if let Some(h) = ctx.cursor.hours.as_mut() {
                h.days.remove(0);
            }
            ctx.cursor.page = 1;
        }
        self.commit_page(txn, ctx).await?;
        Ok(Page::More)
    }

    /// Deletes the hours older than [`KEEP_HOUR_DAYS`] (the table stays a few days deep however
    /// long syncs go on); returns how many.
    pub async fn prune_hours(&self) -> Result<u64, super::SyncError> {
        let before = self.clock.now().date_naive() - Duration::days(KEEP_HOUR_DAYS);
        let deleted = tiktok_insight_hourly::Entity::delete_many()
            .filter(tiktok_insight_hourly::Column::Date.lt(before))
            .exec(&self.db)
            .await?
            .rows_affected;
        if deleted > 0 {
            tracing::info!(deleted, before = %before, "deleted old hourly results");
        }
        Ok(deleted)
    }

    /// Every day read: a finished day read whole is held from now on.
    async fn hours_done(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let txn = self.db.begin().await?;
        if let Some(finished) = ctx.cursor.hours.take().and_then(|h| h.finished) {
            tiktok_ad_account::Entity::update_many()
                .col_expr(tiktok_ad_account::Column::HoursThrough, Expr::value(finished))
                .filter(tiktok_ad_account::Column::Id.eq(ctx.account.id))
                .exec(&txn)
                .await?;
            ctx.account.hours_through = Some(finished);
        }
        ctx.next_step();
        self.commit_page(txn, ctx).await?;
        Ok(Page::Advanced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn at(d: u32, hour: u32) -> NaiveDateTime {
        day(d).and_hms_opt(hour, 5, 0).unwrap()
    }

    #[test]
    fn today_always_and_yesterday_until_its_figures_have_settled() {
        assert_eq!(plan(at(7, 9), None), HoursRead { days: vec![day(7), day(6)], finished: Some(day(6)) });
        assert_eq!(plan(at(7, 9), Some(day(6))), HoursRead { days: vec![day(7)], finished: None });
        assert_eq!(
            plan(at(8, 0), Some(day(6))),
            HoursRead { days: vec![day(8), day(7)], finished: None },
            "just past midnight the day that ended is read again, not yet held"
        );
        assert_eq!(
            plan(at(8, 2), Some(day(6))),
            HoursRead { days: vec![day(8), day(7)], finished: Some(day(7)) },
            "two hours on, it is read once more, whole, and held"
        );
    }
}
