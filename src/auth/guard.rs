//! The one guard every route and server function goes through: who is signed in, in which
//! workspace, and whether their role allows what they ask ([`Capability`]).

use super::{
    accounts, login_limit::LoginLimiter, password::PasswordGate, SESSION_SEEN_AT, SESSION_USER_ID, SESSION_WORKSPACE_ID,
};
use crate::{
    clock::Clock,
    db::accounts::Member,
    error::AppError,
    roles::{Capability, Role},
};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::{request::Parts, Extensions, HeaderMap},
};
use sea_orm::DatabaseConnection;
use std::{net::IpAddr, sync::Arc};
use tokio::sync::OnceCell;
use tower_sessions::Session;

/// The signed-in member, re-read from the database once per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub user_id: i32,
    pub email: String,
    pub workspace_id: i32,
    pub workspace_name: String,
    pub role: Role,
}

impl From<Member> for CurrentUser {
    fn from(m: Member) -> Self {
        Self {
            user_id: m.user_id,
            email: m.email,
            workspace_id: m.workspace_id,
            workspace_name: m.workspace_name,
            role: m.role,
        }
    }
}

impl CurrentUser {
    /// The guard itself: `Forbidden` unless this member's role allows `what`.
    pub fn require(self, what: Capability) -> Result<Self, AppError> {
        if self.role.may(what) {
            Ok(self)
        } else {
            tracing::info!(user.id = self.user_id, user.role = %self.role, capability = ?what, "forbidden");
            Err(AppError::forbidden(format!("This needs the {} role or above.", what.least_role())))
        }
    }
}

/// The member behind a request, resolved at most once however many parts of the request ask
/// (the login redirect, the page's resources, its server functions). Put in the request's
/// extensions by start-up's middleware.
#[derive(Clone, Default)]
pub struct MemberCache(Arc<OnceCell<Option<CurrentUser>>>);

/// Members, sessions and sign-in.
#[derive(Clone)]
pub struct AuthService {
    db: DatabaseConnection,
    limiter: LoginLimiter,
    gate: PasswordGate,
    /// A header a trusted proxy sets to the client's address.
    proxy_header: Option<String>,
}

impl AuthService {
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        gate: PasswordGate,
        proxy_header: Option<String>,
    ) -> Self {
        Self { limiter: LoginLimiter::new(db.clone(), clock), db, gate, proxy_header }
    }

    /// The signed-in member of the request whose extensions these are (its session and, when
    /// present, its [`MemberCache`]); `None` when signed out.
    pub async fn current_user_in(&self, extensions: &Extensions) -> Result<Option<CurrentUser>, AppError> {
        let session = extensions
            .get::<Session>()
            .ok_or_else(|| AppError::internal("the session layer is missing in front of this route"))?;
        match extensions.get::<MemberCache>() {
            Some(cache) => cache.0.get_or_try_init(|| self.load(session)).await.cloned(),
            None => self.load(session).await,
        }
    }

    async fn load(&self, session: &Session) -> Result<Option<CurrentUser>, AppError> {
        let read = super::session_store::session_error;
        let user_id: Option<i32> = session.get(SESSION_USER_ID).await.map_err(read)?;
        let workspace_id: Option<i32> = session.get(SESSION_WORKSPACE_ID).await.map_err(read)?;
        let (Some(user_id), Some(workspace_id)) = (user_id, workspace_id) else {
            return Ok(None);
        };
        let member = crate::db::accounts::member(&self.db, user_id, workspace_id).await?.map(CurrentUser::from);
        if member.is_some() {
            keep_alive(session).await?;
        }
        Ok(member)
    }

    /// Checks a sign-in attempt against the rate limits and the password.
    pub async fn sign_in(&self, email: &str, password: &str, client: Option<IpAddr>) -> Result<CurrentUser, AppError> {
        let email = crate::db::accounts::normalize_email(email);
        if !self.limiter.check(&email, client).await? {
            tracing::warn!(client.ip = ?client, "sign-in rate limited");
            return Err(AppError::rate_limited("Too many sign-in attempts. Wait a minute, then try again."));
        }
        let Ok(turn) = self.gate.enter().await else {
            tracing::warn!(client.ip = ?client, "sign-in turned away: every password check is taken");
            return Err(AppError::new(
                crate::error::ErrorCode::Unavailable,
                "Wevion is busy signing people in. Try again in a moment.",
            ));
        };
        match accounts::verify_login(&self.db, &email, password, turn).await? {
            Some(member) => Ok(member.into()),
            None => {
                tracing::info!(client.ip = ?client, "sign-in refused: wrong email or password");
                Err(AppError::invalid_credentials())
            }
        }
    }

    /// The client's address: the trusted proxy's header when one is configured, else the peer.
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
        match &self.proxy_header {
            Some(name) => super::login_limit::forwarded_ip(headers, name).or(peer),
            None => peer,
        }
    }

    /// Drops rate-limit state nobody needs any more (run periodically).
    pub async fn forget_idle_limits(&self) -> Result<u64, sea_orm::DbErr> {
        self.limiter.forget_idle().await
    }
}

/// Sessions end after 14 days without use, not 14 days after sign-in: the session layer stores
/// a session again (with a fresh expiry and cookie) only when it changed, so a member's use
/// changes it, at most once an hour to keep requests free of writes.
pub async fn keep_alive(session: &Session) -> Result<(), AppError> {
    const RENEW_AFTER_SECS: i64 = 3600;
    let read = super::session_store::session_error;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let seen: Option<i64> = session.get(SESSION_SEEN_AT).await.map_err(read)?;
    if seen.is_none_or(|at| now - at >= RENEW_AFTER_SECS) {
        session.insert(SESSION_SEEN_AT, now).await.map_err(read)?;
    }
    Ok(())
}

/// For server functions: the signed-in member, if they may do `what`.
pub async fn authorize(what: Capability) -> Result<CurrentUser, AppError> {
    let auth = leptos::prelude::use_context::<AuthService>()
        .ok_or_else(|| AppError::internal("AuthService missing from the server function context"))?;
    let parts = leptos::prelude::use_context::<Parts>()
        .ok_or_else(|| AppError::internal("request parts missing from the server function context"))?;
    auth.current_user_in(&parts.extensions).await?.ok_or_else(AppError::unauthenticated)?.require(what)
}

/// For axum routes: any signed-in member (call `.require(…)` for more).
impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AuthService: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        AuthService::from_ref(state).current_user_in(&parts.extensions).await?.ok_or_else(AppError::unauthenticated)
    }
}
