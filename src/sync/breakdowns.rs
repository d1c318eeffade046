//! Who saw the ads, on a schedule of their own: each campaign's days by age and gender and by
//! platform (TikTok's AUDIENCE report, in windows of at most [`AUDIENCE_DAYS`] for a large
//! advertiser, as TikTok advises against timeouts, else of 30) and by country (its BASIC report, which also has reach), newest first.
//! TikTok's audience figures lag ~16 hours and move for a day, so a scheduled sync reads them at
//! most hourly (its schedule in `steps.rs`), in the tiers the daily results use (`tiers.rs`: the recent days,
//! the last week, the attribution window); a first read covers the history. A minor step: a
//! breakdown TikTok refuses is a gap on the card while the others are read, 40067 or a timeout
//! halves the window, and nothing here ever holds the daily results.

use super::{
    ctx::{Page, RunCtx, Stop},
    evidence::step_error,
    failover::CallFailure,
    insights::today_of,
    split_rows,
    tiers::{self, ReadSoFar, Reread},
    SyncEngine,
};
use crate::{
    db::{
        entities::{
            sync_run::{RunTrigger, Step},
            tiktok_ad_account, tiktok_campaign,
        },
        run_queue::cursor::{BreakdownRead, Slice, StepError, Window},
    },
    model::reports::{Breakdown, Level},
    tiktok::{client::MAX_DAILY_REPORT_DAYS, wire::DataLevel, ErrorKind},
};
use chrono::{Duration, NaiveDate};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use strum::VariantArray;

/// Days per AUDIENCE query for a large advertiser: TikTok advises at most 7 against timeouts
/// (and past 7 days it lists at most 2,000 ids).
pub const AUDIENCE_DAYS: i64 = 7;

/// Campaigns from which an advertiser is large.
pub const LARGE_ADVERTISER: u64 = 100;

/// Gaps kept per run.
const MAX_GAPS: usize = 20;

/// The days a breakdown report covers in one query for an advertiser of `campaigns`.
fn days_per_query(by: Breakdown, campaigns: u64) -> i64 {
    match by {
        Breakdown::AgeGender | Breakdown::Platform if campaigns >= LARGE_ADVERTISER => AUDIENCE_DAYS,
        _ => MAX_DAILY_REPORT_DAYS,
    }
}

/// `from..=to` for every breakdown in windows of at most its days per query (for an advertiser
/// of `campaigns`), the newest days of every breakdown first.
pub fn plan(from: NaiveDate, to: NaiveDate, campaigns: u64) -> Vec<Slice> {
    let mut slices = Vec::new();
    for &by in Breakdown::VARIANTS {
        let mut end = to;
        while end >= from {
            let start = (end - Duration::days(days_per_query(by, campaigns) - 1)).max(from);
            slices.push(Slice { by, window: Window { level: Level::Campaign, start, end } });
            end = start - Duration::days(1);
        }
    }
    // Stable: on the same last day, the breakdowns keep their order.
    slices.sort_by_key(|s| std::cmp::Reverse(s.window.end));
    slices
}

impl SyncEngine {
    /// What this run reads of the breakdowns (its schedule in `steps.rs` found them due): the
    /// tier of days due, as for the daily results.
    async fn breakdowns_to_read(
        &self,
        account: &tiktok_ad_account::Model,
        asked: bool,
    ) -> Result<BreakdownRead, sea_orm::DbErr> {
        let now = self.clock.now();
        let today = today_of(account, now);
        let read = ReadSoFar {
            through: account.breakdowns_through,
            week_at: account.breakdowns_week_at,
            window_at: account.breakdowns_window_at,
            history_from: None,
        };
        let s = &self.settings;
        let (from, tier) = tiers::days_to_read(today, s.history_days, s.attribution, read, asked, now, s.interval);
        let campaigns = tiktok_campaign::Entity::find()
            .filter(tiktok_campaign::Column::AdAccountId.eq(account.id))
            .count(&self.db)
            .await?;
        let slices = plan(from, today, campaigns);
        Ok(BreakdownRead { slices, to: today, tier, planned_at: now })
    }

