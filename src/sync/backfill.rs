//! The history a raised `HISTORY_DAYS` adds, read as a step of its own after each sync's tiers:
//! the newest of the missing days first, at most [`SPANS_PER_RUN`] 30-day spans a run (the next
//! sync goes on from there), and `history_from` moved back with the page that completes each
//! span at every level. So today is read at every sync whatever the history still to come, a run
//! killed mid-backfill resumes at its page, and a span TikTok keeps failing on is a gap on the
//! card that the next sync tries again, never a failed run.

use super::{
    ctx::{Page, RunCtx, Stop},
    insights::{plan, today_of, WindowRead},
    tiers::{self, ReadSoFar},
    Step, SyncEngine,
};
use crate::{db::entities::tiktok_ad_account, tiktok::client::MAX_DAILY_REPORT_DAYS};
use chrono::Duration;
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};

/// 30-day spans of older days read per run, at every level: a year, so a run stays short
/// (48 report queries and their pages at most) and the next sync reads today on time.
pub const SPANS_PER_RUN: i64 = 12;

impl SyncEngine {
    pub(super) async fn backfill_page(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        if ctx.cursor.backfill_from.is_none() {
            let account = &ctx.account;
            let read = ReadSoFar {
                through: account.insights_through,
                week_at: account.week_reread_at,
                window_at: account.window_reread_at,
                history_from: account.history_from,
            };
            let today = today_of(account, self.clock.now());
            let Some((oldest, last)) = tiers::backfill(today, self.settings.history_days, read) else {
                return Ok(Page::StepDone);
            };
            let first = oldest.max(last - Duration::days(SPANS_PER_RUN * MAX_DAILY_REPORT_DAYS - 1));
            tracing::info!(from = %first, to = %last, oldest = %oldest, "reading days a longer history adds");
            ctx.cursor.windows = plan(first, last);
            ctx.cursor.backfill_from = Some(first);
            ctx.cursor.insights_incomplete = false;
            ctx.cursor.page = 1;
        }
        let Some(WindowRead { txn, window, finished }) = self.window_page(ctx, Step::Backfill).await? else {
            return Ok(Page::StepDone);
        };
        if ctx.cursor.insights_incomplete {
            // Days missing in this span: the history must not claim them. The next sync reads
            // the span again.
            ctx.cursor.windows.clear();
            self.commit_page(txn, ctx).await?;
            return Ok(Page::StepDone);
        }
        // Every day from the window's start on is held at every level once no window still to
        // read ends on or after it.
        let held_from = finished && ctx.cursor.windows.iter().all(|w| w.end < window.start);
        let moves_back = held_from && ctx.account.history_from.is_none_or(|held| window.start < held);
        if moves_back {
            tiktok_ad_account::Entity::update_many()
                .col_expr(tiktok_ad_account::Column::HistoryFrom, Expr::value(window.start))
                .filter(tiktok_ad_account::Column::Id.eq(ctx.account.id))
                .exec(&txn)
                .await?;
        }
        self.commit_page(txn, ctx).await?;
        if moves_back {
            ctx.account.history_from = Some(window.start);
        }
        Ok(if ctx.cursor.windows.is_empty() { Page::StepDone } else { Page::More })
    }
}
