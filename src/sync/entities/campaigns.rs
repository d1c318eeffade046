//! The ad structure: campaigns, their ad groups and their ads, deleted ones included.

use super::{table::synced_table, EntityStep};
use crate::{
    db::entities::{tiktok_ad, tiktok_adgroup, tiktok_campaign},
    sync::store::micros,
    tiktok::{
        client::Pager,
        wire::{Ad, AdGroup, Campaign},
        TikTokClient,
    },
};
use sea_orm::ActiveValue::Set;
use secrecy::SecretString;

synced_table!(tiktok_campaign, key: [CampaignId], own: [
    Name, ObjectiveType, BudgetMicros, BudgetMode, OperationStatus, SecondaryStatus, CreatedAtTiktok, ModifiedAtTiktok,
]);

impl EntityStep for Campaign {
    type Table = tiktok_campaign::Entity;

    fn list<'a>(client: &'a TikTokClient, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Self> {
        client.campaigns(token, advertiser_id)
    }

    fn id(&self) -> &str {
        &self.campaign_id
    }

    fn row(self) -> tiktok_campaign::ActiveModel {
        tiktok_campaign::ActiveModel {
            campaign_id: Set(self.campaign_id),
            name: Set(self.campaign_name),
            objective_type: Set(self.objective_type),
            budget_micros: Set(micros(self.budget)),
            budget_mode: Set(self.budget_mode),
            operation_status: Set(self.operation_status),
            secondary_status: Set(self.secondary_status),
            created_at_tiktok: Set(self.create_time),
            modified_at_tiktok: Set(self.modify_time),
            ..Default::default()
        }
    }
}

synced_table!(tiktok_adgroup, key: [AdgroupId], own: [
    CampaignId, Name, BudgetMicros, BudgetMode, OperationStatus, SecondaryStatus, OptimizationGoal, BillingEvent,
    BidPriceMicros, PlacementType, ScheduleStart, ScheduleEnd, ModifiedAtTiktok,
]);

impl EntityStep for AdGroup {
    type Table = tiktok_adgroup::Entity;

    fn list<'a>(client: &'a TikTokClient, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Self> {
        client.ad_groups(token, advertiser_id)
    }

    fn id(&self) -> &str {
        &self.adgroup_id
    }

    fn row(self) -> tiktok_adgroup::ActiveModel {
        tiktok_adgroup::ActiveModel {
            adgroup_id: Set(self.adgroup_id),
            campaign_id: Set(self.campaign_id),
            name: Set(self.adgroup_name),
            budget_micros: Set(micros(self.budget)),
            budget_mode: Set(self.budget_mode),
            operation_status: Set(self.operation_status),
            secondary_status: Set(self.secondary_status),
            optimization_goal: Set(self.optimization_goal),
            billing_event: Set(self.billing_event),
            bid_price_micros: Set(micros(self.bid_price)),
            placement_type: Set(self.placement_type),
            schedule_start: Set(self.schedule_start_time),
            schedule_end: Set(self.schedule_end_time),
            modified_at_tiktok: Set(self.modify_time),
            ..Default::default()
        }
    }
}

synced_table!(tiktok_ad, key: [AdId], own: [
    AdgroupId, CampaignId, Name, AdFormat, AdText, CallToAction, LandingPageUrl, VideoId, ImageIds, OperationStatus,
    SecondaryStatus, ModifiedAtTiktok,
]);

impl EntityStep for Ad {
    type Table = tiktok_ad::Entity;

    fn list<'a>(client: &'a TikTokClient, token: &'a SecretString, advertiser_id: &str) -> Pager<'a, Self> {
        client.ads(token, advertiser_id)
    }

    fn id(&self) -> &str {
        &self.ad_id
    }

    fn row(self) -> tiktok_ad::ActiveModel {
        tiktok_ad::ActiveModel {
            ad_id: Set(self.ad_id),
            adgroup_id: Set(self.adgroup_id),
            campaign_id: Set(self.campaign_id),
            name: Set(self.ad_name),
            ad_format: Set(self.ad_format),
            ad_text: Set(self.ad_text),
            call_to_action: Set(self.call_to_action),
            landing_page_url: Set(self.landing_page_url),
            video_id: Set(self.video_id),
            image_ids: Set(serde_json::to_string(&self.image_ids).unwrap_or_else(|_| "[]".into())),
            operation_status: Set(self.operation_status),
            secondary_status: Set(self.secondary_status),
            modified_at_tiktok: Set(self.modify_time),
            ..Default::default()
        }
    }
}
