use crate::{
    auth::AuthService,
    clock::Clock,
    connect::ConnectService,
    credentials::Credentials,
    reports::ReportsService,
    settings::Settings,
    sync::{SyncEngine, SyncSettings},
    tiktok::{ClientConfig, RetryPolicy, TikTokClient},
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::{net::SocketAddr, sync::Arc};
use tokio::sync::Notify;
use url::Url;

/// What start-up builds once and hands to the routes, the pages and the background loops.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub addr: SocketAddr,
    /// The origin people reach us at, with a trailing slash.
    pub public_url: Url,
    /// Where TikTok sends people back after authorizing.
    pub redirect_uri: Url,
    pub tiktok_auth_url: Url,
    pub tiktok: TikTokClient,
    pub clock: Arc<dyn Clock>,
    pub auth: AuthService,
    pub credentials: Credentials,
    pub connect: ConnectService,
    pub sync: SyncEngine,
    pub reports: ReportsService,
}

/// The share of the TikTok budget background syncs may use; the rest stays free for the calls
/// a person waits on (the picker, Connect).
const BACKGROUND_SHARE: f64 = 0.9;

impl AppState {
    pub fn new(
        settings: Settings,
        db: DatabaseConnection,
        addr: SocketAddr,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        // Long: start-up wiring, one service after another, in the order they depend on.
        let public_url = match &settings.public_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("http://{addr}/"))?,
        };
        let redirect_uri = match &settings.tiktok.redirect_uri {
            Some(url) => url.clone(),
            None => public_url.join("connect/tiktok/callback")?,
        };
        // Outside sandbox mode settings always carry both URLs; in it, they default to the
        // sandbox mounted in this server.
        let sandbox =
            |path: &str| public_url.join(&format!("{}/{path}", crate::sandbox::MOUNT.trim_start_matches('/')));
        let auth_url = match &settings.tiktok.auth_url {
            Some(url) => url.clone(),
            None => sandbox("portal/auth")?,
        };
        let api_base_url = match &settings.tiktok.api_base_url {
            Some(url) => url.clone(),
            None => sandbox("open_api/v1.3/")?,
        };
        let tiktok = TikTokClient::new(
            ClientConfig {
                api_base_url,
                auth_url: auth_url.clone(),
                app_id: settings.tiktok.app_id.clone(),
                app_secret: settings.tiktok.app_secret.clone(),
                qps: settings.tiktok.qps,
                advertiser_path_qps: settings.tiktok.advertiser_path_qps,
                timeout: settings.tiktok.timeout,
                retry: RetryPolicy {
                    max_retries: settings.tiktok.max_retries,
                    min_delay: settings.tiktok.retry_delay,
                    ..RetryPolicy::default()
                },
            },
            clock.clone(),
        )?;
        let credentials = Credentials::new(db.clone(), tiktok.clone(), settings.token_keys.clone(), clock.clone());
        // Import and Sync now wake the sync workers at once.
        let wake = Arc::new(Notify::new());
        let connect = ConnectService::new(
            db.clone(),
            &tiktok,
            credentials.clone(),
            clock.clone(),
            redirect_uri.clone(),
            wake.clone(),
        );
        let sync = SyncEngine::new(
            db.clone(),
            tiktok.background(BACKGROUND_SHARE),
            credentials.clone(),
            clock.clone(),
            SyncSettings::from(&settings),
            wake,
        );
        let auth = AuthService::new(
            db.clone(),
            clock.clone(),
            crate::auth::password::PasswordGate::for_this_machine(),
            settings.trusted_proxy_header.clone(),
        );
        let limits = crate::reports::ReportLimits {
            exports_at_once: settings.exports_at_once,
            export_time_limit: settings.export_time_limit,
            queries_at_once: settings.report_queries_at_once,
        };
        let reports = ReportsService::new(db.clone(), clock.clone(), settings.report_cache_mb << 20, limits);
        Ok(Self {
            settings: Arc::new(settings),
            db,
            addr,
            public_url,
            redirect_uri,
            tiktok_auth_url: auth_url,
            tiktok,
            clock,
            auth,
            credentials,
            connect,
            sync,
            reports,
        })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.settings.leptos.clone()
    }
}

impl FromRef<AppState> for AuthService {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<AppState> for ConnectService {
    fn from_ref(state: &AppState) -> Self {
        state.connect.clone()
    }
}

impl FromRef<AppState> for SyncEngine {
    fn from_ref(state: &AppState) -> Self {
        state.sync.clone()
    }
}

impl FromRef<AppState> for ReportsService {
    fn from_ref(state: &AppState) -> Self {
        state.reports.clone()
    }
}
