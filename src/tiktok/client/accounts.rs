//! Who the token belongs to and which advertisers it reaches.

use super::{transport::json_text, TikTokClient};
use crate::tiktok::{
    error::TikTokError,
    wire::{limits::ADVERTISER_INFO_BATCH, AdvertiserInfo, AdvertiserRef, ListData, UserInfo},
};
use secrecy::{ExposeSecret, SecretString};

impl TikTokClient {
    pub async fn user_info(&self, token: &SecretString) -> Result<UserInfo, TikTokError> {
        self.get("user/info/", Some(token), Vec::new(), None).await
    }

    /// Every advertiser that authorized the app for this token's user (no paging).
    pub async fn advertisers(&self, token: &SecretString) -> Result<Vec<AdvertiserRef>, TikTokError> {
        let query = vec![
            ("app_id", self.shared.config.app_id.clone()),
            ("secret", self.shared.config.app_secret.expose_secret().to_owned()),
        ];
        let data: ListData<AdvertiserRef> = self.get("oauth2/advertiser/get/", Some(token), query, None).await?;
        Ok(data.list)
    }

    /// Account details, asked in batches of at most 100 ids.
    pub async fn advertiser_info(
        &self,
        token: &SecretString,
        ids: &[String],
    ) -> Result<Vec<AdvertiserInfo>, TikTokError> {
        let mut all = Vec::with_capacity(ids.len());
        for batch in ids.chunks(ADVERTISER_INFO_BATCH) {
            let query = vec![("advertiser_ids", json_text(&batch))];
            let data: ListData<AdvertiserInfo> = self.get("advertiser/info/", Some(token), query, None).await?;
            all.extend(data.list);
        }
        Ok(all)
    }
}
