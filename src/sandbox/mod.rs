//! The built-in TikTok sandbox: a stand-in for TikTok For Business that speaks its wire format
//! (portal, OAuth, advertisers, entities, creatives, audiences, pixels, reports) and enforces
//! its rules, with a control endpoint to inject faults. Mounted under `/sandbox/tiktok/` in
//! sandbox mode, or served alone by `wevion sandbox`. Only start-up knows it exists.

mod api;
mod control;
mod data;
mod media;
mod oauth;
mod portal;
mod wire;
mod world;

pub use crate::settings::{DataSizes, SandboxSettings, TokenMode};
pub use world::{RegisteredApp, BUSINESS_USER, PERSONAL_USER, SECOND_BUSINESS_USER};

use crate::clock::{Clock, SystemClock};
use axum::{
    extract::DefaultBodyLimit,
    routing::{any, get, post},
    Router,
};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::{
    num::NonZeroU32,
    sync::{atomic::AtomicU64, Arc, Mutex, MutexGuard},
};
use world::World;

/// Where the sandbox is mounted inside the app.
pub const MOUNT: &str = "/sandbox/tiktok";

#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    world: Mutex<World>,
    clock: Arc<dyn Clock>,
    app_limiter: DefaultDirectRateLimiter,
    path_limiter: DefaultKeyedRateLimiter<(String, String)>,
    /// Requests answered 40100 or 40133.
    rate_limited: AtomicU64,
    /// Copied out of the config: the limit checks run while the world is locked.
    advertiser_path_qps: u32,
}

fn per_second(n: u32) -> Quota {
    Quota::per_second(NonZeroU32::new(n.max(1)).expect("max(1) is non-zero"))
}

impl Sandbox {
    pub fn new(config: SandboxSettings, apps: Vec<RegisteredApp>, clock: Arc<dyn Clock>) -> Self {
        let app_limiter = RateLimiter::direct(per_second(config.app_qps));
        let path_limiter = RateLimiter::keyed(per_second(config.advertiser_path_qps));
        let advertiser_path_qps = config.advertiser_path_qps;
        Self {
            inner: Arc::new(Inner {
                world: Mutex::new(World::new(config, apps)),
                clock,
                app_limiter,
                path_limiter,
                rate_limited: AtomicU64::new(0),
                advertiser_path_qps,
            }),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// The portal, `open_api/v1.3/` and the control endpoint, relative to the mount point.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/portal/auth", get(portal::page).post(portal::decide))
            .route("/open_api/v1.3/{*path}", any(api::handle))
            .route("/media/{file}", get(media::picture))
            .route("/control/faults", post(control::add_fault))
            .route("/control/faults/clear", post(control::clear_faults))
            .route("/control/latency", post(control::set_latency))
            .route("/control/revoke", post(control::revoke))
            .route("/control/refresh-failure", post(control::refresh_failure))
            .route("/control/users", post(control::add_user))
            .route("/control/advertisers", post(control::add_advertiser))
            .route("/control/advertiser-status", post(control::set_advertiser_status))
            .route("/control/counts", get(control::counts))
            .route("/control/entity", post(control::change_entity))
            .route("/control/daily-spend-drift", post(control::daily_spend_drift))
            .route("/control/attribution", post(control::late_attribution))
            .route("/control/not-applicable", post(control::not_applicable))
            .route("/control/remove-advertiser", post(control::remove_advertiser))
            .route("/control/tokens", get(control::tokens))
            .route("/control/reset", post(control::reset))
            // Every body it takes is small; a big one only fills memory.
            .layer(DefaultBodyLimit::max(16 * 1024))
            .with_state(self.clone())
    }
}

/// `wevion sandbox --port N`: the sandbox alone, for pointing other clients at it.
/// Apps: the configured (or sandbox) app id and secret, redirect URIs from
/// `SANDBOX_REDIRECT_URIS` (comma-separated; default: the app's callback on 127.0.0.1:3000).
pub async fn serve_standalone(settings: crate::settings::Settings, port: u16) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let redirect_uris: Vec<String> = std::env::var("SANDBOX_REDIRECT_URIS")
        .ok()
        .map(|s| s.split(',').map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()).collect())
        .filter(|v: &Vec<String>| !v.is_empty())
        .or_else(|| settings.tiktok.redirect_uri.as_ref().map(|u| vec![u.to_string()]))
        .unwrap_or_else(|| vec!["http://127.0.0.1:3000/connect/tiktok/callback".to_owned()]);
    let app = RegisteredApp {
        app_id: settings.tiktok.app_id.clone(),
        secret: settings.tiktok.app_secret.expose_secret().to_owned(),
        redirect_uris,
    };
    let sandbox = Sandbox::new(settings.sandbox.clone(), vec![app], Arc::new(SystemClock));
    // Path-only spans: the advertiser list sends the app secret in its query string.
    let router = Router::new().nest(MOUNT, sandbox.router()).layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
        |req: &axum::http::Request<_>| tracing::info_span!("request", http.method = %req.method(), http.path = %req.uri().path()),
    ));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    tracing::info!(
        portal = %format!("http://{addr}{MOUNT}/portal/auth"),
        api = %format!("http://{addr}{MOUNT}/open_api/v1.3/"),
        app.id = %settings.tiktok.app_id,
        "TikTok sandbox listening"
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
