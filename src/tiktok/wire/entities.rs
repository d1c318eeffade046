//! The advertiser's own details and the objects under it: campaigns, ad groups, ads,
//! audiences and pixels.

use super::lenient::{record, AsIs, Flag, Id, Ids, Int, Metric, OptId, Text};
use rust_decimal::Decimal;
use serde::Serialize;

record! {
    /// `advertiser/info/`.
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct AdvertiserInfo {
        pub advertiser_id: String = Id,
        pub name: Option<String> = Text,
        pub status: Option<String> = Text,
        pub currency: Option<String> = Text,
        pub timezone: Option<String> = Text,
        pub display_timezone: Option<String> = Text,
        pub company: Option<String> = Text,
        pub country: Option<String> = Text,
        pub role: Option<String> = Text,
        pub balance: Option<Decimal> = Metric,
        pub create_time: Option<i64> = Int,
    }
}

impl AdvertiserInfo {
    /// An advertiser known only by its id (and maybe its name).
    pub fn named(advertiser_id: String, name: Option<String>) -> Self {
        Self {
            advertiser_id,
            name,
            status: None,
            currency: None,
            timezone: None,
            display_timezone: None,
            company: None,
            country: None,
            role: None,
            balance: None,
            create_time: None,
        }
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct Campaign {
        pub campaign_id: String = Id,
        pub advertiser_id: Option<String> = OptId,
        pub campaign_name: Option<String> = Text,
        pub objective_type: Option<String> = Text,
        pub budget: Option<Decimal> = Metric,
        pub budget_mode: Option<String> = Text,
        pub operation_status: Option<String> = Text,
        pub secondary_status: Option<String> = Text,
        pub create_time: Option<String> = Text,
        pub modify_time: Option<String> = Text,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct AdGroup {
        pub adgroup_id: String = Id,
        pub campaign_id: Option<String> = OptId,
        pub advertiser_id: Option<String> = OptId,
        pub adgroup_name: Option<String> = Text,
        pub budget: Option<Decimal> = Metric,
        pub budget_mode: Option<String> = Text,
        pub operation_status: Option<String> = Text,
        pub secondary_status: Option<String> = Text,
        pub optimization_goal: Option<String> = Text,
        pub billing_event: Option<String> = Text,
        pub bid_price: Option<Decimal> = Metric,
        pub placement_type: Option<String> = Text,
        pub schedule_start_time: Option<String> = Text,
        pub schedule_end_time: Option<String> = Text,
        pub create_time: Option<String> = Text,
        pub modify_time: Option<String> = Text,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct Ad {
        pub ad_id: String = Id,
        pub adgroup_id: Option<String> = OptId,
        pub campaign_id: Option<String> = OptId,
        pub advertiser_id: Option<String> = OptId,
        pub ad_name: Option<String> = Text,
        pub ad_format: Option<String> = Text,
        pub ad_text: Option<String> = Text,
        pub call_to_action: Option<String> = Text,
        pub landing_page_url: Option<String> = Text,
        pub video_id: Option<String> = OptId,
        pub image_ids: Vec<String> = Ids,
        pub operation_status: Option<String> = Text,
        pub secondary_status: Option<String> = Text,
        pub create_time: Option<String> = Text,
        /// Smart+ ads can come without it.
        pub modify_time: Option<String> = Text,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct Audience {
        pub audience_id: String = Id,
        pub name: Option<String> = Text,
        pub audience_type: Option<String> = Text,
        pub cover_num: Option<i64> = Int,
        pub is_valid: Option<bool> = Flag,
        pub is_expiring: Option<bool> = Flag,
        pub shared: Option<bool> = Flag,
        pub create_time: Option<String> = Text,
        pub expired_time: Option<String> = Text,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct Pixel {
        pub pixel_id: String = Id,
        pub pixel_code: Option<String> = Text,
        pub pixel_name: Option<String> = Text,
        pub pixel_category: Option<String> = Text,
        pub create_time: Option<String> = Text,
        pub events: Vec<PixelEvent> = AsIs<Vec<PixelEvent>>,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct PixelEvent {
        pub event_id: Option<String> = OptId,
        pub event_code: Option<String> = Text,
        pub name: Option<String> = Text,
        pub optimization_event: Option<String> = Text,
        pub statistic_type: Option<String> = Text,
        pub currency: Option<String> = Text,
        pub currency_value: Option<Decimal> = Metric,
        pub deprecated: Option<bool> = Flag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_strings_whether_sent_as_strings_or_numbers() {
        let c: Campaign =
            serde_json::from_value(json!({"campaign_id": 1800000000000000001u64, "advertiser_id": "7000"})).unwrap();
        assert_eq!(c.campaign_id, "1800000000000000001");
        assert_eq!(c.advertiser_id.as_deref(), Some("7000"));
    }
}
