//! TikTok's wire format, the whole contract in one place: the envelope and paging, how fields
//! are read leniently, what a request may ask for, and the records the product reads.

mod creatives;
mod entities;
mod envelope;
pub mod lenient;
pub mod limits;
mod metrics;
mod oauth;
mod reports;

pub use creatives::{Image, Video};
pub use entities::{Ad, AdGroup, AdvertiserInfo, Audience, Campaign, Pixel, PixelEvent};
pub(crate) use envelope::{decode, without_nul, ListData};
pub use envelope::{Envelope, PageInfo, WithRaw};
pub use lenient::parse_metric;
pub use metrics::{audience_metrics, report_metrics, Metrics, WireMetric, AUDIENCE_METRICS, METRIC_COUNT};
pub use oauth::{AdvertiserRef, UserInfo};
pub(crate) use oauth::{Revoked, TokenData};
pub use reports::{
    BreakdownRow, Bucket, DataLevel, HourRow, PixelEventStat, PixelStats, RawReportRow, ReportRow, TotalRow,
};
