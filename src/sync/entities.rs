//! The entity steps: advertiser info, then campaigns, ad groups, ads, images, videos, audiences
//! and pixels (with their events) page by page, then the pixels' event counts. Each page is
//! upserted as it arrives (so campaigns show while ads are still coming); once a step has read
//! every page, what it did not see is marked gone.

use super::{
    run::{Page, RunCtx, Stop},
    store::{self, mark_gone, micros, upsert},
    FailureKind, Step, SyncEngine,
};
use crate::{
    db::entities::{
        tiktok_ad, tiktok_ad_account, tiktok_adgroup, tiktok_audience, tiktok_campaign, tiktok_image, tiktok_pixel,
        tiktok_pixel_event, tiktok_pixel_event_stat, tiktok_video,
    },
    tiktok::{
        client::{Pager, PIXEL_STATS_BATCH},
        wire::{Ad, AdGroup, Audience, Campaign, Image, Pixel, Video, WithRaw},
        TikTokClient,
    },
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// The ids and time every row of a page shares.
struct Rows {
    account_id: i32,
    run_id: i32,
    now: DateTime<Utc>,
}

/// Keeps the last of several records with the same id (a page may repeat one): an upsert
/// statement may touch each row once.
fn unique_by<T>(items: Vec<T>, id: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        match seen.get(&id(&item)) {
            Some(&i) => out[i] = item,
            None => {
                seen.insert(id(&item), out.len());
                out.push(item);
            }
        }
    }
    out
}

type List<W> = for<'a> fn(&'a TikTokClient, &'a SecretString, &str) -> Pager<'a, WithRaw<W>>;

fn campaigns<'a>(c: &'a TikTokClient, t: &'a SecretString, a: &str) -> Pager<'a, WithRaw<Campaign>> {
    c.campaigns(t, a).with_raw()
}
fn ad_groups<'a>(c: &'a TikTokClient, t: &'a SecretString, a: &str) -> Pager<'a, WithRaw<AdGroup>> {
    c.ad_groups(t, a).with_raw()
}
fn ads<'a>(c: &'a TikTokClient, t: &'a SecretString, a: &str) -> Pager<'a, WithRaw<Ad>> {
    c.ads(t, a).with_raw()
}
fn images<'a>(c: &'a TikTokClient, t: &'a SecretString, a: &str) -> Pager<'a, WithRaw<Image>> {
    c.images(t, a).with_raw()
}
fn videos<'a>(c: &'a TikTokClient, t: &'a SecretString, a: &str) -> Pager<'a, WithRaw<Video>> {
    c.videos(t, a).with_raw()
}
fn audiences<'a>(c: &'a TikTokClient, t: &'a SecretString, a: &str) -> Pager<'a, WithRaw<Audience>> {
    c.audiences(t, a).with_raw()
}
fn pixels<'a>(c: &'a TikTokClient, t: &'a SecretString, a: &str) -> Pager<'a, WithRaw<Pixel>> {
    c.pixels(t, a).with_raw()
}

impl SyncEngine {
    /// The advertiser's own details: name, status, currency, both timezones.
    pub(super) async fn advertiser_step(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let adv = ctx.account.advertiser_id.clone();
        let client = ctx.client.clone();
        let found = self
            .call(ctx, |token| {
                let (client, ids) = (client.clone(), vec![adv.clone()]);
                async move { client.advertiser_info(&token, &ids).await }
            })
            .await
            .map_err(|f| self.stop_for(Step::Advertiser, f))?;
        let Some(info) = found.into_iter().find(|i| i.advertiser_id == adv) else {
            return Err(Stop::Fail {
                kind: FailureKind::Permission,
                evidence: format!(
                    "TikTok no longer gives this connection access to advertiser {adv} (removed from the Business Center?) at {}",
                    self.clock.now().format("%Y-%m-%d %H:%M UTC")
                ),
            });
        };
        let now = self.clock.now();
        let mut account: tiktok_ad_account::ActiveModel = ctx.account.clone().into();
        if let Some(name) = info.name.clone() {
            account.name = Set(name);
        }
        account.tiktok_status = Set(info.status.clone().or(ctx.account.tiktok_status.clone()));
        account.currency = Set(info.currency.clone().or(ctx.account.currency.clone()));
        account.timezone = Set(info.timezone.clone().or(ctx.account.timezone.clone()));
        account.display_timezone = Set(info.display_timezone.clone().or(ctx.account.display_timezone.clone()));
        account.company = Set(info.company.clone());
        account.country = Set(info.country.clone());
        account.updated_at = Set(now);
        let txn = self.db.begin().await?;
        let updated = sea_orm::ActiveModelTrait::update(account, &txn).await?;
        ctx.account = updated;
        ctx.add_count(Step::Advertiser, 1);
        self.commit_page(txn, ctx).await?;
        Ok(Page::StepDone)
    }

