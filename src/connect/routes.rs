//! `GET /connect/tiktok/start` and `GET /connect/tiktok/callback`: the OAuth round trip.

use super::{
    callback_page,
    oauth_state::{self, Purpose},
    service,
};
use crate::{
    auth::CurrentUser,
    error::{AppError, ErrorCode},
    roles::Role,
    server::AppState,
    tiktok::error::AUTH_CODE_ERROR,
};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use secrecy::SecretString;
use serde::Deserialize;

pub const CALLBACK_PATH: &str = "/connect/tiktok/callback";

/// The start and callback routes. The callback is also served at the path of a configured
/// `TIKTOK_REDIRECT_URI`, whatever it is, so TikTok's redirect always lands.
pub fn router(redirect_uri: &url::Url) -> Router<AppState> {
    let router = Router::new().route("/connect/tiktok/start", get(start)).route(CALLBACK_PATH, get(callback));
    match redirect_uri.path() {
        CALLBACK_PATH | "/connect/tiktok/start" | "" | "/" => router,
        custom => router.route(custom, get(callback)),
    }
}

#[derive(Debug, Deserialize)]
pub struct StartParams {
    /// `same` when the popup was blocked and the flow runs in the main window.
    window: Option<String>,
    reconnect: Option<i32>,
}

fn retry_url(same_window: bool, reconnect: Option<i32>) -> String {
    let mut url = String::from("/connect/tiktok/start?");
    if same_window {
        url.push_str("window=same&");
    }
    if let Some(id) = reconnect {
        url.push_str(&format!("reconnect={id}"));
    }
    url.trim_end_matches(['&', '?']).to_owned()
}

