//! The paged lists of the advertiser's creative library.

use super::{Pager, TikTokClient};
use crate::tiktok::wire::{limits::page_size, Image, Video};
use secrecy::SecretString;

impl TikTokClient {
    pub fn images<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Image> {
        Pager::new(self, "file/image/ad/search/", token, advertiser_id, page_size::CREATIVES, Vec::new())
    }

    pub fn videos<'a>(&'a self, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Video> {
        Pager::new(self, "file/video/ad/search/", token, advertiser_id, page_size::CREATIVES, Vec::new())
    }
}
