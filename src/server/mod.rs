//! Start-up: building the application from typed settings (database, services, routes,
//! middleware), running it, and the background loops beside it.

mod csrf;
mod fn_errors;
mod handlers;
mod headers;
mod health;
mod maintenance;
mod request_limits;
mod require_login;
mod state;

use handlers::{export, oauth};
pub use headers::CspNonce;
pub use state::AppState;

use crate::{
    app::{shell, App},
    auth::{accounts, session_store::SeaOrmStore},
    clock::{Clock, SystemClock},
    db,
    sandbox::{self, RegisteredApp, Sandbox},
    settings::Settings,
};
use axum::{
    middleware::{from_fn, from_fn_with_state},
    routing::get,
    serve::ListenerExt,
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use std::{net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::trace::TraceLayer;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

/// A built application: the database is migrated and the listener is bound.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    /// SQLite only: held while this instance serves.
    _instance_lock: Option<std::fs::File>,
}

impl Application {
    /// Binds the configured address (`LEPTOS_SITE_ADDR`).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.check_sandbox_exposure()?;
        let listener = TcpListener::bind(settings.leptos.site_addr).await?;
        Self::build_on(settings, listener, Arc::new(SystemClock)).await
    }

    /// Builds on a listener the caller bound (tests bind port 0 and read the port first), with
    /// the clock every time-dependent part reads.
    pub async fn build_on(settings: Settings, listener: TcpListener, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let addr = listener.local_addr()?;
        if settings.metrics_token.is_some() {
            // Installed before anything is recorded: counting starts here.
            crate::telemetry::metrics::recorder();
        }
        let mut settings = settings;
        settings.leptos.site_addr = addr;
        settings.check_sandbox_exposure()?;
        let instance_lock = db::hold_single_instance(&settings.database_url)?;
        let db = db::connect(&settings.database_url).await?;
        db::migrate(&db).await?;
        if settings.tiktok.sandbox_mode {
            if let Some(users) = accounts::seed_demo(&db, settings.seed_demo_password.as_deref()).await? {
                let lines: Vec<String> = users
                    .iter()
                    .map(|u| format!("  {:<12} {}  password: {}", u.role.as_str(), u.email, u.password))
                    .collect();
                // Printed once, on the first start only: these are the only copies of the passwords.
                tracing::warn!(
                    "seeded the demo workspace `{}`; sign in with one of:\n{}",
                    accounts::DEMO_WORKSPACE,
                    lines.join("\n")
                );
            }
        }
        let store = SeaOrmStore::new(db.clone());
        store.delete_expired().await?;

        let state = AppState::new(settings, db, addr, clock.clone())?;
        if state.settings.token_keys.is_development() {
            tracing::warn!(
                "TIKTOK_TOKEN_KEY is unset: tokens are encrypted with the public development key (sandbox mode only)"
            );
        }
        // Only start-up knows the sandbox exists: the client just sees URLs pointing at it.
        let sandbox = state.settings.tiktok.sandbox_mode.then(|| {
            let app = RegisteredApp {
                app_id: state.settings.tiktok.app_id.clone(),
                secret: state.settings.tiktok.app_secret.expose_secret().to_owned(),
                redirect_uris: vec![state.redirect_uri.to_string()],
            };
            tracing::info!(
                portal = %state.tiktok_auth_url,
                "sandbox mode: TikTok calls go to the built-in sandbox (set TIKTOK_APP_ID for the real TikTok)"
            );
            Sandbox::new(state.settings.sandbox.clone(), vec![app], clock)
        });
        let router = router(state.clone(), store, sandbox);
        Ok(Self { listener, router, state, _instance_lock: instance_lock })
    }

    pub fn addr(&self) -> SocketAddr {
        self.state.addr
    }

    pub fn port(&self) -> u16 {
        self.state.addr.port()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C (or SIGTERM), with the background loops beside the server: the sync
    /// engine (unless `SYNC_CONCURRENCY=0`) and housekeeping. On shutdown a sync run in flight
    /// writes its current page and goes back to the queue; the process waits for that (at most
    /// a few seconds).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(addr = %self.state.addr, public_url = %self.state.public_url, "listening");
        let maintenance = tokio::spawn(maintenance::run(self.state.clone()));
        let stop_sync = CancellationToken::new();
        let sync = (self.state.sync.settings().concurrency > 0)
            .then(|| tokio::spawn(self.state.sync.clone().run(stop_sync.clone())));
        // Every instance calls TikTok (a web-only one for pickers and callbacks), so every one
        // beats and takes its share of TikTok's app budget.
        let beats = tokio::spawn(self.state.sync.clone().keep_beating(stop_sync.clone()));
        // Streamed pages send several chunks per response: without TCP_NODELAY the second one
        // waits for a delayed ACK (~40 ms) on kept-alive connections.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let served = axum::serve(listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown({
                // The engine stops at the signal, not after the last HTTP connection closes.
                let stop_sync = stop_sync.clone();
                async move {
                    shutdown_signal().await;
                    stop_sync.cancel();
                }
            })
            .await;
        maintenance.abort();
        stop_sync.cancel();
        if let Some(sync) = sync {
            if tokio::time::timeout(std::time::Duration::from_secs(8), sync).await.is_err() {
                tracing::warn!("the sync engine did not stop within 8 s; its runs resume after their lease expires");
            }
        }
        self.state.credentials.finish_refreshes(std::time::Duration::from_secs(35)).await;
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), beats).await;
        served
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn router(state: AppState, store: SeaOrmStore, sandbox: Option<Sandbox>) -> Router {
    let leptos_options = state.settings.leptos.clone();
    let routes = generate_route_list(App);
    let secure = state.settings.secure_cookies.unwrap_or(state.public_url.scheme() == "https");
    let sessions = SessionManagerLayer::new(store)
        .with_name("wevion_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)));
    let own_origin = csrf::OwnOrigin::new(&state.public_url);

    // What server functions and pages find in their context: the services, and this
    // request's script nonce for the hydration scripts.
    let context = {
        let (auth, connect, sync, reports) =
            (state.auth.clone(), state.connect.clone(), state.sync.clone(), state.reports.clone());
        move || {
            provide_context(auth.clone());
            provide_context(connect.clone());
            provide_context(sync.clone());
            provide_context(reports.clone());
            if let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() {
                if let Some(nonce) = parts.extensions.get::<CspNonce>() {
                    provide_context(leptos::nonce::Nonce::from_value(nonce.0.clone()));
                }
            }
        }
    };

    let app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(oauth::router(&state.redirect_uri))
        .merge(export::router())
        .leptos_routes_with_context(&state, routes, context, {
            let leptos_options = leptos_options.clone();
            move || shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn(fn_errors::status_from_code))
        .layer(from_fn_with_state(state.auth.clone(), require_login::redirect_to_login))
        .layer(sessions)
        .layer(from_fn_with_state(own_origin, csrf::same_origin_only))
        // The cheapest check first: nothing (a session, the database) is touched by a request
        // too large to be one of ours.
        .layer(from_fn(request_limits::bounded))
        .layer(from_fn(headers::security_headers))
        .with_state(state);
    // The sandbox stands for another site: none of the app's session, origin or header rules.
    let app = match sandbox {
        Some(sandbox) => app.nest(sandbox::MOUNT, sandbox.router()),
        None => app,
    };
    app.layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        // The path only: query strings may carry OAuth codes and state.
        tracing::info_span!("request", http.method = %req.method(), http.path = %req.uri().path())
    }))
}
