//! Daily insights at campaign, ad group, ad and advertiser level, in windows of at most 30 of
//! the advertiser's days, newest first (a first sync: the last `HISTORY_DAYS`; later: the tiers
//! of the attribution window that are due, see [`super::tiers`]; the days a raised history adds
//! are the backfill's, `backfill.rs`). TikTok's 40067 (query too large) or a timeout halves the window and carries on; rows
//! TikTok sent that cannot be kept are gaps on the card. Then the data check (`data_check.rs`).

use super::{
    ctx::{Page, RunCtx, Stop},
    evidence::step_error,
    tiers::{self, ReadSoFar, Reread},
    SyncEngine,
};
use crate::{
    db::{
        entities::{
            sync_run::{FailureKind, RunTrigger, Step},
            tiktok_ad_account,
        },
        run_queue::cursor::{StepError, Window},
    },
    model::reports::Level,
    tiktok::{client::MAX_DAILY_REPORT_DAYS, wire::DataLevel, ErrorKind},
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait};

/// The advertiser's today: TikTok's days are the advertiser's days.
pub fn today_of(account: &tiktok_ad_account::Model, now: DateTime<Utc>) -> NaiveDate {
    account.today(now)
}

/// The levels in the order people look at them.
const LEVELS: [Level; 4] = [Level::Campaign, Level::AdGroup, Level::Ad, Level::Advertiser];

fn wire_level(level: Level) -> DataLevel {
    match level {
        Level::Advertiser => DataLevel::Advertiser,
        Level::Campaign => DataLevel::Campaign,
        Level::AdGroup => DataLevel::AdGroup,
        Level::Ad => DataLevel::Ad,
    }
}

/// `from..=to` in windows of at most 30 days, newest first, each at every level: the latest
/// month shows everywhere first and older months fill in after.
pub fn plan(from: NaiveDate, to: NaiveDate) -> Vec<Window> {
    let mut windows = Vec::new();
    let mut end = to;
    while end >= from {
        let start = (end - Duration::days(MAX_DAILY_REPORT_DAYS - 1)).max(from);
        windows.extend(LEVELS.map(|level| Window { level, start, end }));
        end = start - Duration::days(1);
    }
    windows
}

impl SyncEngine {
    /// The days this run reads, and which tier they are: the history on a first sync, else the
    /// tiers of the attribution window that are due (all of it when a person asked).
    fn insight_days(&self, account: &tiktok_ad_account::Model, asked: bool) -> Days {
        let now = self.clock.now();
        let today = today_of(account, now);
        let read = ReadSoFar {
            through: account.insights_through,
            week_at: account.week_reread_at,
            window_at: account.window_reread_at,
            history_from: account.history_from,
        };
        let (from, tier) = tiers::days_to_read(
            today,
            self.settings.history_days,
            self.settings.attribution,
            read,
            asked,
            now,
            self.settings.interval,
        );
        Days { from, to: today, tier }
    }

    pub(super) async fn insights_page(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        if ctx.cursor.insights_from.is_none() {
            let Days { from, to, tier } = self.insight_days(&ctx.account, ctx.trigger != RunTrigger::Scheduled);
            tracing::info!(from = %from, to = %to, reread = ?tier, "reading daily results");
            ctx.cursor.insights_from = Some(from);
            ctx.cursor.insights_to = Some(to);
            ctx.cursor.reread = Some(tier);
            ctx.cursor.planned_at = Some(self.clock.now());
            ctx.cursor.windows = plan(from, to);
            ctx.cursor.page = 1;
        }
        match self.window_page(ctx, Step::Insights).await? {
            None => self.insights_done(ctx).await,
            Some(read) => {
                self.commit_page(read.txn, ctx).await?;
                Ok(Page::More)
            }
        }
    }

