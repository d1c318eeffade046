//! The authorization portal: pick a sandbox TikTok user, then Authorize or Cancel.

use super::{
    oauth::new_auth_code,
    world::{AuthCode, UserKind},
    Sandbox,
};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    Form,
};
use chrono::Duration;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct AuthParams {
    app_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Decision {
    app_id: String,
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    user_id: String,
    decision: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page_html(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{font-family:system-ui,sans-serif;background:#f1f1f2;margin:0;color:#161823}}
main{{max-width:460px;margin:6vh auto;background:#fff;border-radius:12px;padding:28px;box-shadow:0 2px 12px #0001}}
h1{{font-size:1.3rem;margin:0 0 4px}} .logo{{font-weight:800;color:#fe2c55;letter-spacing:.02em}}
.sandbox{{display:inline-block;background:#fff3cd;color:#7a5a00;border-radius:6px;padding:2px 8px;font-size:.8rem;margin:8px 0}}
label.user{{display:flex;gap:10px;align-items:flex-start;border:1px solid #e3e3e4;border-radius:8px;padding:10px;margin:8px 0;cursor:pointer}}
.meta{{color:#6b6b70;font-size:.85rem}} .actions{{display:flex;gap:10px;margin-top:18px}}
button{{flex:1;padding:10px;border-radius:8px;border:1px solid #d0d0d3;background:#fff;font:inherit;font-weight:600;cursor:pointer}}
button.primary{{background:#fe2c55;color:#fff;border-color:#fe2c55}} .error{{color:#a12222}}
</style></head><body><main><div class="logo">TikTok For Business</div>{body}</main></body></html>"#
    )
}

fn bad_request(message: &str) -> Response {
    let body = format!(r#"<h1>Authorization failed</h1><p class="error">{}</p>"#, escape(message));
    (StatusCode::BAD_REQUEST, Html(page_html("TikTok For Business", &body))).into_response()
}

impl Sandbox {
    /// Rejects an unknown app or a redirect URI not registered for it, saying which.
    fn check_client(&self, app_id: &str, redirect_uri: &str) -> Result<(), String> {
        let world = self.world();
        let Some(app) = world.apps.get(app_id) else {
            return Err(format!("Unknown app_id {app_id}."));
        };
        if !app.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err("The redirect_uri is not registered for this app.".to_owned());
        }
        Ok(())
    }
}

pub async fn page(State(sandbox): State<Sandbox>, Query(params): Query<AuthParams>) -> Response {
    let (Some(app_id), Some(redirect_uri)) = (params.app_id.as_deref(), params.redirect_uri.as_deref()) else {
        return bad_request("app_id and redirect_uri are required.");
    };
    if let Err(problem) = sandbox.check_client(app_id, redirect_uri) {
        return bad_request(&problem);
    }
    let world = sandbox.world();
    let users: String = world
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let kind = match u.kind {
                UserKind::Business => format!("Business account · {} advertiser account(s)", u.advertisers.len()),
                UserKind::Personal => "Personal TikTok account".to_string(),
            };
            format!(
                r#"<label class="user"><input type="radio" name="user_id" value="{id}"{checked}><span><strong>{name}</strong><br><span class="meta">{email} · {kind}</span></span></label>"#,
                id = escape(&u.id),
                checked = if i == 0 { " checked" } else { "" },
                name = escape(&u.display_name),
                email = escape(&u.email),
                kind = escape(&kind),
            )
        })
        .collect();
    let body = format!(
        r#"<h1>Authorize app access</h1><span class="sandbox">Sandbox: no real TikTok account is used</span>
<p class="meta">App {app} wants to manage ads and read reporting data for the advertiser accounts you choose to share.</p>
<form method="post"><input type="hidden" name="app_id" value="{app}"><input type="hidden" name="redirect_uri" value="{redirect}">
<input type="hidden" name="state" value="{state}"><fieldset style="border:0;padding:0"><legend>Continue as</legend>{users}</fieldset>
<div class="actions"><button type="submit" name="decision" value="cancel">Cancel</button>
<button type="submit" name="decision" value="authorize" class="primary">Authorize</button></div></form>"#,
        app = escape(app_id),
        redirect = escape(redirect_uri),
        state = escape(params.state.as_deref().unwrap_or("")),
    );
    Html(page_html("TikTok For Business", &body)).into_response()
}

pub async fn decide(State(sandbox): State<Sandbox>, Form(form): Form<Decision>) -> Response {
    if let Err(problem) = sandbox.check_client(&form.app_id, &form.redirect_uri) {
        return bad_request(&problem);
    }
    let Ok(mut target) = url::Url::parse(&form.redirect_uri) else {
        return bad_request("The redirect_uri is not a valid URL.");
    };
    if form.decision != "authorize" {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "The user cancelled the authorization.")
            .append_pair("state", &form.state);
        return Redirect::to(target.as_str()).into_response();
    }
    let code = new_auth_code();
    {
        let mut world = sandbox.world();
        if world.user(&form.user_id).is_none() {
            drop(world);
            return bad_request("Choose a TikTok account to continue.");
        }
        let expires_at = sandbox.now() + Duration::hours(1);
        world.codes.insert(
            code.clone(),
            AuthCode { user_id: form.user_id.clone(), app_id: form.app_id.clone(), expires_at, used: false },
        );
    }
    // TikTok's callback carries auth_code; `code` too, for standard OAuth clients.
    target
        .query_pairs_mut()
        .append_pair("auth_code", &code)
        .append_pair("code", &code)
        .append_pair("state", &form.state);
    Redirect::to(target.as_str()).into_response()
}
