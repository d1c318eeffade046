//! Deterministic sandbox data: every entity and every report row is computed from the seed and
//! its position, on request. Nothing is stored, so a benchmark can ask for a very large
//! advertiser (1,000 campaigns × 10 ad groups × 5 ads × 90 days) at no memory cost.

use super::DataSizes;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

/// splitmix64: a fast, well-mixed hash of a few numbers.
pub fn mix(parts: &[u64]) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        x ^= p.wrapping_add(0x9E37_79B9_7F4A_7C15).wrapping_add(x << 6).wrapping_add(x >> 2);
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x = z ^ (z >> 31);
    }
    x
}

/// A uniform number in `lo..hi` from a hash.
fn range(h: u64, lo: f64, hi: f64) -> f64 {
    lo + (h % 1_000_000) as f64 / 1_000_000.0 * (hi - lo)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Advertiser,
    Campaign,
    AdGroup,
    Ad,
}

/// An entity's position inside one advertiser: campaign, ad group and ad indexes as deep as
/// its level goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub level: Level,
    pub c: u32,
    pub g: u32,
    pub a: u32,
}

/// Generates one advertiser's data. `index` makes ids unique across advertisers.
#[derive(Debug, Clone, Copy)]
pub struct Generator {
    pub seed: u64,
    pub index: u32,
    pub sizes: DataSizes,
}

const OBJECTIVES: [&str; 5] = ["TRAFFIC", "WEB_CONVERSIONS", "REACH", "VIDEO_VIEWS", "APP_PROMOTION"];
const THEMES: [&str; 8] = [
    "Spring Sale",
    "Brand Awareness",
    "Retargeting",
    "New Arrivals",
    "Holiday Push",
    "App Installs",
    "Lookalike Test",
    "Creator Collab",
];
const BASE_DAY: (i32, u32, u32) = (2025, 6, 1);

impl Generator {
    fn h(&self, parts: &[u64]) -> u64 {
        let mut all = vec![self.seed, self.index as u64];
        all.extend_from_slice(parts);
        mix(&all)
    }

    pub fn campaign_id(&self, c: u32) -> String {
        format!("18{:03}{:08}", self.index, c)
    }

    pub fn adgroup_id(&self, c: u32, g: u32) -> String {
        format!("19{:03}{:08}{:03}", self.index, c, g)
    }

    pub fn ad_id(&self, c: u32, g: u32, a: u32) -> String {
        format!("20{:03}{:08}{:03}{:03}", self.index, c, g, a)
    }

    pub fn id(&self, key: Key, advertiser_id: &str) -> String {
        match key.level {
            Level::Advertiser => advertiser_id.to_owned(),
            Level::Campaign => self.campaign_id(key.c),
            Level::AdGroup => self.adgroup_id(key.c, key.g),
            Level::Ad => self.ad_id(key.c, key.g, key.a),
        }
    }

    /// About one entity in twelve is deleted; a deleted parent deletes its children.
    pub fn is_deleted(&self, key: Key) -> bool {
        let own = |level: u64, parts: &[u64]| {
            let mut p = vec![level];
            p.extend_from_slice(parts);
            self.h(&p).is_multiple_of(12)
        };
        let c = key.level >= Level::Campaign && own(1, &[key.c as u64]);
        let g = key.level >= Level::AdGroup && own(2, &[key.c as u64, key.g as u64]);
        let a = key.level >= Level::Ad && own(3, &[key.c as u64, key.g as u64, key.a as u64]);
        c || g || a
    }

    /// How many entities sit at `level` (deleted ones included).
    pub fn count(&self, level: Level) -> u64 {
        let s = self.sizes;
        match level {
            Level::Advertiser => 1,
            Level::Campaign => s.campaigns as u64,
            Level::AdGroup => s.campaigns as u64 * s.adgroups_per_campaign as u64,
            Level::Ad => s.campaigns as u64 * s.adgroups_per_campaign as u64 * s.ads_per_adgroup as u64,
        }
    }

    /// The `i`-th entity at `level`, in id order.
    pub fn key(&self, level: Level, i: u64) -> Key {
        let s = self.sizes;
        let (g_n, a_n) = (s.adgroups_per_campaign as u64, s.ads_per_adgroup as u64);
        match level {
            Level::Advertiser => Key { level, c: 0, g: 0, a: 0 },
            Level::Campaign => Key { level, c: i as u32, g: 0, a: 0 },
            Level::AdGroup => Key { level, c: (i / g_n) as u32, g: (i % g_n) as u32, a: 0 },
            Level::Ad => Key { level, c: (i / (g_n * a_n)) as u32, g: ((i / a_n) % g_n) as u32, a: (i % a_n) as u32 },
        }
    }

