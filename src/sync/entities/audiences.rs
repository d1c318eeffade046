//! The account's custom audiences.

use super::{table::synced_table, EntityStep};
use crate::{
    db::entities::tiktok_audience,
    tiktok::{client::Pager, wire::Audience, TikTokClient},
};
use sea_orm::ActiveValue::Set;
use secrecy::SecretString;

synced_table!(tiktok_audience, key: [AudienceId], own: [
    Name, AudienceType, Size, IsValid, IsExpiring, Shared, ExpiresAtTiktok,
]);

impl EntityStep for Audience {
    type Table = tiktok_audience::Entity;

    fn list<'a>(client: &'a TikTokClient, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Self> {
        client.audiences(token, advertiser_id)
    }

    fn id(&self) -> &str {
        &self.audience_id
    }

    fn row(self) -> tiktok_audience::ActiveModel {
        tiktok_audience::ActiveModel {
            audience_id: Set(self.audience_id),
            name: Set(self.name),
            audience_type: Set(self.audience_type),
            size: Set(self.cover_num),
            is_valid: Set(self.is_valid),
            is_expiring: Set(self.is_expiring),
            shared: Set(self.shared),
            expires_at_tiktok: Set(self.expired_time),
            ..Default::default()
        }
    }
}
