//! Cross-site request protection: every state-changing request (POST and friends, and the GET
//! that starts an OAuth authorization) must come from our own pages. The browser says where a
//! request comes from in `Origin`, or else `Sec-Fetch-Site`, or else `Referer`; a request that
//! says nothing is refused too. Server functions also take only the content types they decode.

use super::handlers::oauth::START_PATH;
use crate::error::AppError;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    Json,
};
use std::sync::Arc;
use url::Url;

/// The origins our own pages are served from.
#[derive(Debug, Clone)]
pub struct OwnOrigin {
    /// `scheme://host[:port]` of the public URL.
    public: String,
}

impl OwnOrigin {
    pub fn new(public_url: &Url) -> Arc<Self> {
        Arc::new(Self { public: public_url.origin().ascii_serialization() })
    }

    /// Same origin: the configured public origin, or the host this request was sent to (so a
    /// local run works at both 127.0.0.1 and localhost, and a proxy that keeps `Host` works).
    fn is_ours(&self, origin: &str, headers: &HeaderMap) -> bool {
        if origin.eq_ignore_ascii_case(&self.public) {
            return true;
        }
        let Ok(url) = Url::parse(origin) else { return false };
        let authority = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => return false,
        };
        headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|host| host.eq_ignore_ascii_case(&authority))
    }

    /// Where the request says it comes from, checked; `Err` holds why it was refused.
    fn check(&self, method: &Method, headers: &HeaderMap) -> Result<(), &'static str> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(origin) = header("origin") {
            return if self.is_ours(origin, headers) { Ok(()) } else { Err("its Origin is another site") };
        }
        if let Some(site) = header("sec-fetch-site") {
            return match site {
                "same-origin" => Ok(()),
                // Typed in the address bar or opened from a bookmark: a person's own navigation.
                "none" if method == Method::GET => Ok(()),
                _ => Err("the browser says it comes from another site"),
            };
        }
        match header("referer") {
            Some(referer) => match Url::parse(referer) {
                Ok(url) if self.is_ours(&url.origin().ascii_serialization(), headers) => Ok(()),
                _ => Err("its Referer is another site"),
            },
            None => Err("it does not say where it comes from (no Origin, Sec-Fetch-Site or Referer)"),
        }
    }
}

fn state_changing(method: &Method, path: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || path == START_PATH
}

/// Server functions take JSON or form bodies, nothing a foreign page can send without asking.
fn acceptable_body(headers: &HeaderMap) -> bool {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = kind.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

pub async fn same_origin_only(State(own): State<Arc<OwnOrigin>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if !state_changing(req.method(), &path) {
        return next.run(req).await;
    }
    if let Err(why) = own.check(req.method(), req.headers()) {
        tracing::warn!(http.method = %req.method(), http.path = %path, reason = why, "refused a cross-site request");
        let message = format!(
            "This request was refused because {why}. Wevion only accepts changes made from its own pages; reload the page and try again."
        );
        return refuse(&path, StatusCode::FORBIDDEN, AppError::forbidden(message));
    }
    if path.starts_with("/api/") && req.method() == Method::POST && !acceptable_body(req.headers()) {
        let error = AppError::validation("Send this request as JSON or as a form.");
        return refuse(&path, StatusCode::UNSUPPORTED_MEDIA_TYPE, error);
    }
    next.run(req).await
}

/// Server functions read errors as JSON; pages get the plain error page.
fn refuse(path: &str, status: StatusCode, error: AppError) -> Response {
    if path.starts_with("/api/") {
        (status, Json(error)).into_response()
    } else {
        (status, Html(crate::error::page::render(status, &error.message))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn own() -> Arc<OwnOrigin> {
        OwnOrigin::new(&Url::parse("https://ads.example.com/").unwrap())
    }

    #[test]
    fn our_own_origin_passes_and_another_site_does_not() {
        let post = Method::POST;
        assert!(own().check(&post, &headers(&[("origin", "https://ads.example.com")])).is_ok());
        assert!(own().check(&post, &headers(&[("origin", "https://evil.example")])).is_err());
        assert!(own().check(&post, &headers(&[("origin", "null")])).is_err());
    }

    #[test]
    fn the_host_the_request_was_sent_to_counts_as_ours() {
        let h = headers(&[("origin", "http://localhost:3000"), ("host", "localhost:3000")]);
        assert!(own().check(&Method::POST, &h).is_ok());
        let h = headers(&[("origin", "http://localhost:3000"), ("host", "127.0.0.1:3000")]);
        assert!(own().check(&Method::POST, &h).is_err());
    }

    #[test]
    fn without_origin_fetch_metadata_then_referer_decide() {
        assert!(own().check(&Method::POST, &headers(&[("sec-fetch-site", "same-origin")])).is_ok());
        assert!(own().check(&Method::POST, &headers(&[("sec-fetch-site", "cross-site")])).is_err());
        assert!(own().check(&Method::GET, &headers(&[("sec-fetch-site", "none")])).is_ok());
        assert!(own().check(&Method::POST, &headers(&[("sec-fetch-site", "none")])).is_err());
        assert!(own().check(&Method::GET, &headers(&[("referer", "https://ads.example.com/connect/tiktok")])).is_ok());
        assert!(own().check(&Method::GET, &headers(&[("referer", "https://evil.example/")])).is_err());
        assert!(own().check(&Method::POST, &headers(&[])).is_err(), "saying nothing is refused");
    }

    #[test]
    fn only_state_changing_requests_are_checked() {
        assert!(state_changing(&Method::POST, "/api/login"));
        assert!(state_changing(&Method::GET, START_PATH));
        assert!(!state_changing(&Method::GET, "/connect/tiktok"));
        assert!(!state_changing(&Method::GET, "/connect/tiktok/callback"));
    }

    #[test]
    fn server_functions_take_json_or_forms_only() {
        assert!(acceptable_body(&headers(&[("content-type", "application/json")])));
        assert!(acceptable_body(&headers(&[("content-type", "application/x-www-form-urlencoded; charset=UTF-8")])));
        assert!(!acceptable_body(&headers(&[("content-type", "text/plain")])));
        assert!(!acceptable_body(&headers(&[])));
    }
}
