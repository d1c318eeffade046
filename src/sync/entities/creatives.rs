//! The account's creative library: images and videos.

use super::{table::synced_table, EntityStep};
use crate::{
    db::entities::{tiktok_image, tiktok_video},
    sync::store::micros,
    tiktok::{
        client::Pager,
        wire::{Image, Video},
        TikTokClient,
    },
};
use sea_orm::ActiveValue::Set;
use secrecy::SecretString;

synced_table!(tiktok_image, key: [ImageId], own: [MaterialId, Width, Height, Format, ImageUrl, SizeBytes, FileName]);

impl EntityStep for Image {
    type Table = tiktok_image::Entity;

    fn list<'a>(client: &'a TikTokClient, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Self> {
        client.images(token, advertiser_id)
    }

    fn id(&self) -> &str {
        &self.image_id
    }

    fn row(self) -> tiktok_image::ActiveModel {
        tiktok_image::ActiveModel {
            image_id: Set(self.image_id),
            material_id: Set(self.material_id),
            width: Set(self.width.and_then(|w| i32::try_from(w).ok())),
            height: Set(self.height.and_then(|h| i32::try_from(h).ok())),
            format: Set(self.format),
            image_url: Set(self.image_url),
            size_bytes: Set(self.size),
            file_name: Set(self.file_name),
            ..Default::default()
        }
    }
}

synced_table!(tiktok_video, key: [VideoId], own: [
    MaterialId, Width, Height, DurationMs, Format, CoverUrl, PreviewUrl, FileName,
]);

impl EntityStep for Video {
    type Table = tiktok_video::Entity;

    fn list<'a>(client: &'a TikTokClient, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Self> {
        client.videos(token, advertiser_id)
    }

    fn id(&self) -> &str {
        &self.video_id
    }

    fn row(self) -> tiktok_video::ActiveModel {
        tiktok_video::ActiveModel {
            video_id: Set(self.video_id),
            material_id: Set(self.material_id),
            width: Set(self.width.and_then(|w| i32::try_from(w).ok())),
            height: Set(self.height.and_then(|h| i32::try_from(h).ok())),
            // TikTok sends seconds with a fraction: kept to the millisecond.
            duration_ms: Set(micros(self.duration).map(|us| us / 1000)),
            format: Set(self.format),
            cover_url: Set(self.video_cover_url),
            preview_url: Set(self.preview_url),
            file_name: Set(self.file_name),
            ..Default::default()
        }
    }
}
