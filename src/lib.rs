//! Wevion: connect TikTok For Business to a workspace and keep its ad data flowing in.
//!
//! The crate is one Leptos app. Code shared with the browser (pages, DTOs, the error type,
//! roles) compiles everywhere; everything that touches the database, TikTok or secrets is
//! behind the `ssr` feature so the wasm bundle never pulls it in.

pub mod app;
pub mod error;
pub mod pages;
pub mod roles;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod connect;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod sandbox;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod telemetry;
#[cfg(feature = "ssr")]
pub mod tiktok;
#[cfg(feature = "ssr")]
pub mod token_crypto;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
