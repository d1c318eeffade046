//! Wevion: connect TikTok For Business to a workspace and keep its ad data flowing in.
//!
//! One Leptos app. Code shared with the browser (the pages, the wire types in `model`, the
//! error type, roles) compiles everywhere; everything that touches the database, TikTok or
//! secrets is behind the `ssr` feature, so the wasm bundle never pulls it in.
//!
//! Layers, top to bottom (no module imports one above it; see README "Layers"):
//! start-up (`main`, `cli`, `server`, `app`) → `pages` (views and their server functions) →
//! services (`connect`, `credentials`, `sync`, `reports`, `rates`) → `db` and the TikTok client `tiktok` → shared leaves
//! (`model`, `error`, `roles`, `settings`, `config`, `clock`, `token_crypto`, `telemetry`).
//! The TikTok `sandbox` stands alone; only start-up mounts it.

pub mod app;
pub mod error;
pub mod model;
pub mod pages;
pub mod roles;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod connect;
#[cfg(feature = "ssr")]
pub mod credentials;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rates;
#[cfg(feature = "ssr")]
pub mod reports;
#[cfg(feature = "ssr")]
pub mod sandbox;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod sync;
#[cfg(feature = "ssr")]
pub mod telemetry;
#[cfg(feature = "ssr")]
pub mod tiktok;
#[cfg(feature = "ssr")]
pub mod token_crypto;

/// The server allocates and frees many small objects per request and per synced page (JSON
/// maps, query values); mimalloc does that far faster than the system allocator, and returns
/// memory better.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
