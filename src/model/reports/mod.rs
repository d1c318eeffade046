//! What Ads Manager and the Dashboard ask for and get back: the state in a view's URL
//! ([`query`]), the levels of TikTok's tree, TikTok's statuses of what they list ([`status`]), and the rows, totals and charts
//! they show ([`rows`]). Numbers are put in words by [`crate::model::format`].

mod breakdown;
mod level;
mod metrics;
mod query;
mod rows;
mod sort;
mod status;

pub use breakdown::{AudienceView, Breakdown, BreakdownSection, Choice, Dimension};
pub use level::Level;
pub use metrics::{ColumnSet, Metric, Unit};
pub use query::*;
pub use rows::*;
pub use sort::SortKey;
pub use status::*;
