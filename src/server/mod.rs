//! Building and running the web application: state, routes, middleware, start-up.

pub mod error_page;
mod health;
mod require_login;
mod state;

pub use state::AppState;

use crate::{
    app::{shell, App},
    auth::session_store::SeaOrmStore,
    db,
    sandbox::{self, RegisteredApp, Sandbox},
    settings::Settings,
    tiktok::{Clock, SystemClock},
};
use axum::{routing::get, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use std::{net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

/// A built application: the database is migrated and the listener is bound.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Like [`Application::build`], with the clock every time-dependent part reads.
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let db = db::connect(&settings.database_url).await?;
        db::migrate(&db).await?;
        if settings.tiktok.sandbox_mode {
            if let Some(users) = db::accounts::seed_demo(&db, settings.seed_demo_password.as_deref()).await? {
                let lines: Vec<String> =
                    users.iter().map(|(email, role, pw)| format!("  {role:<12} {email}  password: {pw}")).collect();
                // Printed once, on the first start only: these are the only copies of the passwords.
                tracing::warn!(
                    "seeded the demo workspace `{}`; sign in with one of:\n{}",
                    db::accounts::DEMO_WORKSPACE,
                    lines.join("\n")
                );
            }
        }
        let store = SeaOrmStore::new(db.clone());
        store.delete_expired().await?;

        let listener = TcpListener::bind(settings.leptos.site_addr).await?;
        let addr = listener.local_addr()?;
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
            tracing::info!(portal = %state.tiktok_auth_url, "sandbox mode: TikTok calls go to the built-in sandbox");
            Sandbox::new(state.settings.sandbox.clone(), vec![app], clock)
        });
        let router = router(state.clone(), store, sandbox);
        Ok(Self { listener, router, state })
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

    /// Serves until the future resolves or the process gets Ctrl-C.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(addr = %self.state.addr, public_url = %self.state.public_url, "listening");
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    }
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

    let mut app = Router::new();
    if let Some(sandbox) = sandbox {
        app = app.nest(sandbox::MOUNT, sandbox.router());
    }
    app.route("/healthz", get(health::healthz))
        .merge(crate::connect::routes::router(&state.redirect_uri))
        .route("/readyz", get(health::readyz))
        .leptos_routes_with_context(&state, routes, || (), {
            let leptos_options = leptos_options.clone();
            move || shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), require_login::redirect_to_login))
        .layer(sessions)
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // The path only: query strings may carry OAuth codes and state.
            tracing::info_span!("request", http.method = %req.method(), http.path = %req.uri().path())
        }))
        .with_state(state)
}
