//! What TikTok accepts per request: page sizes, report spans and batch sizes.

/// Page sizes: each endpoint's documented maximum.
pub mod page_size {
    pub const ENTITIES: u32 = 1000;
    pub const CREATIVES: u32 = 1000;
    pub const AUDIENCES: u32 = 100;
    pub const PIXELS: u32 = 20;
    pub const REPORT: u32 = 1000;
}

/// `advertiser/info/` takes at most this many ids per call.
pub const ADVERTISER_INFO_BATCH: usize = 100;
/// Daily reports cover at most this many days per request.
pub const MAX_DAILY_REPORT_DAYS: i64 = 30;
/// Reports without a time dimension cover at most this many days.
pub const MAX_TOTALS_REPORT_DAYS: i64 = 365;
/// `pixel/event/stats/` takes at most this many pixels per call.
pub const PIXEL_STATS_BATCH: usize = 10;
