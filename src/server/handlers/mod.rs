//! Plain HTTP handlers beside the Leptos routes: the OAuth popup's round trip through TikTok
//! and the CSV export. Each module gives the router it is mounted with.

pub mod export;
pub mod oauth;
mod popup_page;
