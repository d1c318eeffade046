//! The advertiser's creative library: images and videos.

use super::lenient::{record, Id, Int, Metric, OptId, Text};
use rust_decimal::Decimal;
use serde::Serialize;

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct Image {
        pub image_id: String = Id,
        pub material_id: Option<String> = OptId,
        pub width: Option<i64> = Int,
        pub height: Option<i64> = Int,
        pub format: Option<String> = Text,
        pub image_url: Option<String> = Text,
        pub size: Option<i64> = Int,
        pub file_name: Option<String> = Text,
        pub create_time: Option<String> = Text,
        pub modify_time: Option<String> = Text,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct Video {
        pub video_id: String = Id,
        pub material_id: Option<String> = OptId,
        pub file_name: Option<String> = Text,
        pub width: Option<i64> = Int,
        pub height: Option<i64> = Int,
        pub duration: Option<Decimal> = Metric,
        pub format: Option<String> = Text,
        pub video_cover_url: Option<String> = Text,
        pub preview_url: Option<String> = Text,
        pub create_time: Option<String> = Text,
        pub modify_time: Option<String> = Text,
    }
}
