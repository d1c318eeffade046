//! The advertiser's asset libraries as TikTok lists them: creative images and videos, custom
//! audiences and pixels, each computed from the seed and its position.

use super::Generator;
use serde_json::{json, Value};

impl Generator {
    /// Images and videos: a library sized to the campaigns.
    pub fn creative_count(&self) -> u64 {
        (self.sizes.campaigns as u64 * 2).clamp(3, 5000)
    }

    pub fn image_id(&self, i: u32) -> String {
        format!("ad-image-{:03}-{i:06}", self.index)
    }

    pub fn video_id(&self, i: u32) -> String {
        format!("v10033g{:03}{i:08}", self.index)
    }

    pub fn image(&self, i: u32, media: &str) -> Value {
        let h = self.h(&[40, i as u64]);
        json!({
            "image_id": self.image_id(i),
            "material_id": format!("7{:03}{i:012}", self.index),
            "is_carousel_usable": true,
            "displayable": true,
            "width": 1080, "height": ([1080, 1920, 1350][(h % 3) as usize]),
            "format": "jpeg",
            "image_url": format!("{media}/{}.svg", self.image_id(i)),
            "signature": format!("{h:032x}"),
            "size": 120_000 + h % 400_000,
            "file_name": format!("image_{i}.jpg"),
            "create_time": self.stamp(&[41, i as u64]).replace(' ', "T") + "Z",
            "modify_time": self.stamp(&[42, i as u64]).replace(' ', "T") + "Z",
        })
    }

    pub fn video(&self, i: u32, media: &str) -> Value {
        let h = self.h(&[50, i as u64]);
        json!({
            "video_id": self.video_id(i),
            "material_id": format!("8{:03}{i:012}", self.index),
            "file_name": format!("video_{i}.mp4"),
            "width": 1080, "height": 1920,
            "duration": 9.0 + (h % 50) as f64,
            "bit_rate": 2_500_000,
            "format": "mp4",
            "signature": format!("{h:032x}"),
            "size": 2_000_000 + h % 9_000_000,
            "video_cover_url": format!("{media}/{}.svg", self.video_id(i)),
            "preview_url": format!("https://sandbox.invalid/videos/{}.mp4", self.video_id(i)),
            "allowed_placements": ["PLACEMENT_TIKTOK"],
            "displayable": true,
            "create_time": self.stamp(&[51, i as u64]).replace(' ', "T") + "Z",
            "modify_time": self.stamp(&[52, i as u64]).replace(' ', "T") + "Z",
        })
    }

    pub fn audience_count(&self) -> u64 {
        3 + self.index as u64 % 3
    }

    pub fn audience(&self, i: u32) -> Value {
        let h = self.h(&[60, i as u64]);
        json!({
            "audience_id": format!("69{:03}{i:014}", self.index),
            "name": (["Buyers 30d", "Site visitors 180d", "Lookalike 1%", "Newsletter list", "Cart abandoners"][(i % 5) as usize]),
            "audience_type": (["Website Audience", "Website Audience", "Lookalike Audience", "Customer File Audience", "Website Audience"][(i % 5) as usize]),
            "audience_sub_type": "NORMAL",
            "cover_num": 1000 + h % 500_000,
            "is_valid": true,
            "is_expiring": i % 4 == 3,
            "shared": false,
            "is_creator": true,
            "create_time": self.stamp(&[61, i as u64]),
            "expired_time": "2027-01-01 00:00:00",
        })
    }

    pub fn pixel_count(&self) -> u64 {
        1 + self.index as u64 % 2
    }

    pub fn pixel(&self, i: u32) -> Value {
        let events: Vec<Value> = ["CompletePayment", "AddToCart", "ViewContent"]
            .iter()
            .enumerate()
            .map(|(e, code)| {
                json!({
                    "event_id": format!("71{:03}{i:04}{e:03}", self.index),
                    "event_code": code,
                    "name": (["Purchase", "Add to cart", "View content"][e]),
                    "event_type": "STANDARD",
                    "optimization_event": (["SHOPPING", "ON_WEB_CART", "ON_WEB_DETAIL"][e]),
                    "statistic_type": "EVERY_TIME",
                    "currency": "USD",
                    "currency_value": if e == 0 { "10" } else { "-" },
                    "deprecated": false,
                    "rules": [],
                })
            })
            .collect();
        json!({
            "pixel_id": format!("710{:03}{i:013}", self.index),
            "pixel_code": format!("C{:03}SANDBOX{i:04}", self.index),
            "pixel_name": if i == 0 { "Main site pixel".to_string() } else { format!("Pixel {}", i + 1) },
            "pixel_category": "WEB",
            "pixel_setup_mode": "MANUAL",
            "create_time": self.stamp(&[70, i as u64]),
            "events": events,
        })
    }
}
