//! Every request is bounded before anything reads it: its address by [`MAX_URI`], its body by a
//! limit that fits its route and by [`BODY_TIME`]. A declared length over the limit is refused at
//! once (413) without reading a byte; a body of unknown length is read up to the limit and refused
//! when it goes past; a body still arriving after [`BODY_TIME`] is refused (408). What is let
//! through holds at most its route's limit in memory (64 KiB for an import, 16 KiB or less else).

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
/// How long a body may take to arrive: a few KiB take milliseconds, so a client trickling bytes
/// holds nothing for long.
pub const BODY_TIME: std::time::Duration = std::time::Duration::from_secs(15);

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
    TooSlow,
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
            Refusal::TooSlow => (
                StatusCode::REQUEST_TIMEOUT,
                AppError::validation("This request's body took too long to arrive; please send it again."),
            ),
            Refusal::Unreadable => (
                StatusCode::BAD_REQUEST,
                AppError::validation("This request's body could not be read; please send it again."),
            ),
        };
        tracing::info!(http.path = %path, http.status = status.as_u16(), "refused a request at the edge");
        if path.starts_with("/api/") {
            // Marked as the framework marks a server function's error answer (its client reads
            // the status and the JSON body).
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
    let Ok(read) = tokio::time::timeout(BODY_TIME, axum::body::to_bytes(body, limit)).await else {
        return Refusal::TooSlow.answer(&path);
    };
    match read {
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

    async fn answer_to(body: Body) -> StatusCode {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route("/api/login", axum::routing::post(|| async { "read" }))
            .layer(axum::middleware::from_fn(bounded));
        let request = Request::post("/api/login").body(body).expect("a request");
        app.oneshot(request).await.expect("an answer").status()
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_trickling_in_past_its_time_is_refused_408() {
        // A first byte, then nothing: the client holds the connection open.
        use futures::StreamExt;
        let trickle = futures::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"e"))])
            .chain(futures::stream::pending());
        assert_eq!(answer_to(Body::from_stream(trickle)).await, StatusCode::REQUEST_TIMEOUT);
        assert_eq!(answer_to(Body::from("email=a")).await, StatusCode::OK);
        assert_eq!(answer_to(Body::from(vec![b'a'; LOGIN_BODY + 1])).await, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
