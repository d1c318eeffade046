//! Deterministic sandbox data: every entity and every report row is computed from the seed and
//! its position, on request. Nothing is stored, so a benchmark can ask for a very large
//! advertiser (1,000 campaigns × 10 ad groups × 5 ads × 90 days) at no memory cost.

mod assets;
mod delivery;
mod split;

pub use delivery::Delivery;
pub use split::Breakdown;

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
    /// Conversions TikTok attributed late to the days before `as_of` (see [`LateAttribution`]).
    pub late: Option<LateAttribution>,
}

/// Days that passed for attribution as of a day (days since the Unix epoch): each of the 28
/// days before it gains conversions for each such day, up to its 28th, as TikTok's clicks
/// convert later and are dated to the click's day. Per ad, so every level's sums still hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateAttribution {
    pub days: u32,
    pub as_of: i64,
}

/// TikTok's longest attribution window.
pub const ATTRIBUTION_DAYS: i64 = 28;

/// Days are counted from here in the generator.
pub const EPOCH: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

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

    /// One ad's delivery on one day (day = days since the Unix epoch).
    fn ad_day(&self, key: Key, day: i64) -> Delivery {
        let (c, g, a) = (key.c as u64, key.g as u64, key.a as u64);
        let h = self.h(&[80, c, g, a, day as u64]);
        let impressions = (range(h, 0.0, 4000.0) as u64 + if h.is_multiple_of(9) { 0 } else { 150 }) as f64;
        let ctr = range(h >> 8, 0.004, 0.03);
        let clicks = (impressions * ctr).floor();
        let cpm = range(h >> 16, 2.0, 12.0);
        let spend_cents = (impressions * cpm / 10.0).round() as i64;
        let mut conversions = (clicks * range(h >> 24, 0.0, 0.12)).floor();
        if let Some(late) = self.late {
            let age = late.as_of - day;
            if (0..ATTRIBUTION_DAYS).contains(&age) {
                let days = i64::from(late.days).min(ATTRIBUTION_DAYS - age) as f64;
                conversions += (clicks * 0.004 * days).floor();
            }
        }
        let reach = (impressions * range(h >> 32, 0.6, 0.95)).floor();
        // The rest from a hash of its own, so the figures above stay what they always were.
        let r = self.h(&[81, c, g, a, day as u64]);
        let at = |bits: u32, lo: f64, hi: f64| range(r.rotate_right(bits), lo, hi);
        let share = |of: f64, bits: u32, lo: f64, hi: f64| (of * at(bits, lo, hi)).floor() as i64;
        let purchases = share(conversions, 0, 0.2, 0.6);
        // One price per ad, so a late conversion brings its value with it.
        let price_cents = range(self.h(&[82, c, g, a]), 1_500.0, 12_000.0).round() as i64;
        let plays = share(impressions, 8, 0.3, 0.7);
        let watched_2s = share(plays as f64, 12, 0.5, 0.8);
        let p25 = share(plays as f64, 16, 0.4, 0.6);
        let p50 = share(p25 as f64, 20, 0.6, 0.8);
        let p75 = share(p50 as f64, 24, 0.6, 0.8);
        let profile_visits = share(clicks, 28, 0.05, 0.2);
        let likes = share(plays as f64, 32, 0.01, 0.05);
        Delivery {
            spend_cents,
            impressions: impressions as i64,
            clicks: clicks as i64,
            conversions: conversions as i64,
            reach: reach as i64,
            results: conversions as i64 + share(clicks, 4, 0.0, 0.05),
            purchases,
            purchase_value_cents: purchases * price_cents,
            video_plays: plays,
            watched_2s,
            watched_6s: share(watched_2s as f64, 36, 0.6, 0.8),
            p25,
            p50,
            p75,
            p100: share(p75 as f64, 40, 0.5, 0.8),
            watch_ms: plays * at(44, 1_500.0, 9_000.0).round() as i64,
            profile_visits,
            likes,
            comments: share(likes as f64, 48, 0.05, 0.2),
            shares: share(likes as f64, 52, 0.05, 0.15),
            follows: share(profile_visits as f64, 56, 0.1, 0.3),
        }
    }

    /// The ads under an entity (itself, for an ad), deleted ones included.
    fn ads_under(&self, key: Key) -> impl Iterator<Item = Key> {
        let s = self.sizes;
        let (cs, gs, as_) = match key.level {
            Level::Advertiser => (0..s.campaigns, 0..s.adgroups_per_campaign, 0..s.ads_per_adgroup),
            Level::Campaign => (key.c..key.c + 1, 0..s.adgroups_per_campaign, 0..s.ads_per_adgroup),
            Level::AdGroup => (key.c..key.c + 1, key.g..key.g + 1, 0..s.ads_per_adgroup),
            Level::Ad => (key.c..key.c + 1, key.g..key.g + 1, key.a..key.a + 1),
        };
        cs.flat_map(move |c| {
            let as_ = as_.clone();
            gs.clone().flat_map(move |g| as_.clone().map(move |a| Key { level: Level::Ad, c, g, a }))
        })
    }

    /// Summed delivery of an entity (all its ads) on one day.
    pub fn delivery(&self, key: Key, day: i64) -> Delivery {
        let mut sum = Delivery::default();
        for ad in self.ads_under(key) {
            sum += self.ad_day(ad, day);
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator() -> Generator {
        Generator {
            seed: 7,
            index: 1,
            sizes: DataSizes { campaigns: 3, adgroups_per_campaign: 2, ads_per_adgroup: 2, days: 10 },
            late: None,
        }
    }

    #[test]
    fn late_attribution_adds_conversions_to_the_window_only_and_keeps_the_sums() {
        let (today, key) = (20_000, generator().key(Level::Ad, 0));
        let late = Generator { late: Some(LateAttribution { days: 20, as_of: today }), ..generator() };
        let grew = (0..ATTRIBUTION_DAYS).filter(|age| {
            late.delivery(key, today - age).conversions > generator().delivery(key, today - age).conversions
        });
        assert!(grew.count() > 0, "some days in the window gained conversions");
        for age in [ATTRIBUTION_DAYS, ATTRIBUTION_DAYS + 5] {
            assert_eq!(late.delivery(key, today - age), generator().delivery(key, today - age), "day {age} back");
        }
        let campaign = late.key(Level::Campaign, 0);
        let ads: i64 =
            late.keys(Level::Ad, true).filter(|k| k.c == 0).map(|k| late.delivery(k, today - 3).conversions).sum();
        assert_eq!(late.delivery(campaign, today - 3).conversions, ads, "a campaign is the sum of its ads");
        assert!(
            late.delivery(key, today - 3).purchase_value_cents
                >= generator().delivery(key, today - 3).purchase_value_cents,
            "conversion value grows with the conversions"
        );
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
        let mut ads = Delivery::default();
        g.keys(Level::Ad, true).filter(|k| k.c == 1).for_each(|k| ads += g.delivery(k, 500));
        assert_eq!(campaign, ads, "every metric's parts");
    }
}
