//! The TikTok Marketing API v1.3: a typed client for the calls the product makes.

pub mod client;
pub mod error;
pub mod wire;

pub use client::{ClientConfig, Meter, MeterSnapshot, RetryPolicy, TikTokClient, TokenGrant};
pub use error::{ErrorKind, TikTokError};

#[cfg(test)]
mod fuzz;