    /// One page of the current entity step.
    pub(super) async fn entity_page(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        match ctx.cursor.step {
            Step::Campaigns => self.page_of(ctx, campaigns, campaign_rows).await,
            Step::AdGroups => self.page_of(ctx, ad_groups, adgroup_rows).await,
            Step::Ads => self.page_of(ctx, ads, ad_rows).await,
            Step::Images => self.page_of(ctx, images, image_rows).await,
            Step::Videos => self.page_of(ctx, videos, video_rows).await,
            Step::Audiences => self.page_of(ctx, audiences, audience_rows).await,
            Step::Pixels => self.page_of(ctx, pixels, pixel_rows).await,
            _ => Ok(Page::StepDone),
        }
    }

    async fn page_of<W>(
        &self,
        ctx: &mut RunCtx,
        list: List<W>,
        write: for<'t> fn(&'t sea_orm::DatabaseTransaction, Rows, Vec<WithRaw<W>>) -> WriteFuture<'t>,
    ) -> Result<Page, Stop>
    where
        W: DeserializeOwned,
    {
        let step = ctx.cursor.step;
        let page = ctx.cursor.page;
        let adv = ctx.account.advertiser_id.clone();
        let client = ctx.client.clone();
        let fetched = self
            .call(ctx, |token| {
                let (client, adv) = (client.clone(), adv.clone());
                async move { list(&client, &token, &adv).starting_at(page).next_page().await }
            })
            .await
            .map_err(|f| self.stop_for(step, f))?;
        let Some(fetched) = fetched else { return self.step_complete(ctx).await };
        let more = page < fetched.page_info.total_page && !fetched.items.is_empty();
        let n = fetched.items.len();
        let rows = Rows { account_id: ctx.account.id, run_id: ctx.run_id, now: self.clock.now() };
        let txn = self.db.begin().await?;
        write(&txn, rows, fetched.items).await?;
        ctx.add_count(step, n);
        ctx.cursor.page = page + 1;
        ctx.cursor.pages = fetched.page_info.total_page;
        self.commit_page(txn, ctx).await?;
        if more {
            Ok(Page::More)
        } else {
            self.step_complete(ctx).await
        }
    }

    /// Every page of the step is read: what the run did not see is gone. Written with the
    /// cursor's move to the next step, and only while the run is still this claim's.
    async fn step_complete(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
        let (account, run, now) = (ctx.account.id, ctx.run_id, self.clock.now());
        let step = ctx.cursor.step;
        let txn = self.db.begin().await?;
        let gone = match step {
            Step::Campaigns => mark_gone::<tiktok_campaign::Entity>(&txn, account, run, now).await?,
            Step::AdGroups => mark_gone::<tiktok_adgroup::Entity>(&txn, account, run, now).await?,
            Step::Ads => mark_gone::<tiktok_ad::Entity>(&txn, account, run, now).await?,
            Step::Images => mark_gone::<tiktok_image::Entity>(&txn, account, run, now).await?,
            Step::Videos => mark_gone::<tiktok_video::Entity>(&txn, account, run, now).await?,
            Step::Audiences => mark_gone::<tiktok_audience::Entity>(&txn, account, run, now).await?,
            Step::Pixels => {
                mark_gone::<tiktok_pixel::Entity>(&txn, account, run, now).await?
                    + mark_gone::<tiktok_pixel_event::Entity>(&txn, account, run, now).await?
            }
            _ => 0,
        };
        ctx.cursor.advance();
        self.commit_page(txn, ctx).await?;
        if gone > 0 {
            tracing::info!(step = step.key(), gone, "marked records TikTok no longer returns as gone");
        }
        Ok(Page::Advanced)
    }

    /// Event counts for the account's pixels over the last 30 of its days, 10 pixels a request.
    pub(super) async fn pixel_stats_page(&self, ctx: &mut RunCtx) -> Result<Page, Stop> {
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
        let end = super::insights::today_of(&ctx.account, self.clock.now());
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

type WriteFuture<'t> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sea_orm::DbErr>> + Send + 't>>;

fn raw(r: &serde_json::Value) -> String {
    r.to_string()
}

/// Columns every entity row updates on conflict besides its own.
macro_rules! entity_updates {
    ($c:ident; $($col:ident),* $(,)?) => {
        &[$($c::$col,)* $c::Raw, $c::SeenRunId, $c::GoneAt, $c::SyncedAt]
    };
}

fn campaign_rows(txn: &sea_orm::DatabaseTransaction, r: Rows, items: Vec<WithRaw<Campaign>>) -> WriteFuture<'_> {
    use tiktok_campaign::Column as C;
    let rows: Vec<_> = unique_by(items, |i| i.item.campaign_id.clone())
        .into_iter()
        .map(|WithRaw { item: c, raw: json }| tiktok_campaign::ActiveModel {
            ad_account_id: Set(r.account_id),
            campaign_id: Set(c.campaign_id),
            name: Set(c.campaign_name),
            objective_type: Set(c.objective_type),
            budget_micros: Set(micros(c.budget)),
            budget_mode: Set(c.budget_mode),
            operation_status: Set(c.operation_status),
            secondary_status: Set(c.secondary_status),
            created_at_tiktok: Set(c.create_time),
            modified_at_tiktok: Set(c.modify_time),
            raw: Set(raw(&json)),
            seen_run_id: Set(Some(r.run_id)),
            gone_at: Set(None),
            synced_at: Set(r.now),
            ..Default::default()
        })
        .collect();
    Box::pin(upsert(
        txn,
        rows,
        &[C::AdAccountId, C::CampaignId],
        entity_updates!(C; Name, ObjectiveType, BudgetMicros, BudgetMode, OperationStatus, SecondaryStatus, CreatedAtTiktok, ModifiedAtTiktok),
    ))
}

