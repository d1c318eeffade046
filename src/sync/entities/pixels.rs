//! Pixels, and the conversion events TikTok sends inside each pixel record.

use super::{
    table::{synced_table, Stamp, SyncedTable},
    unique_by, EntityStep,
};
use crate::{
    db::entities::{tiktok_pixel, tiktok_pixel_event},
    sync::store::{micros, upsert},
    tiktok::{client::Pager, wire::Pixel, wire::WithRaw, TikTokClient},
};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, DbErr};
use secrecy::SecretString;

synced_table!(tiktok_pixel, key: [PixelId], own: [PixelCode, Name, Category]);

synced_table!(tiktok_pixel_event, key: [PixelId, EventKey], own: [
    EventCode, Name, OptimizationEvent, StatisticType, Currency, ValueMicros, Deprecated,
]);

impl EntityStep for Pixel {
    type Table = tiktok_pixel::Entity;

    fn list<'a>(client: &'a TikTokClient, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Self> {
        client.pixels(token, advertiser_id)
    }

    fn id(&self) -> &str {
        &self.pixel_id
    }

    fn row(self) -> tiktok_pixel::ActiveModel {
        tiktok_pixel::ActiveModel {
            pixel_id: Set(self.pixel_id),
            pixel_code: Set(self.pixel_code),
            name: Set(self.pixel_name),
            category: Set(self.pixel_category),
            ..Default::default()
        }
    }

    async fn write(txn: &DatabaseTransaction, stamp: &Stamp, page: Vec<WithRaw<Self>>) -> Result<(), DbErr> {
        let mut events = Vec::new();
        let mut pixels = Vec::new();
        for WithRaw { item, raw } in page {
            events.extend(event_rows(&item, &raw, stamp));
            pixels.push(stamp.row::<tiktok_pixel::Entity>(item.row(), raw.to_string()));
        }
        let events = unique_by(events, |e| format!("{:?}{:?}", e.pixel_id, e.event_key));
        upsert(txn, pixels, tiktok_pixel::Entity::KEY, tiktok_pixel::Entity::UPDATES).await?;
        upsert(txn, events, tiktok_pixel_event::Entity::KEY, tiktok_pixel_event::Entity::UPDATES).await
    }

    async fn mark_gone(txn: &DatabaseTransaction, stamp: &Stamp) -> Result<u64, DbErr> {
        Ok(stamp.mark_gone::<tiktok_pixel::Entity>(txn).await?
            + stamp.mark_gone::<tiktok_pixel_event::Entity>(txn).await?)
    }
}

/// The pixel's events, each with its own object from the pixel's `events` as raw. An event
/// without an id or code is keyed by its place in the list.
fn event_rows(pixel: &Pixel, raw: &serde_json::Value, stamp: &Stamp) -> Vec<tiktok_pixel_event::ActiveModel> {
    let raws = raw.get("events");
    pixel
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let key = e.event_id.clone().or_else(|| e.event_code.clone()).unwrap_or_else(|| format!("#{i}"));
            let row = tiktok_pixel_event::ActiveModel {
                event_key: Set(key),
                pixel_id: Set(pixel.pixel_id.clone()),
                event_code: Set(e.event_code.clone()),
                name: Set(e.name.clone()),
                optimization_event: Set(e.optimization_event.clone()),
                statistic_type: Set(e.statistic_type.clone()),
                currency: Set(e.currency.clone()),
                value_micros: Set(micros(e.currency_value)),
                deprecated: Set(e.deprecated),
                ..Default::default()
            };
            let raw = raws.and_then(|list| list.get(i)).map(|r| r.to_string()).unwrap_or_default();
            stamp.row::<tiktok_pixel_event::Entity>(row, raw)
        })
        .collect()
}
