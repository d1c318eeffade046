//! Resolves the signed-in member once per request (every later guard reuses it) and sends
//! signed-out visitors of app pages to `/login?next=…`.

use crate::auth::{AuthService, MemberCache};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

/// App pages that need a signed-in member. Everything else (login, assets, server functions,
/// health, the sandbox, OAuth callbacks) is public here and guarded by its own handler.
fn is_app_page(path: &str) -> bool {
    path == "/"
        || ["/connect", "/ads", "/ads-manager", "/dashboard"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

pub async fn redirect_to_login(State(auth): State<AuthService>, mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(MemberCache::default());
    let path = req.uri().path();
    if req.method() == axum::http::Method::GET && is_app_page(path) {
        match auth.current_user_in(req.extensions()).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                let next_path = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next_path.as_bytes()).collect::<String>()
                );
                // The address may carry secrets (the OAuth callback's code): no cache keeps it.
                let mut response = Redirect::to(&target).into_response();
                response
                    .headers_mut()
                    .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
                return response;
            }
            Err(e) => return e.into_response(),
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::is_app_page;

    #[test]
    fn app_pages_need_a_login_and_public_paths_do_not() {
        assert!(is_app_page("/"));
        assert!(is_app_page("/connect/tiktok"));
        assert!(is_app_page("/dashboard"));
        assert!(is_app_page("/ads"));
        assert!(!is_app_page("/login"));
        assert!(!is_app_page("/pkg/wevion.js"));
        assert!(!is_app_page("/connections"));
    }
}