fn adgroup_rows(txn: &sea_orm::DatabaseTransaction, r: Rows, items: Vec<WithRaw<AdGroup>>) -> WriteFuture<'_> {
    use tiktok_adgroup::Column as C;
    let rows: Vec<_> = unique_by(items, |i| i.item.adgroup_id.clone())
        .into_iter()
        .map(|WithRaw { item: g, raw: json }| tiktok_adgroup::ActiveModel {
            ad_account_id: Set(r.account_id),
            adgroup_id: Set(g.adgroup_id),
            campaign_id: Set(g.campaign_id),
            name: Set(g.adgroup_name),
            budget_micros: Set(micros(g.budget)),
            budget_mode: Set(g.budget_mode),
            operation_status: Set(g.operation_status),
            secondary_status: Set(g.secondary_status),
            optimization_goal: Set(g.optimization_goal),
            billing_event: Set(g.billing_event),
            bid_price_micros: Set(micros(g.bid_price)),
            placement_type: Set(g.placement_type),
            schedule_start: Set(g.schedule_start_time),
            schedule_end: Set(g.schedule_end_time),
            modified_at_tiktok: Set(g.modify_time),
            raw: Set(raw(&json)),
            seen_run_id: Set(Some(r.run_id)),
            gone_at: Set(None),
            synced_at: Set(r.now),
            ..Default::default()
        })
        .collect();
    Box::pin(upsert(
        txn,
        rows,
        &[C::AdAccountId, C::AdgroupId],
        entity_updates!(C; CampaignId, Name, BudgetMicros, BudgetMode, OperationStatus, SecondaryStatus, OptimizationGoal,
            BillingEvent, BidPriceMicros, PlacementType, ScheduleStart, ScheduleEnd, ModifiedAtTiktok),
    ))
}

