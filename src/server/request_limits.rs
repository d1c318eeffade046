//! Every request is bounded before anything reads it: its address by [`MAX_URI`], its body by a
//! limit that fits its route. A declared length over the limit is refused at once (413) without
//! reading a byte; a body of unknown length is read up to the limit and refused when it goes past.
//! Whatever is let through is at most a few KiB of memory per request.

use crate::error::{AppError, ErrorCode};
use axum::{
    body::Body,
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    Json,
};

/// Sign-in: an email, a password and where to go next.
pub const LOGIN_BODY: usize = 4 * 1024;
/// Importing accounts names each chosen advertiser id: room for several hundred.
pub const IMPORT_BODY: usize = 64 * 1024;
/// Every other server function: a query or an id or two.
pub const SERVER_FN_BODY: usize = 16 * 1024;
/// Pages, the export and the OAuth callback take no body at all; a small one is tolerated.
pub const OTHER_BODY: usize = 1024;
/// The longest address served: TikTok's callback carries a code and a state of a few hundred
/// characters, Ads Manager's URL a search of at most 200.
pub const MAX_URI: usize = 8 * 1024;

/// The body limit for a path.
pub fn body_limit(path: &str) -> usize {
    match path {
        "/api/login" => LOGIN_BODY,
        "/api/tiktok/import" => IMPORT_BODY,
        p if p.starts_with("/api/") => SERVER_FN_BODY,
        _ => OTHER_BODY,
    }
}

/// Why a request was refused before it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    UriTooLong,
    BodyTooLarge(usize),
    Unreadable,
}

impl Refusal {
    fn answer(self, path: &str) -> Response {
        let (status, error) = match self {
            Refusal::UriTooLong => (
                StatusCode::URI_TOO_LONG,
                AppError::new(ErrorCode::TooLarge, "This address is too long to be one of Wevion's."),
            ),
            Refusal::BodyTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                AppError::new(
                    ErrorCode::TooLarge,
                    format!("This request is larger than the {} KiB Wevion accepts here.", limit.div_ceil(1024)),
                ),
            ),
            Refusal::Unreadable => (
                StatusCode::BAD_REQUEST,
                AppError::validation("This request's body could not be read; please send it again."),
            ),
        };
        tracing::info!(http.path = %path, http.status = status.as_u16(), "refused a request at the edge");
        if path.starts_with("/api/") {
            // `serverfnerror` makes the answer a server function's error for its client.
            let mut response = (status, Json(error)).into_response();
            response.headers_mut().insert("serverfnerror", header::HeaderValue::from_static("edge"));
            response
        } else {
            (status, Html(crate::error::page::render(status, &error.message))).into_response()
        }
    }
}

/// The middleware: refuses what is too long, and hands on a body already read within its limit.
pub async fn bounded(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let uri_len = req.uri().path_and_query().map_or(path.len(), |pq| pq.as_str().len());
    if uri_len > MAX_URI {
        return Refusal::UriTooLong.answer(&path);
    }
    let limit = body_limit(&path);
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Refusal::BodyTooLarge(limit).answer(&path);
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(e) => {
            let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            let refusal = if too_large { Refusal::BodyTooLarge(limit) } else { Refusal::Unreadable };
            refusal.answer(&path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_takes_a_few_kib_imports_more_and_pages_almost_nothing() {
        assert_eq!(body_limit("/api/login"), LOGIN_BODY);
        assert_eq!(body_limit("/api/tiktok/import"), IMPORT_BODY);
        assert_eq!(body_limit("/api/ads/table"), SERVER_FN_BODY);
        assert_eq!(body_limit("/connect/tiktok/callback"), OTHER_BODY);
        assert_eq!(body_limit("/ads/export"), OTHER_BODY);
    }
}
