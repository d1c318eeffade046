//! The one guard every route and server function goes through: who is signed in, in which
//! workspace, and whether their role is enough.

use super::{SESSION_USER_ID, SESSION_WORKSPACE_ID};
use crate::{db::accounts, error::AppError, roles::Role, server::AppState};
use axum::{extract::FromRequestParts, http::request::Parts};
use sea_orm::DatabaseConnection;
use tower_sessions::Session;

/// The signed-in member, re-read from the database on every request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub user_id: i32,
    pub email: String,
    pub workspace_id: i32,
    pub workspace_name: String,
    pub role: Role,
}

impl CurrentUser {
    /// The guard itself: `Forbidden` unless this member's role is at least `required`.
    pub fn require(self, required: Role) -> Result<Self, AppError> {
        if self.role.allows(required) {
            Ok(self)
        } else {
            tracing::info!(user.id = self.user_id, user.role = %self.role, required = %required, "forbidden");
            Err(AppError::forbidden(format!("This needs the {required} role or above.")))
        }
    }
}

/// Resolves the session to a member, or `Unauthenticated`.
pub async fn current_user(db: &DatabaseConnection, session: &Session) -> Result<CurrentUser, AppError> {
    let read = |e: tower_sessions::session::Error| AppError::internal(e);
    let user_id: Option<i32> = session.get(SESSION_USER_ID).await.map_err(read)?;
    let workspace_id: Option<i32> = session.get(SESSION_WORKSPACE_ID).await.map_err(read)?;
    let (Some(user_id), Some(workspace_id)) = (user_id, workspace_id) else {
        return Err(AppError::unauthenticated());
    };
    accounts::member(db, user_id, workspace_id).await?.ok_or_else(AppError::unauthenticated)
}

/// For server functions: the signed-in member with at least `required`.
pub async fn authorize(required: Role) -> Result<CurrentUser, AppError> {
    let state = leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::internal("AppState missing from the server function context"))?;
    let session: Session = leptos_axum::extract().await.map_err(AppError::internal)?;
    current_user(&state.db, &session).await?.require(required)
}

/// For axum routes: any signed-in member (call `.require(role)` for more).
impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await.map_err(|(_, msg)| AppError::internal(msg))?;
        current_user(&state.db, &session).await
    }
}