    pub(super) async fn breakdowns_page(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        if ctx.cursor.breakdowns.is_none() {
            let read = self.breakdowns_to_read(&ctx.account, ctx.trigger != RunTrigger::Scheduled).await?;
            let from = read.slices.last().map(|s| s.window.start);
            tracing::info!(from = ?from, to = %read.to, reread = ?read.tier, "reading audience breakdowns");
            ctx.cursor.breakdowns = Some(read);
            ctx.cursor.page = 1;
        }
        let Some(slice) = ctx.cursor.breakdowns.as_ref().and_then(|r| r.slices.first().copied()) else {
            return self.breakdowns_done(ctx).await;
        };
        let (page, adv, client) = (ctx.cursor.page, ctx.account.advertiser_id.clone(), ctx.client.clone());
        let Window { start, end, .. } = slice.window;
        let fetched = self
            .call(ctx, |token| {
                let (client, adv) = (client.clone(), adv.clone());
                async move {
                    let report = client.breakdown_report(&token, &adv, DataLevel::Campaign, slice.by, start, end)?;
                    report.starting_at(page).next_page().await
                }
            })
            .await;
        let fetched = match fetched {
            Ok(fetched) => fetched,
            Err(CallFailure::TikTok(err)) if err.kind == ErrorKind::QueryTooLarge || err.timed_out => {
                let slices = self.slices(ctx);
                slices.remove(0);
                match slice.window.halves() {
                    // Newest first, as planned.
                    Some((a, b)) => slices.splice(0..0, [b, a].map(|window| Slice { window, ..slice })).for_each(drop),
                    None => gap(ctx, step_error(Step::Breakdowns, &err, self.clock.now()), slice, "even for one day"),
                }
                ctx.cursor.page = 1;
                self.commit_page(self.db.begin().await?, ctx).await?;
                return Ok(Page::More);
            }
            // TikTok will not give this breakdown: a gap, and the other breakdowns are read.
            Err(CallFailure::TikTok(err)) if matches!(err.kind, ErrorKind::BadRequest | ErrorKind::Permission) => {
                self.slices(ctx).retain(|s| s.by != slice.by);
                gap(ctx, step_error(Step::Breakdowns, &err, self.clock.now()), slice, "");
                ctx.cursor.page = 1;
                self.commit_page(self.db.begin().await?, ctx).await?;
                return Ok(Page::More);
            }
            Err(failure) => return Err(self.stop_for(Step::Breakdowns, failure)),
        };
        let (rows, total_page) = fetched.map_or((Vec::new(), 0), |p| (p.items, p.page_info.total_page));
        let n = rows.len();
        let txn = self.db.begin().await?;
        let now = self.clock.now();
        let refused = split_rows::write_breakdown(&txn, ctx.account.id, Level::Campaign, slice.by, rows, now).await?;
        if let Some(first) = refused.first() {
            let message = format!(
                "TikTok sent figures too large to be a day's results in {} rows; they were not stored (first: {} on {}: {} {})",
                refused.len(), first.object_id, first.date, first.metric, first.value
            );
            let error = StepError {
                step: Step::Breakdowns,
                kind: crate::db::entities::sync_run::FailureKind::BadRequest,
                code: None,
                message,
                request_id: None,
                at: now,
            };
            gap(ctx, error, slice, "");
        }
        ctx.add_count(Step::Breakdowns, n - refused.len());
        if page < total_page {
            ctx.cursor.page = page + 1;
            ctx.cursor.pages = total_page;
        } else {
            self.slices(ctx).remove(0);
            ctx.cursor.page = 1;
        }
        self.commit_page(txn, ctx).await?;
        Ok(Page::More)
    }

