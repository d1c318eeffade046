//! Token exchange, refresh and revoke, plus the Access-Token check every data call makes.

use super::{
    wire::*,
    world::{AccessGrant, RefreshGrant, World},
    Sandbox, TokenMode,
};
use axum::{http::HeaderMap, response::Response};
use chrono::Duration;
use rand::{distributions::Alphanumeric, Rng};
use serde_json::json;
use std::sync::MutexGuard;

fn random_token(prefix: &str) -> String {
    let body: String = rand::thread_rng().sample_iter(&Alphanumeric).take(40).map(char::from).collect();
    format!("{prefix}.{body}")
}

pub fn new_auth_code() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(32).map(char::from).collect()
}

impl Sandbox {
    /// The user whose access token the request carries, if it is one the sandbox issued.
    pub(super) fn bearer_user(&self, headers: &HeaderMap) -> Option<String> {
        let token = headers.get("access-token")?.to_str().ok()?.trim();
        self.world().access.get(token).map(|g| g.user_id.clone())
    }

    /// Checks the `Access-Token` header: 40104 empty, 40105 unknown or revoked, 40102 expired.
    pub(super) fn authorized(&self, headers: &HeaderMap) -> Answer<(MutexGuard<'_, World>, AccessGrant)> {
        let token = headers.get("access-token").and_then(|v| v.to_str().ok()).unwrap_or("").trim().to_owned();
        if token.is_empty() {
            return Err(fail(40104, "Access token is empty. Please pass the Access-Token header."));
        }
        let now = self.now();
        let world = self.world();
        let grant = match world.access.get(&token) {
            None => return Err(fail(40105, "Access token is invalid.")),
            Some(g) if g.revoked => return Err(fail(40105, "Access token is invalid or has been revoked.")),
            Some(g) if g.expires_at.is_some_and(|at| at <= now) => {
                return Err(fail(40102, "Access token has expired."))
            }
            Some(g) => g.clone(),
        };
        Ok((world, grant))
    }

    fn check_app(world: &World, body: &serde_json::Map<String, serde_json::Value>) -> Answer<String> {
        let app_id = body_str(body, "app_id")?;
        let secret = body_str(body, "secret")?;
        match world.apps.get(app_id) {
            Some(app) if app.secret == secret => Ok(app_id.to_owned()),
            _ => Err(fail(40101, "Invalid app_id or secret.")),
        }
    }

    /// Issues an access token (and, in expiring mode, a refresh token) for `user_id`.
    fn issue(&self, world: &mut World, user_id: &str, app_id: &str) -> serde_json::Value {
        let now = self.now();
        let access_token = random_token("act");
        let advertiser_ids = world.user(user_id).map(|u| u.advertisers.clone()).unwrap_or_default();
        let mut data =
            json!({"access_token": access_token, "advertiser_ids": advertiser_ids, "scope": [1, 2, 3, 4, 5, 7]});
        let expiring = world.config.token_mode == TokenMode::Expiring;
        let access_ttl = Duration::from_std(world.config.access_token_ttl).unwrap_or(Duration::days(1));
        let refresh_ttl = Duration::from_std(world.config.refresh_token_ttl).unwrap_or(Duration::days(365));
        world.access.insert(
            access_token.clone(),
            AccessGrant {
                user_id: user_id.into(),
                app_id: app_id.into(),
                expires_at: expiring.then(|| now + access_ttl),
                revoked: false,
            },
        );
        if expiring {
            let refresh_token = random_token("rft");
            world.refresh.insert(
                refresh_token.clone(),
                RefreshGrant {
                    user_id: user_id.into(),
                    app_id: app_id.into(),
                    access_token,
                    expires_at: now + refresh_ttl,
                    spent: false,
                },
            );
            data["token_type"] = json!("Bearer");
            data["expires_in"] = json!(access_ttl.num_seconds());
            data["refresh_token"] = json!(refresh_token);
            data["refresh_token_expires_in"] = json!(refresh_ttl.num_seconds());
            data["open_id"] = json!(user_id);
        }
        data
    }

    pub(super) fn exchange(&self, body: &[u8]) -> Answer<Response> {
        let body = body_object(body)?;
        let mut world = self.world();
        let app_id = Self::check_app(&world, &body)?;
        // TikTok's field is auth_code; accept `code` as an alias like its standards-shaped endpoint.
        let code = body_str(&body, "auth_code").or_else(|_| body_str(&body, "code"))?.to_owned();
        let now = self.now();
        let user_id = match world.codes.get_mut(&code) {
            Some(c) if !c.used && c.expires_at > now && c.app_id == app_id => {
                c.used = true;
                c.user_id.clone()
            }
            _ => return Err(fail(40110, "Auth code is invalid, expired or already used.")),
        };
        let data = self.issue(&mut world, &user_id, &app_id);
        Ok(ok(data))
    }

    pub(super) fn refresh(&self, body: &[u8]) -> Answer<Response> {
        let body = body_object(body)?;
        let mut world = self.world();
        let app_id = Self::check_app(&world, &body)?;
        let token = body_str(&body, "refresh_token")?.to_owned();
        if let Some(code) = world.refresh_failure {
            return Err(fail(code, "Refresh token is invalid (sandbox fault)."));
        }
        let now = self.now();
        let user_id = match world.refresh.get_mut(&token) {
            Some(r) if r.spent => return Err(fail(40107, "Refresh token has already been used.")),
            Some(r) if r.expires_at <= now => return Err(fail(40103, "Refresh token has expired.")),
            Some(r) if r.app_id == app_id => {
                // Single use: rotating spends the old refresh token.
                r.spent = true;
                r.user_id.clone()
            }
            _ => return Err(fail(40107, "Refresh token is invalid.")),
        };
        let data = self.issue(&mut world, &user_id, &app_id);
        Ok(ok(data))
    }

    pub(super) fn revoke(&self, body: &[u8]) -> Answer<Response> {
        let body = body_object(body)?;
        let mut world = self.world();
        let app_id = Self::check_app(&world, &body)?;
        let token = body_str(&body, "access_token")?.to_owned();
        let Some(grant) = world.access.get_mut(&token).filter(|g| g.app_id == app_id) else {
            return Err(fail(40105, "Access token is invalid."));
        };
        grant.revoked = true;
        let user_id = grant.user_id.clone();
        world.refresh.values_mut().filter(|r| r.access_token == token).for_each(|r| r.spent = true);
        let advertiser_ids = world.user(&user_id).map(|u| u.advertisers.clone()).unwrap_or_default();
        Ok(ok(json!({"app_id": app_id, "advertiser_ids": advertiser_ids})))
    }
}
