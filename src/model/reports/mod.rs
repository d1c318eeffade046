//! What Ads Manager and the Dashboard ask for and get back: the state in a view's URL
//! ([`query`]), TikTok's statuses of what they list ([`status`]), and the rows, totals and charts
//! they show ([`rows`]). Numbers are put in words by [`crate::model::format`].

mod query;
mod rows;
mod status;

pub use query::*;
pub use rows::*;
pub use status::*;
