//! `GET /connect/tiktok/start` and the OAuth callback: the popup's round trip through TikTok.

use super::popup_page;
use crate::{
    auth::{AuthService, CurrentUser},
    connect::{CallbackParams, ConnectService, Finished, RetryPlan},
    error::{AppError, ErrorCode},
    model::{connect::start_url, ids::ConnectionId},
    pages::connect_tiktok::popup::PopupEvent,
    roles::Capability,
};
use axum::{
    extract::{rejection::QueryRejection, FromRef, Query, State},
    http::{StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use serde::Deserialize;

pub use crate::model::connect::START_PATH;
pub const CALLBACK_PATH: &str = "/connect/tiktok/callback";

/// The start and callback routes. The callback is also served at the path of a configured
/// `TIKTOK_REDIRECT_URI`, whatever it is, so TikTok's redirect always lands.
pub fn router<S>(redirect_uri: &url::Url) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    ConnectService: FromRef<S>,
    AuthService: FromRef<S>,
{
    let router = Router::new().route(START_PATH, get(start)).route(CALLBACK_PATH, get(callback));
    match redirect_uri.path() {
        CALLBACK_PATH | START_PATH | "" | "/" => router,
        custom => router.route(custom, get(callback)),
    }
}

#[derive(Debug, Deserialize)]
pub struct StartParams {
    /// `same` when the popup was blocked and the flow runs in the main window.
    window: Option<String>,
    reconnect: Option<i32>,
}

fn retry_url(plan: RetryPlan) -> String {
    start_url(plan.same_window, plan.reconnect.map(ConnectionId))
}

/// Records a fresh state and sends the browser to TikTok's portal.
async fn start(
    State(connect): State<ConnectService>,
    user: CurrentUser,
    Query(params): Query<StartParams>,
) -> Result<Response, AppError> {
    let user = user.require(Capability::ManageConnections)?;
    let same_window = params.window.as_deref() == Some("same");
    let portal = connect.start(&user, params.reconnect, same_window).await?;
    Ok(Redirect::to(portal.as_str()).into_response())
}

/// The callback's address carries the auth code: no cache keeps its answer.
async fn callback(
    connect: State<ConnectService>,
    user: Result<CurrentUser, AppError>,
    uri: Uri,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Response {
    let mut response = match params {
        Ok(params) => finish_callback(connect, user, uri, params).await,
        // TikTok sends each parameter once; anything else did not come from TikTok's redirect.
        Err(rejection) => AppError::not_understood(&rejection.body_text()).into_response(),
    };
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response
}

async fn finish_callback(
    State(connect): State<ConnectService>,
    user: Result<CurrentUser, AppError>,
    uri: Uri,
    Query(params): Query<CallbackParams>,
) -> Response {
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
    let user = match user.require(Capability::ManageConnections) {
        Ok(u) => u,
        Err(e) => return popup_page::failure(StatusCode::FORBIDDEN, "Not allowed", &e.message, "/connect/tiktok"),
    };
    match connect.finish(&user, params).await {
        Ok(Finished::Authorized { grant_id, same_window }) => {
            let next = format!("/connect/tiktok?grant={grant_id}");
            if same_window {
                return Redirect::to(&next).into_response();
            }
            popup_page::success(
                "TikTok is connected",
                "Choose the advertiser accounts to import in the Wevion window.",
                &PopupEvent::Authorized(grant_id).message(),
                &next,
            )
        }
        Ok(Finished::Reconnected { connection_id, same_window }) => {
            let next = "/connect/tiktok?reconnected=1";
            if same_window {
                return Redirect::to(next).into_response();
            }
            popup_page::success(
                "TikTok is reconnected",
                "The connection works again; its advertiser accounts keep syncing.",
                &PopupEvent::Reconnected(connection_id).message(),
                next,
            )
        }
        Err(failure) => {
            let retry = retry_url(failure.retry);
            let page = failure.problem.explain();
            let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            popup_page::failure(status, page.title, &page.text, &retry)
        }
    }
}
