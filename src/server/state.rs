use crate::settings::Settings;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::{net::SocketAddr, sync::Arc};
use url::Url;

/// What every handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub addr: SocketAddr,
    /// The origin people reach us at, with a trailing slash.
    pub public_url: Url,
    pub login_limiter: Arc<crate::auth::login_limit::LoginLimiter>,
}

impl AppState {
    pub fn new(settings: Settings, db: DatabaseConnection, addr: SocketAddr) -> anyhow::Result<Self> {
        let public_url = match &settings.public_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("http://{addr}/"))?,
        };
        Ok(Self {
            settings: Arc::new(settings),
            db,
            addr,
            public_url,
            login_limiter: Arc::new(crate::auth::login_limit::LoginLimiter::default()),
        })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.settings.leptos.clone()
    }
}