    /// A page of the cursor's first window, for `step` (the daily results, or the backfill):
    /// its rows written in the returned transaction, for the caller to commit with the cursor;
    /// `None` when no window is left. A window TikTok finds too large or times out on is
    /// replaced by its halves; one that fails even for a single day is a gap.
    pub(super) async fn window_page(&self, ctx: &mut RunCtx, step: Step) -> Result<Option<WindowRead>, Stop> {
        let Some(window) = ctx.cursor.windows.first().copied() else {
            return Ok(None);
        };
        let page = ctx.cursor.page;
        let adv = ctx.account.advertiser_id.clone();
        let client = ctx.client.clone();
        let fetched = self
            .call(ctx, |token| {
                let (client, adv) = (client.clone(), adv.clone());
                async move {
                    client
                        .daily_report(&token, &adv, wire_level(window.level), window.start, window.end)?
                        .starting_at(page)
                        .next_page()
                        .await
                }
            })
            .await;
        let fetched = match fetched {
            Ok(fetched) => fetched,
            // Too large, or timed out (TikTok blocks a request resent unchanged after timeouts):
            // asked again for half the days.
            Err(super::failover::CallFailure::TikTok(err)) if err.kind == ErrorKind::QueryTooLarge || err.timed_out => {
                ctx.cursor.windows.remove(0);
                match window.halves() {
                    Some((a, b)) => {
                        tracing::info!(level = ?window.level, days = window.days(), timed_out = err.timed_out, "TikTok said the report is too large or timed out: halving the window");
                        // Newest first, as the plan reads.
                        ctx.cursor.windows.insert(0, a);
                        ctx.cursor.windows.insert(0, b);
                    }
                    None => {
                        let mut error = step_error(step, &err, self.clock.now());
                        let why = if err.timed_out { "timed out on" } else { "rejected as too large" };
                        error.message = format!(
                            "TikTok {why} the {:?} report for {} even for a single day: {}",
                            window.level, window.start, err.message
                        );
                        add_gap(ctx, error);
                    }
                }
                ctx.cursor.page = 1;
                return Ok(Some(WindowRead { txn: self.db.begin().await?, window, finished: false }));
            }
            Err(failure) => return Err(self.stop_for(step, failure)),
        };
        // Paging follows TikTok's count, whatever became of the rows: a page whose rows could
        // not be read is a gap on the card, never the end of the window. An empty page before
        // the last says the count ran ahead of the rows: the window ends there, said as a gap.
        let (rows, more, total_page, unread, cut_short) = match fetched {
            Some(p) => {
                let total_page = p.page_info.total_page;
                let cut_short = page < total_page && p.sent == 0;
                let unread = p.sent.saturating_sub(p.items.len());
                (p.items, page < total_page && !cut_short, total_page, unread, cut_short)
            }
            None => (Vec::new(), false, 0, 0, false),
        };
        let report = format!("the {:?} report for {} to {}", window.level, window.start, window.end);
        if unread > 0 {
            let what = format!(
                "TikTok sent {unread} rows on page {page} of {total_page} of {report} without a readable id or day; they were not stored"
            );
            self.gap(ctx, step, what);
        }
        if cut_short {
            let what =
                format!("TikTok sent page {page} of {total_page} of {report} empty; the pages after it were not read");
            self.gap(ctx, step, what);
        }
        let n = rows.len();
        let txn = self.db.begin().await?;
        let refused = super::daily_rows::write(&txn, ctx.account.id, window.level, rows, self.clock.now()).await?;
        if !refused.is_empty() {
            let what = refused_rows(&refused, &report, page);
            self.gap(ctx, step, what);
        }
        ctx.add_count(Step::Insights, n - refused.len());
        if more {
            ctx.cursor.page = page + 1;
            ctx.cursor.pages = total_page;
        } else {
            ctx.cursor.windows.remove(0);
            ctx.cursor.page = 1;
        }
        Ok(Some(WindowRead { txn, window, finished: !more }))
    }

    /// A gap in the daily results, on the card: the days stay due for a later read. At most
    /// [`MAX_GAPS`] are kept per run, so a long history of bad pages cannot grow the run's row.
    fn gap(&self, ctx: &mut RunCtx, step: Step, message: String) {
        let (at, kind) = (self.clock.now(), FailureKind::BadRequest);
        add_gap(ctx, StepError { step, kind, code: None, message, request_id: None, at });
    }

