//! `/login`: email and password, one clear message on failure.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Only local paths may follow a sign-in, so `next` cannot send people to another site.
/// Browsers drop tabs and newlines from URLs (`/<tab>/evil` becomes `//evil`), so any control
/// character, space or backslash disqualifies it too.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            p.to_string()
        }
        _ => "/connect/tiktok".to_string(),
    }
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::auth::{session_store::session_error, AuthService, SESSION_USER_ID, SESSION_WORKSPACE_ID};
    use axum::{extract::ConnectInfo, http::request::Parts};
    use std::net::SocketAddr;
    use tower_sessions::Session;

    crate::error::respond(async move {
        let auth: AuthService = crate::error::from_context()?;
        let parts: Parts = crate::error::from_context()?;
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| a.ip());
        let user = auth.sign_in(&email, &password, auth.client_ip(&parts.headers, peer)).await?;
        let session = parts
            .extensions
            .get::<Session>()
            .ok_or_else(|| AppError::internal("the session layer is missing from the login request"))?;
        // A fresh id on sign-in, so a session id planted before sign-in is worthless after it.
        session.cycle_id().await.map_err(session_error)?;
        session.insert(SESSION_USER_ID, user.user_id).await.map_err(session_error)?;
        session.insert(SESSION_WORKSPACE_ID, user.workspace_id).await.map_err(session_error)?;
        crate::auth::guard::keep_alive(session).await?;
        tracing::info!(user.id = user.user_id, workspace.id = user.workspace_id, "signed in");
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || action.value().get().and_then(Result::err).map(|e| e.message);
    view! {
        <Title text="Sign in"/>
        <main class="login">
            <div class="login-card">
                <h1>"Sign in to Wevion"</h1>
                <p class="muted">"Connect TikTok For Business and keep your ad data flowing in."</p>
                <ActionForm action=action>
                    <input type="hidden" name="next" value=next/>
                    <label for="email">"Email"</label>
                    <input id="email" type="email" name="email" autocomplete="username" required/>
                    <label for="password">"Password"</label>
                    <input id="password" type="password" name="password" autocomplete="current-password" required/>
                    <Show when=move || error().is_some()>
                        <p class="form-error" role="alert">{error}</p>
                    </Show>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_kept_only_for_local_paths() {
        assert_eq!(safe_next(Some("/dashboard")), "/dashboard");
        assert_eq!(safe_next(Some("//evil.example")), "/connect/tiktok");
        assert_eq!(safe_next(Some("https://evil.example")), "/connect/tiktok");
        assert_eq!(safe_next(None), "/connect/tiktok");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/connect/tiktok");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/connect/tiktok");
        assert_eq!(safe_next(Some("/\\evil.example")), "/connect/tiktok");
        assert_eq!(safe_next(Some("/connect/tiktok?grant=3")), "/connect/tiktok?grant=3");
    }
}
