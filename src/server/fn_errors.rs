//! A server function's error answers with its code's HTTP status, so a client library or a
//! monitor never reads a person's mistake as the server breaking. The body's own refusals set
//! the status as they return (`error::respond`, which also serves pages rendered on the server);
//! this covers what fails before the body runs — arguments that do not decode (a form without
//! `email`, JSON of another shape) — which the framework answers with 500.

use crate::error::AppError;
use axum::{
    body::Body,
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The framework marks a server function's error answer with this header.
const SERVER_FN_ERROR: &str = "serverfnerror";
/// An error answer is a code and a sentence; anything longer is not one of ours.
const MAX_ERROR_BODY: usize = 16 * 1024;

pub async fn status_from_code(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key(SERVER_FN_ERROR) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return AppError::internal(format!("a server function's error answer could not be read: {e}"))
                .into_response()
        }
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
