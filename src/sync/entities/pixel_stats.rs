//! The step after the pixels: each pixel's event counts over the last 30 of the account's days.

use super::unique_by;
use crate::{
    db::entities::{tiktok_pixel, tiktok_pixel_event_stat},
    sync::{
        ctx::{Page, RunCtx, Stop},
        store::upsert,
        Step, SyncEngine,
    },
    tiktok::client::PIXEL_STATS_BATCH,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};

impl SyncEngine {
    /// Event counts for the account's pixels over the last 30 of its days, 10 pixels a request.
    pub(in crate::sync) async fn pixel_stats_page(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let batch = ctx.cursor.page.max(1) as u64 - 1;
        let pixel_ids: Vec<String> = tiktok_pixel::Entity::find()
            .select_only()
            .column(tiktok_pixel::Column::PixelId)
            .filter(tiktok_pixel::Column::AdAccountId.eq(ctx.account.id))
            .filter(tiktok_pixel::Column::GoneAt.is_null())
            .order_by_asc(tiktok_pixel::Column::PixelId)
            .offset(batch * PIXEL_STATS_BATCH as u64)
            .limit(PIXEL_STATS_BATCH as u64)
            .into_tuple()
            .all(&self.db)
            .await?;
        if pixel_ids.is_empty() {
            return Ok(Page::StepDone);
        }
        let end = crate::sync::insights::today_of(&ctx.account, self.clock.now());
        let start = end - chrono::Duration::days(29);
        let adv = ctx.account.advertiser_id.clone();
        let client = ctx.client.clone();
        let stats = self
            .call(ctx, |token| {
                let (client, adv, ids) = (client.clone(), adv.clone(), pixel_ids.clone());
                async move { client.pixel_event_stats(&token, &adv, &ids, start, end).await }
            })
            .await
            .map_err(|f| self.stop_for(Step::PixelStats, f))?;
        let (now, account_id) = (self.clock.now(), ctx.account.id);
        let rows: Vec<tiktok_pixel_event_stat::ActiveModel> = stats
            .iter()
            .flat_map(|p| {
                p.statistics.iter().filter_map(move |s| {
                    Some(tiktok_pixel_event_stat::ActiveModel {
                        ad_account_id: Set(account_id),
                        pixel_id: Set(p.pixel_id.clone()),
                        event_type: Set(s.pixel_event_type.clone()?),
                        total_count: Set(s.total_count),
                        attributed_count: Set(s.attributed_count),
                        browser_count: Set(s.browser_event_total_count),
                        server_count: Set(s.server_event_total_count),
                        range_start: Set(start),
                        range_end: Set(end),
                        synced_at: Set(now),
                        ..Default::default()
                    })
                })
            })
            .collect();
        let rows = unique_by(rows, |r| format!("{:?}{:?}", r.pixel_id, r.event_type));
        use tiktok_pixel_event_stat::Column as C;
        let n = rows.len();
        let txn = self.db.begin().await?;
        upsert(
            &txn,
            rows,
            &[C::AdAccountId, C::PixelId, C::EventType],
            &[
                C::TotalCount,
                C::AttributedCount,
                C::BrowserCount,
                C::ServerCount,
                C::RangeStart,
                C::RangeEnd,
                C::SyncedAt,
            ],
        )
        .await?;
        ctx.add_count(Step::PixelStats, n);
        ctx.cursor.page += 1;
        self.commit_page(txn, ctx).await?;
        Ok(Page::More)
    }
}
