//! The TikTok Marketing API v1.3: a typed client for the calls the product makes.

pub mod client;
pub mod error;
pub mod wire;

pub use client::{ClientConfig, Clock, Meter, MeterSnapshot, RetryPolicy, SystemClock, TikTokClient, TokenGrant};
pub use error::{ErrorKind, TikTokError};
