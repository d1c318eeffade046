//! The paged lists of the objects under an advertiser: campaigns, ad groups, ads (deleted ones
//! included), audiences and pixels.

use super::{Pager, TikTokClient};
use crate::tiktok::wire::{limits::page_size, Ad, AdGroup, Audience, Campaign, Pixel};
use secrecy::SecretString;
use serde_json::json;

/// The filter that lists deleted objects too, so the product can mark them deleted.
fn include_deleted() -> Vec<(&'static str, String)> {
    vec![("filtering", json!({"primary_status": "STATUS_ALL"}).to_string())]
}

impl TikTokClient {
    /// Campaigns, deleted ones included.
    pub fn campaigns<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Campaign> {
        Pager::new(self, "campaign/get/", token, advertiser_id, page_size::ENTITIES, include_deleted())
    }

    pub fn ad_groups<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, AdGroup> {
        Pager::new(self, "adgroup/get/", token, advertiser_id, page_size::ENTITIES, include_deleted())
    }

    pub fn ads<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Ad> {
        Pager::new(self, "ad/get/", token, advertiser_id, page_size::ENTITIES, include_deleted())
    }

    pub fn audiences<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Audience> {
        Pager::new(self, "dmp/custom_audience/list/", token, advertiser_id, page_size::AUDIENCES, Vec::new())
    }

    /// Pixels with their conversion events (records under `data.pixels`).
    pub fn pixels<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Pixel> {
        Pager::new(self, "pixel/list/", token, advertiser_id, page_size::PIXELS, Vec::new())
    }
}