fn ad_rows(txn: &sea_orm::DatabaseTransaction, r: Rows, items: Vec<WithRaw<Ad>>) -> WriteFuture<'_> {
    use tiktok_ad::Column as C;
    let rows: Vec<_> = unique_by(items, |i| i.item.ad_id.clone())
        .into_iter()
        .map(|WithRaw { item: a, raw: json }| tiktok_ad::ActiveModel {
            ad_account_id: Set(r.account_id),
            ad_id: Set(a.ad_id),
            adgroup_id: Set(a.adgroup_id),
            campaign_id: Set(a.campaign_id),
            name: Set(a.ad_name),
            ad_format: Set(a.ad_format),
            ad_text: Set(a.ad_text),
            call_to_action: Set(a.call_to_action),
            landing_page_url: Set(a.landing_page_url),
            video_id: Set(a.video_id),
            image_ids: Set(serde_json::to_string(&a.image_ids).unwrap_or_else(|_| "[]".into())),
            operation_status: Set(a.operation_status),
            secondary_status: Set(a.secondary_status),
            modified_at_tiktok: Set(a.modify_time),
            raw: Set(raw(&json)),
            seen_run_id: Set(Some(r.run_id)),
            gone_at: Set(None),
            synced_at: Set(r.now),
            ..Default::default()
        })
        .collect();
    Box::pin(upsert(
        txn,
        rows,
        &[C::AdAccountId, C::AdId],
        entity_updates!(C; AdgroupId, CampaignId, Name, AdFormat, AdText, CallToAction, LandingPageUrl, VideoId, ImageIds,
            OperationStatus, SecondaryStatus, ModifiedAtTiktok),
    ))
}

fn image_rows(txn: &sea_orm::DatabaseTransaction, r: Rows, items: Vec<WithRaw<Image>>) -> WriteFuture<'_> {
    use tiktok_image::Column as C;
    let rows: Vec<_> = unique_by(items, |i| i.item.image_id.clone())
        .into_iter()
        .map(|WithRaw { item: i, raw: json }| tiktok_image::ActiveModel {
            ad_account_id: Set(r.account_id),
            image_id: Set(i.image_id),
            material_id: Set(i.material_id),
            width: Set(i.width.and_then(|w| i32::try_from(w).ok())),
            height: Set(i.height.and_then(|h| i32::try_from(h).ok())),
            format: Set(i.format),
            image_url: Set(i.image_url),
            size_bytes: Set(i.size),
            file_name: Set(i.file_name),
            raw: Set(raw(&json)),
            seen_run_id: Set(Some(r.run_id)),
            gone_at: Set(None),
            synced_at: Set(r.now),
            ..Default::default()
        })
        .collect();
    Box::pin(upsert(
        txn,
        rows,
        &[C::AdAccountId, C::ImageId],
        entity_updates!(C; MaterialId, Width, Height, Format, ImageUrl, SizeBytes, FileName),
    ))
}

fn video_rows(txn: &sea_orm::DatabaseTransaction, r: Rows, items: Vec<WithRaw<Video>>) -> WriteFuture<'_> {
    use tiktok_video::Column as C;
    let rows: Vec<_> = unique_by(items, |i| i.item.video_id.clone())
        .into_iter()
        .map(|WithRaw { item: v, raw: json }| tiktok_video::ActiveModel {
            ad_account_id: Set(r.account_id),
            video_id: Set(v.video_id),
            material_id: Set(v.material_id),
            width: Set(v.width.and_then(|w| i32::try_from(w).ok())),
            height: Set(v.height.and_then(|h| i32::try_from(h).ok())),
            duration_ms: Set(store::micros(v.duration).map(|us| us / 1000)),
            format: Set(v.format),
            cover_url: Set(v.video_cover_url),
            preview_url: Set(v.preview_url),
            file_name: Set(v.file_name),
            raw: Set(raw(&json)),
            seen_run_id: Set(Some(r.run_id)),
            gone_at: Set(None),
            synced_at: Set(r.now),
            ..Default::default()
        })
        .collect();
    Box::pin(upsert(
        txn,
        rows,
        &[C::AdAccountId, C::VideoId],
        entity_updates!(C; MaterialId, Width, Height, DurationMs, Format, CoverUrl, PreviewUrl, FileName),
    ))
}