    /// Every window read: the account's insights are complete through the last day.
    /// Written with the cursor's move on, and only while the run is still this claim's.
    async fn insights_done(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let txn = self.db.begin().await?;
        // A day TikTok would not give even alone is a step error on the card; the days read
        // count as read, or every sync after would read the whole window again.
        let through = match ctx.cursor.insights_to {
            Some(to) => {
                // The tiers this read covered start their wait again, from when it was planned.
                let now = ctx.cursor.planned_at.unwrap_or_else(|| self.clock.now());
                let (week, window) = match ctx.cursor.reread {
                    Some(Reread::History | Reread::Window) => (true, true),
                    Some(Reread::Week) => (true, false),
                    Some(Reread::Recent) | None => (false, false),
                };
                let mut update = tiktok_ad_account::Entity::update_many()
                    .col_expr(tiktok_ad_account::Column::InsightsThrough, Expr::value(to))
                    .filter(tiktok_ad_account::Column::Id.eq(ctx.account.id));
                if week {
                    update = update.col_expr(tiktok_ad_account::Column::WeekRereadAt, Expr::value(now));
                    ctx.account.week_reread_at = Some(now);
                }
                if window {
                    update = update.col_expr(tiktok_ad_account::Column::WindowRereadAt, Expr::value(now));
                    ctx.account.window_reread_at = Some(now);
                }
                // The history now reaches back to the first day read (a first sync, or for an
                // account that held nothing yet, this read; a run planned before the backfill was
                // a step of its own read the added days here).
                let read_from = ctx.cursor.backfill_from.or(ctx.cursor.insights_from);
                let first = match (ctx.account.history_from, read_from) {
                    (Some(held), Some(read)) => Some(held.min(read)),
                    (held, read) => held.or(read),
                };
                if first != ctx.account.history_from {
                    if let Some(first) = first {
                        update = update.col_expr(tiktok_ad_account::Column::HistoryFrom, Expr::value(first));
                        ctx.account.history_from = Some(first);
                    }
                }
                update.exec(&txn).await?;
                Some(to)
            }
            None => None,
        };
        ctx.next_step();
        self.commit_page(txn, ctx).await?;
        if through.is_some() {
            ctx.account.insights_through = through;
        }
        Ok(Page::Advanced)
    }
}

/// The days a run reads: `from..=to` as tier `tier`.
struct Days {
    from: NaiveDate,
    to: NaiveDate,
    tier: Reread,
}

/// A page of a window, read: its rows are written in `txn`; `finished` when the window is done.
pub(super) struct WindowRead {
    pub txn: DatabaseTransaction,
    pub window: Window,
    pub finished: bool,
}

/// Gaps in the daily results kept per run.
const MAX_GAPS: usize = 20;

/// Records a gap in the daily results: the run's read is incomplete, and the card says why (the
/// first [`MAX_GAPS`] of a step's).
fn add_gap(ctx: &mut RunCtx, error: StepError) {
    ctx.cursor.insights_incomplete = true;
    if ctx.step_errors.0.iter().filter(|e| e.step == error.step).count() < MAX_GAPS {
        ctx.step_errors.0.push(error);
    }
}

/// Rows whose figures no column can keep, with TikTok's own values (a few of them).
fn refused_rows(refused: &[super::daily_rows::Refused], report: &str, page: u32) -> String {
    let examples: Vec<String> =
        refused.iter().take(3).map(|r| format!("{} on {}: {} {}", r.object_id, r.date, r.metric, r.value)).collect();
    format!(
        "TikTok sent figures too large to be a day's results in {} rows on page {page} of {report}; they were not stored ({}{})",
        refused.len(),
        examples.join("; "),
        if refused.len() > examples.len() { "; …" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ninety_days_are_three_windows_per_level_the_newest_month_first_at_every_level() {
        let windows = plan(day("2026-01-01"), day("2026-03-31"));
        assert_eq!(windows.len(), 12);
        assert_eq!(windows[0].level, Level::Campaign, "campaigns first");
        assert!(windows[..4].iter().all(|w| w.end == day("2026-03-31") && w.days() == 30), "{windows:?}");
        assert!(windows.windows(2).all(|w| w[0].end >= w[1].end), "newest first");
        assert_eq!(windows[11].start, day("2026-01-01"));
        assert!(windows.iter().all(|w| w.days() <= 30));
        let campaign_days: i64 = windows.iter().filter(|w| w.level == Level::Campaign).map(Window::days).sum();
        assert_eq!(campaign_days, 90);
    }

    #[test]
    fn three_years_of_history_are_thirty_seven_windows_per_level() {
        let windows = plan(day("2023-12-06"), day("2026-12-04"));
        assert_eq!(windows.len(), 37 * 4);
        assert_eq!(windows.last().unwrap().start, day("2023-12-06"));
    }

    #[test]
    fn today_is_the_advertisers_today() {
        let account = tiktok_ad_account::Model {
            timezone: Some("Etc/GMT-9".into()),
            display_timezone: Some("Asia/Tokyo".into()),
            ..tiktok_ad_account::Model::example()
        };
        let late_utc = DateTime::parse_from_rfc3339("2026-03-01T20:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(today_of(&account, late_utc), day("2026-03-02"), "Tokyo is already on the next day");
        let unknown =
            tiktok_ad_account::Model { display_timezone: None, timezone: Some("Mars/Olympus".into()), ..account };
        assert_eq!(today_of(&unknown, late_utc), day("2026-03-01"));
    }
}