/// Records a fresh state and sends the browser to TikTok's portal.
async fn start(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<StartParams>,
) -> Result<Response, AppError> {
    let user = user.require(Role::Manager)?;
    let purpose = match params.reconnect {
        Some(id) => {
            // Only this workspace's live connections can be reconnected.
            let cards = service::connections(&state.db, &user).await?;
            if !cards.iter().any(|c| c.id == id) {
                return Err(AppError::not_found("This TikTok connection"));
            }
            Purpose::Reconnect(id)
        }
        None => Purpose::Connect,
    };
    let same_window = params.window.as_deref() == Some("same");
    let raw = oauth_state::create(&state.db, &user, purpose, same_window, state.clock.now()).await?;
    let url = state.tiktok.authorize_url(&state.redirect_uri, &raw);
    tracing::info!(user.id = user.user_id, workspace.id = user.workspace_id, purpose = ?purpose, "sending the member to TikTok to authorize");
    Ok(Redirect::to(url.as_str()).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    auth_code: Option<String>,
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    uri: axum::http::Uri,
    Query(params): Query<CallbackParams>,
) -> Response {
    let generic_retry = "/connect/tiktok/start";
    // Signed out meanwhile: sign in, then finish here (the state is still good for 10 minutes).
    let user = match user {
        Ok(user) => user,
        Err(e) if e.code == ErrorCode::Unauthenticated => {
            let next = uri.path_and_query().map_or(CALLBACK_PATH, |pq| pq.as_str());
            let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            return Redirect::to(&format!("/login?next={next}")).into_response();
        }
        Err(e) => return e.into_response(),
    };
    let user = match user.require(Role::Manager) {
        Ok(u) => u,
        Err(e) => return callback_page::failure(StatusCode::FORBIDDEN, "Not allowed", &e.message, "/connect/tiktok"),
    };
    let now = state.clock.now();
    let (row, purpose) = match oauth_state::consume(&state.db, params.state.as_deref(), &user, now).await {
        Ok(Ok(found)) => found,
        Ok(Err(problem)) => {
            tracing::info!(user.id = user.user_id, problem = ?problem, "OAuth callback refused");
            let status = if problem == oauth_state::StateProblem::OtherMember {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::BAD_REQUEST
            };
            return callback_page::failure(
                status,
                "TikTok sign-in could not be completed",
                problem.message(),
                generic_retry,
            );
        }
        Err(e) => {
            let e = AppError::internal(e);
            return callback_page::failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                &e.message,
                generic_retry,
            );
        }
    };
    let reconnect_id = match purpose {
        Purpose::Reconnect(id) => Some(id),
        Purpose::Connect => None,
    };
    let retry = retry_url(row.same_window, reconnect_id);

    if let Some(error) = params.error.as_deref() {
        tracing::info!(user.id = user.user_id, tiktok.error = error, "the member cancelled at TikTok");
        let text = match (error, params.error_description.as_deref()) {
            ("access_denied", _) => {
                "You cancelled the authorization at TikTok. Nothing was connected; try again whenever you are ready."
                    .to_owned()
            }
            (_, Some(detail)) => format!("TikTok reported: {detail}. Nothing was connected."),
            (code, None) => format!("TikTok reported the error “{code}”. Nothing was connected."),
        };
        return callback_page::failure(StatusCode::OK, "TikTok was not connected", &text, &retry);
    }
    // TikTok sends auth_code; `code` is accepted as an alias.
    let Some(code) = params.auth_code.or(params.code).filter(|c| !c.is_empty()) else {
        return callback_page::failure(
            StatusCode::BAD_REQUEST,
            "TikTok sign-in could not be completed",
            "TikTok sent you back without an authorization code.",
            &retry,
        );
    };
    let grant = match state.tiktok.interactive().exchange_code(&SecretString::from(code)).await {
        Ok(grant) => grant,
        Err(err) => {
            let text = if err.code == Some(AUTH_CODE_ERROR) {
                "TikTok did not accept the authorization: the code was invalid or had expired. Please try again."
                    .to_owned()
            } else {
                service::tiktok_error(err, "finishing the sign-in").message
            };
            return callback_page::failure(StatusCode::BAD_GATEWAY, "TikTok was not connected", &text, &retry);
        }
    };
    let identity = match service::identify(&state, &grant).await {
        Ok(identity) => identity,
        Err(err) => {
            let text = service::tiktok_error(err, "reading who signed in").message;
            return callback_page::failure(StatusCode::BAD_GATEWAY, "TikTok was not connected", &text, &retry);
        }
    };

    match purpose {
        Purpose::Connect => match service::store_pending_grant(&state, &user, &grant, identity).await {
            Ok(grant_id) => {
                let next = format!("/connect/tiktok?grant={grant_id}");
                if row.same_window {
                    return Redirect::to(&next).into_response();
                }
                callback_page::success(
                    "TikTok is connected",
                    "Choose the advertiser accounts to import in the Wevion window.",
                    &callback_page::message("authorized", grant_id),
                    &next,
                )
            }
            Err(e) => {
                callback_page::failure(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", &e.message, &retry)
            }
        },
        Purpose::Reconnect(id) => match service::reconnect(&state, &user, id, &grant, identity).await {
            Ok(service::ReconnectOutcome::Reconnected) => {
                if row.same_window {
                    return Redirect::to("/connect/tiktok?reconnected=1").into_response();
                }
                callback_page::success(
                    "TikTok is reconnected",
                    "The connection works again; its advertiser accounts keep syncing.",
                    &callback_page::message("reconnected", id),
                    "/connect/tiktok?reconnected=1",
                )
            }
            Ok(service::ReconnectOutcome::DifferentUser { expected, got }) => callback_page::failure(
                StatusCode::CONFLICT,
                "That is a different TikTok account",
                &format!(
                    "You signed in to TikTok as {got}, but this connection belongs to {expected}. Nothing was changed. \
                     Sign in as {expected} to reconnect, or use Connect to add {got} as a new connection."
                ),
                &retry,
            ),
            Err(e) if e.code == ErrorCode::NotFound => callback_page::failure(
                StatusCode::NOT_FOUND,
                "Connection not found",
                "This TikTok connection no longer exists. Use Connect instead.",
                generic_retry,
            ),
            Err(e) => {
                callback_page::failure(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", &e.message, &retry)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::retry_url;

    #[test]
    fn try_again_keeps_the_window_mode_and_the_connection() {
        assert_eq!(retry_url(false, None), "/connect/tiktok/start");
        assert_eq!(retry_url(true, None), "/connect/tiktok/start?window=same");
        assert_eq!(retry_url(true, Some(4)), "/connect/tiktok/start?window=same&reconnect=4");
        assert_eq!(retry_url(false, Some(4)), "/connect/tiktok/start?reconnect=4");
    }
}