fn audience_rows(txn: &sea_orm::DatabaseTransaction, r: Rows, items: Vec<WithRaw<Audience>>) -> WriteFuture<'_> {
    use tiktok_audience::Column as C;
    let rows: Vec<_> = unique_by(items, |i| i.item.audience_id.clone())
        .into_iter()
        .map(|WithRaw { item: a, raw: json }| tiktok_audience::ActiveModel {
            ad_account_id: Set(r.account_id),
            audience_id: Set(a.audience_id),
            name: Set(a.name),
            audience_type: Set(a.audience_type),
            size: Set(a.cover_num),
            is_valid: Set(a.is_valid),
            is_expiring: Set(a.is_expiring),
            shared: Set(a.shared),
            expires_at_tiktok: Set(a.expired_time),
            raw: Set(raw(&json)),
            seen_run_id: Set(Some(r.run_id)),
            gone_at: Set(None),
            synced_at: Set(r.now),
            ..Default::default()
        })
        .collect();
    Box::pin(upsert(
        txn,
        rows,
        &[C::AdAccountId, C::AudienceId],
        entity_updates!(C; Name, AudienceType, Size, IsValid, IsExpiring, Shared, ExpiresAtTiktok),
    ))
}

fn pixel_rows(txn: &sea_orm::DatabaseTransaction, r: Rows, items: Vec<WithRaw<Pixel>>) -> WriteFuture<'_> {
    let items = unique_by(items, |i| i.item.pixel_id.clone());
    let mut events = Vec::new();
    let mut pixels = Vec::new();
    for WithRaw { item: p, raw: json } in items {
        for (i, e) in p.events.iter().enumerate() {
            let key = e.event_id.clone().or_else(|| e.event_code.clone()).unwrap_or_else(|| format!("#{i}"));
            events.push(tiktok_pixel_event::ActiveModel {
                ad_account_id: Set(r.account_id),
                event_key: Set(key),
                pixel_id: Set(p.pixel_id.clone()),
                event_code: Set(e.event_code.clone()),
                name: Set(e.name.clone()),
                optimization_event: Set(e.optimization_event.clone()),
                statistic_type: Set(e.statistic_type.clone()),
                currency: Set(e.currency.clone()),
                value_micros: Set(micros(e.currency_value)),
                deprecated: Set(e.deprecated),
                raw: Set(json.get("events").and_then(|list| list.get(i)).map(raw).unwrap_or_default()),
                seen_run_id: Set(Some(r.run_id)),
                gone_at: Set(None),
                synced_at: Set(r.now),
                ..Default::default()
            });
        }
        pixels.push(tiktok_pixel::ActiveModel {
            ad_account_id: Set(r.account_id),
            pixel_id: Set(p.pixel_id),
            pixel_code: Set(p.pixel_code),
            name: Set(p.pixel_name),
            category: Set(p.pixel_category),
            raw: Set(raw(&json)),
            seen_run_id: Set(Some(r.run_id)),
            gone_at: Set(None),
            synced_at: Set(r.now),
            ..Default::default()
        });
    }
    let events = unique_by(events, |e| format!("{:?}{:?}", e.pixel_id, e.event_key));
    Box::pin(async move {
        use tiktok_pixel::Column as P;
        use tiktok_pixel_event::Column as E;
        upsert(txn, pixels, &[P::AdAccountId, P::PixelId], entity_updates!(P; PixelCode, Name, Category)).await?;
        upsert(
            txn,
            events,
            &[E::AdAccountId, E::PixelId, E::EventKey],
            entity_updates!(E; EventCode, Name, OptimizationEvent, StatisticType, Currency, ValueMicros, Deprecated),
        )
        .await
    })
}

#[cfg(test)]
mod tests {
    use super::unique_by;

    #[test]
    fn a_record_repeated_in_a_page_is_kept_once_as_last_seen() {
        let kept = unique_by(vec![("a", 1), ("b", 2), ("a", 3)], |(id, _)| id.to_string());
        assert_eq!(kept, vec![("a", 3), ("b", 2)]);
    }
}