    fn slices<'a>(&self, ctx: &'a mut RunCtx) -> &'a mut Vec<Slice> {
        &mut ctx.cursor.breakdowns.get_or_insert_with(|| BreakdownRead::empty(self.clock.now())).slices
    }

    /// Every window read (or given up): the account's breakdowns count as read through the
    /// last day, and the tiers this read covered start their wait again from when it was planned.
    async fn breakdowns_done(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let txn = self.db.begin().await?;
        if let Some(read) = ctx.cursor.breakdowns.take() {
            let (week, window) = match read.tier {
                Reread::History | Reread::Window => (true, true),
                Reread::Week => (true, false),
                Reread::Recent => (false, false),
            };
            let a = &mut ctx.account;
            a.breakdowns_through = Some(read.to);
            a.breakdowns_read_at = Some(read.planned_at);
            if week {
                a.breakdowns_week_at = Some(read.planned_at);
            }
            if window {
                a.breakdowns_window_at = Some(read.planned_at);
            }
            use tiktok_ad_account::Column as C;
            tiktok_ad_account::Entity::update_many()
                .col_expr(C::BreakdownsThrough, Expr::value(a.breakdowns_through))
                .col_expr(C::BreakdownsReadAt, Expr::value(a.breakdowns_read_at))
                .col_expr(C::BreakdownsWeekAt, Expr::value(a.breakdowns_week_at))
                .col_expr(C::BreakdownsWindowAt, Expr::value(a.breakdowns_window_at))
                .filter(C::Id.eq(a.id))
                .exec(&txn)
                .await?;
        }
        ctx.next_step();
        self.commit_page(txn, ctx).await?;
        Ok(Page::Advanced)
    }
}

impl BreakdownRead {
    fn empty(planned_at: chrono::DateTime<chrono::Utc>) -> Self {
        let to = planned_at.date_naive();
        BreakdownRead { slices: Vec::new(), to, tier: Reread::Recent, planned_at }
    }
}

/// A breakdown window TikTok did not give, on the card (the first [`MAX_GAPS`] of a run).
fn gap(ctx: &mut RunCtx, mut error: StepError, slice: Slice, how: &str) {
    let Window { start, end, .. } = slice.window;
    let how = if how.is_empty() { String::new() } else { format!(" {how}") };
    // The card says "TikTok did not give the audience breakdowns (…)" around it.
    error.message = format!("the {} breakdown for {start} to {end}{how}: {}", slice.by.label(), error.message);
    tracing::warn!(breakdown = slice.by.key(), %start, %end, "{}", error.message);
    if ctx.step_errors.0.iter().filter(|e| e.step == Step::Breakdowns).count() < MAX_GAPS {
        ctx.step_errors.0.push(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_large_advertisers_audience_windows_are_a_week_the_newest_days_first() {
        let slices = plan(day("2026-11-03"), day("2026-11-30"), LARGE_ADVERTISER);
        let of = |by: Breakdown| slices.iter().filter(|s| s.by == by).map(|s| s.window).collect::<Vec<_>>();
        assert_eq!(of(Breakdown::AgeGender).len(), 4);
        assert_eq!(of(Breakdown::Platform).len(), 4);
        assert_eq!(of(Breakdown::Country).len(), 1, "28 days in one BASIC query");
        for by in Breakdown::VARIANTS {
            let days: i64 = of(*by).iter().map(Window::days).sum();
            assert_eq!(days, 28, "{by:?} covers every day once");
        }
        assert!(slices[..3].iter().all(|s| s.window.end == day("2026-11-30")), "today first for every breakdown");
        assert!(slices.windows(2).all(|w| w[0].window.end >= w[1].window.end));
    }

    #[test]
    fn a_smaller_advertiser_reads_each_breakdown_a_month_at_a_time() {
        let slices = plan(day("2026-09-02"), day("2026-11-30"), LARGE_ADVERTISER - 1);
        assert_eq!(slices.len(), 9, "90 days: three months for each of three breakdowns");
        assert!(slices.iter().all(|s| s.window.days() == 30));
    }
}
