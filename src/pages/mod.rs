//! One module per page; each keeps its server functions beside its view.

pub mod ads_manager;
pub mod connect_tiktok;
pub mod dashboard;
pub mod layout;
pub mod login;
pub mod not_found;
mod report_parts;
