//! Types that cross the wire between the server and the browser: built for both, so the
//! services can take them as input and the pages can render them. No wording is decided here
//! beyond TikTok's own status names.

pub mod connect;
pub mod currency;
pub mod format;
pub mod ids;
pub mod reports;
pub mod tone;