    /// Entities at `level`, optionally without deleted ones, lazily.
    pub fn keys(&self, level: Level, include_deleted: bool) -> impl Iterator<Item = Key> + '_ {
        (0..self.count(level)).map(move |i| self.key(level, i)).filter(move |k| include_deleted || !self.is_deleted(*k))
    }

    fn stamp(&self, parts: &[u64]) -> String {
        let (y, m, d) = BASE_DAY;
        let base = NaiveDate::from_ymd_opt(y, m, d).expect("valid base day").and_hms_opt(8, 0, 0).expect("valid time");
        let t: NaiveDateTime = base + Duration::minutes((self.h(parts) % (150 * 24 * 60)) as i64);
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }

    fn status(&self, key: Key, prefix: &str) -> (&'static str, String) {
        if self.is_deleted(key) {
            ("DELETE", format!("{prefix}_STATUS_DELETE"))
        } else if self.h(&[9, key.c as u64, key.g as u64, key.a as u64]).is_multiple_of(5) {
            ("DISABLE", format!("{prefix}_STATUS_DISABLE"))
        } else {
            ("ENABLE", format!("{prefix}_STATUS_DELIVERY_OK"))
        }
    }

    pub fn campaign(&self, advertiser_id: &str, c: u32) -> Value {
        let key = Key { level: Level::Campaign, c, g: 0, a: 0 };
        let (op, secondary) = self.status(key, "CAMPAIGN");
        let h = self.h(&[1, c as u64]);
        let daily = !h.is_multiple_of(3);
        json!({
            "advertiser_id": advertiser_id,
            "campaign_id": self.campaign_id(c),
            "campaign_name": format!("{} {}", THEMES[(h % THEMES.len() as u64) as usize], c + 1),
            "campaign_type": "REGULAR_CAMPAIGN",
            "objective_type": OBJECTIVES[(h / 7 % OBJECTIVES.len() as u64) as usize],
            "budget_mode": if daily { "BUDGET_MODE_DAY" } else { "BUDGET_MODE_INFINITE" },
            "budget": if daily { ((h % 40 + 5) * 10) as f64 } else { 0.0 },
            "operation_status": op,
            "secondary_status": secondary,
            "is_new_structure": true,
            "create_time": self.stamp(&[10, c as u64]),
            "modify_time": self.stamp(&[11, c as u64]),
        })
    }

    pub fn adgroup(&self, advertiser_id: &str, c: u32, g: u32) -> Value {
        let key = Key { level: Level::AdGroup, c, g, a: 0 };
        let (op, secondary) = self.status(key, "ADGROUP");
        let h = self.h(&[2, c as u64, g as u64]);
        json!({
            "advertiser_id": advertiser_id,
            "campaign_id": self.campaign_id(c),
            "adgroup_id": self.adgroup_id(c, g),
            "adgroup_name": format!("Audience {} · {}", g + 1, ["18-24", "25-34", "35-44", "Broad"][(h % 4) as usize]),
            "budget_mode": "BUDGET_MODE_DAY",
            "budget": ((h % 20 + 2) * 10) as f64,
            "operation_status": op,
            "secondary_status": secondary,
            "optimization_goal": (["CLICK", "CONVERT", "REACH", "SHOW"][(h / 3 % 4) as usize]),
            "billing_event": (["CPC", "OCPM", "CPM"][(h / 5 % 3) as usize]),
            "bid_price": (h % 300) as f64 / 100.0,
            "placement_type": "PLACEMENT_TYPE_AUTOMATIC",
            "schedule_start_time": self.stamp(&[20, c as u64, g as u64]),
            "schedule_end_time": Value::Null,
            "create_time": self.stamp(&[21, c as u64, g as u64]),
            "modify_time": self.stamp(&[22, c as u64, g as u64]),
        })
    }

    pub fn ad(&self, advertiser_id: &str, c: u32, g: u32, a: u32) -> Value {
        let key = Key { level: Level::Ad, c, g, a };
        let (op, secondary) = self.status(key, "AD");
        let h = self.h(&[3, c as u64, g as u64, a as u64]);
        let video = !h.is_multiple_of(3);
        json!({
            "advertiser_id": advertiser_id,
            "campaign_id": self.campaign_id(c),
            "adgroup_id": self.adgroup_id(c, g),
            "ad_id": self.ad_id(c, g, a),
            "ad_name": format!("Creative {}-{}", g + 1, a + 1),
            "ad_format": if video { "SINGLE_VIDEO" } else { "SINGLE_IMAGE" },
            "ad_text": "Shop the new collection today",
            "call_to_action": "SHOP_NOW",
            "landing_page_url": format!("https://shop.example/c{c}"),
            "video_id": if video { Value::String(self.video_id((h % self.creative_count()) as u32)) } else { Value::Null },
            "image_ids": if video { json!([]) } else { json!([self.image_id((h % self.creative_count()) as u32)]) },
            "operation_status": op,
            "secondary_status": secondary,
            "create_time": self.stamp(&[30, c as u64, g as u64, a as u64]),
            "modify_time": self.stamp(&[31, c as u64, g as u64, a as u64]),
        })
    }

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

    /// One ad's delivery on one day (day = days since the Unix epoch).
    fn ad_day(&self, key: Key, day: i64) -> [f64; 5] {
        let h = self.h(&[80, key.c as u64, key.g as u64, key.a as u64, day as u64]);
        let impressions = (range(h, 0.0, 4000.0) as u64 + if h.is_multiple_of(9) { 0 } else { 150 }) as f64;
        let ctr = range(h >> 8, 0.004, 0.03);
        let clicks = (impressions * ctr).floor();
        let cpm = range(h >> 16, 2.0, 12.0);
        let spend = (impressions * cpm / 1000.0 * 100.0).round() / 100.0;
        let conversions = (clicks * range(h >> 24, 0.0, 0.12)).floor();
        let reach = (impressions * range(h >> 32, 0.6, 0.95)).floor();
        [spend, impressions, clicks, conversions, reach]
    }

    /// Summed delivery of an entity (all its ads) on one day.
    pub fn delivery(&self, key: Key, day: i64) -> [f64; 5] {
        let s = self.sizes;
        let (cs, gs, as_) = match key.level {
            Level::Advertiser => (0..s.campaigns, 0..s.adgroups_per_campaign, 0..s.ads_per_adgroup),
            Level::Campaign => (key.c..key.c + 1, 0..s.adgroups_per_campaign, 0..s.ads_per_adgroup),
            Level::AdGroup => (key.c..key.c + 1, key.g..key.g + 1, 0..s.ads_per_adgroup),
            Level::Ad => (key.c..key.c + 1, key.g..key.g + 1, key.a..key.a + 1),
        };
        let mut sum = [0.0; 5];
        for c in cs {
            for g in gs.clone() {
                for a in as_.clone() {
                    let ad = Key { level: Level::Ad, c, g, a };
                    let d = self.ad_day(ad, day);
                    sum.iter_mut().zip(d).for_each(|(s, v)| *s += v);
                }
            }
        }
        sum[0] = (sum[0] * 100.0).round() / 100.0;
        sum
    }
}

