//! The one error type that crosses the server-function boundary.
//!
//! Server functions and handlers return `AppError`; services return their own domain errors,
//! each turned into an `AppError` with words a person can act on beside its service
//! (`connect/messages.rs`, `reports/view`). The UI matches
//! on [`ErrorCode`], never on message text. An unexpected failure is logged once, with its cause
//! chain, where it becomes an `AppError` ([`AppError::internal`]); the browser only ever sees the
//! safe message.

#[cfg(feature = "ssr")]
pub mod page;

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// Stable codes the UI can match on. Their snake_case names are part of the wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    NotFound,
    Validation,
    /// A request (its body or its address) larger than the route accepts.
    TooLarge,
    Conflict,
    RateLimited,
    NeedsReconnect,
    Upstream,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The HTTP status a handler answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Validation => 400,
            ErrorCode::TooLarge => 413,
            ErrorCode::Conflict => 409,
            ErrorCode::RateLimited => 429,
            ErrorCode::NeedsReconnect | ErrorCode::Upstream => 502,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

/// An error a person may read: a stable code plus a message that never holds internals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Please sign in to continue.")
    }

    pub fn invalid_credentials() -> Self {
        Self::new(ErrorCode::InvalidCredentials, "Email or password is incorrect.")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} was not found."))
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }

    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::RateLimited, message)
    }

    pub fn upstream(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Upstream, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn needs_reconnect(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NeedsReconnect, message)
    }

    /// A request whose arguments are missing or malformed; the decoder's words, shortened.
    pub fn not_understood(detail: &str) -> Self {
        let detail: String = detail.chars().take(200).collect();
        Self::validation(format!("This request was not understood ({detail}). Reload the page and try again."))
    }

    /// Logs the full cause chain once and returns an opaque error for the person.
    #[cfg(feature = "ssr")]
    pub fn internal(cause: impl std::fmt::Debug) -> Self {
        tracing::error!(error = ?cause, "internal error");
        Self::new(ErrorCode::Internal, "Something went wrong on our side. Please try again.")
    }

    /// The database cannot be reached: a temporary outage, not a bug.
    #[cfg(feature = "ssr")]
    pub fn database(err: sea_orm::DbErr) -> Self {
        if is_connection_error(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return Self::unavailable();
        }
        Self::internal(err)
    }

    /// The database is away for now (the cause is logged by the caller).
    pub fn unavailable() -> Self {
        Self::new(ErrorCode::Unavailable, "Wevion cannot reach its database right now. Please try again in a moment.")
    }
}

/// Whether a database error means "cannot reach the database" rather than a bad query.
#[cfg(feature = "ssr")]
pub fn is_connection_error(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(
                **e,
                sea_orm::sqlx::Error::Io(_) | sea_orm::sqlx::Error::PoolTimedOut | sea_orm::sqlx::Error::PoolClosed
            )
        }
        _ => false,
    }
}

/// What the server put in a server function's context (a service, the request's parts); its
/// absence is a wiring bug, logged once.
#[cfg(feature = "ssr")]
pub fn from_context<T: Clone + 'static>() -> Result<T, AppError> {
    leptos::prelude::use_context::<T>().ok_or_else(|| {
        AppError::internal(format!("{} missing from the server function context", std::any::type_name::<T>()))
    })
}

/// Runs a server function body and, on failure, answers with the error's HTTP status, so an
/// expected refusal is a 401/403/429 rather than a 500.
#[cfg(feature = "ssr")]
pub async fn respond<T>(body: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let (Err(err), Some(response)) = (&result, leptos::prelude::use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(status) = axum::http::StatusCode::from_u16(err.code.http_status()) {
            response.set_status(status);
        }
    }
    result
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => {
                Self::new(ErrorCode::Upstream, "Could not reach the server. Check your connection and try again.")
            }
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => Self::not_understood(&m),
            // On the server this is a request body that is not the JSON it should be: the
            // sender's mistake. In the browser it is our own answer failing to decode.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(m) => Self::not_understood(&m),
            // Framework failures (encoding, a missing endpoint): say so plainly, never raw text.
            _ => Self::new(ErrorCode::Internal, "Something went wrong on our side. Please try again."),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::database(err)
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.code.http_status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::response::Html(page::render(status, &self.message))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn a_code_reads_the_same_in_logs_as_on_the_wire() {
        for code in ErrorCode::VARIANTS {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str(), "{code:?}");
        }
        assert_eq!(ErrorCode::NeedsReconnect.as_str(), "needs_reconnect");
    }
}