/// Report metric values as TikTok sends them: strings, `"-"` where a ratio has no denominator.
pub fn metric_value(name: &str, d: [f64; 5]) -> Option<String> {
    let [spend, impressions, clicks, conversions, reach] = d;
    let ratio =
        |num: f64, den: f64, scale: f64| if den > 0.0 { format!("{:.2}", num / den * scale) } else { "-".into() };
    Some(match name {
        "spend" => format!("{spend:.2}"),
        "impressions" => format!("{impressions}"),
        "clicks" => format!("{clicks}"),
        "conversion" => format!("{conversions}"),
        "reach" => format!("{reach}"),
        "ctr" => ratio(clicks, impressions, 100.0),
        "cpc" => ratio(spend, clicks, 1.0),
        "cpm" => ratio(spend, impressions, 1000.0),
        "cost_per_conversion" => ratio(spend, conversions, 1.0),
        "conversion_rate" => ratio(conversions, clicks, 100.0),
        "frequency" => ratio(impressions, reach, 1.0),
        "secondary_goal_result" => "-".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator() -> Generator {
        Generator {
            seed: 7,
            index: 1,
            sizes: DataSizes { campaigns: 3, adgroups_per_campaign: 2, ads_per_adgroup: 2, days: 10 },
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        assert_eq!(generator().campaign("7", 1), generator().campaign("7", 1));
        let other = Generator { seed: 8, ..generator() };
        assert_ne!(
            generator().delivery(generator().key(Level::Ad, 0), 100),
            other.delivery(other.key(Level::Ad, 0), 100)
        );
    }

    #[test]
    fn keys_enumerate_every_entity_once() {
        let g = generator();
        let ids: std::collections::HashSet<String> = g.keys(Level::Ad, true).map(|k| g.id(k, "7")).collect();
        assert_eq!(ids.len() as u64, g.count(Level::Ad));
        assert_eq!(g.count(Level::Ad), 12);
    }

    #[test]
    fn a_campaign_delivers_the_sum_of_its_ads() {
        let g = generator();
        let campaign = g.delivery(Key { level: Level::Campaign, c: 1, g: 0, a: 0 }, 500);
        let ads: f64 = g.keys(Level::Ad, true).filter(|k| k.c == 1).map(|k| g.delivery(k, 500)[1]).sum();
        assert_eq!(campaign[1], ads);
    }

    #[test]
    fn ratios_without_a_denominator_are_a_dash() {
        assert_eq!(metric_value("cpc", [1.0, 10.0, 0.0, 0.0, 5.0]).as_deref(), Some("-"));
        assert_eq!(metric_value("ctr", [1.0, 200.0, 3.0, 0.0, 5.0]).as_deref(), Some("1.50"));
        assert_eq!(metric_value("nonsense", [0.0; 5]), None);
    }
}
