//! The words the TikTok page and its popup use for what the connect flow reports. Server only.

use crate::{
    connect::{CallbackProblem, ConnectError, Doing, StateProblem},
    error::{AppError, ErrorCode},
    tiktok::{error::AUTH_CODE_ERROR, ErrorKind, TikTokError},
};
use chrono::{DateTime, Utc};

pub fn display_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn doing(d: Doing) -> &'static str {
    match d {
        Doing::ListingAdvertisers => "listing advertiser accounts",
        Doing::Revoking => "revoking the token",
    }
}

pub const RECONNECT: &str = "TikTok no longer accepts this connection's token. Reconnect to continue.";

/// A TikTok failure while doing something a person waits on.
pub fn tiktok(err: &TikTokError, while_: &str) -> AppError {
    match err.kind {
        ErrorKind::TokenInvalid | ErrorKind::RefreshTokenInvalid => AppError::needs_reconnect(RECONNECT),
        ErrorKind::RateLimited | ErrorKind::Transient => AppError::upstream(format!(
            "TikTok is not answering right now while {while_}. Nothing was changed; please try again in a few minutes."
        )),
        ErrorKind::Permission => AppError::forbidden(format!("TikTok refused access while {while_}: {}", err.message)),
        _ => AppError::upstream(format!("TikTok refused the request while {while_}: {}", err.message)),
    }
}

/// What a person reads when a connect-flow step did not happen. Unexpected failures are
/// logged here, once.
pub fn connect_error(e: ConnectError) -> AppError {
    match e {
        ConnectError::ConnectionNotFound => AppError::not_found("This TikTok connection"),
        ConnectError::GrantNotFound => AppError::not_found("This TikTok authorization"),
        ConnectError::GrantExpired => {
            AppError::validation("This TikTok authorization expired. Click Connect to start again.")
        }
        ConnectError::GrantAlreadyImported => AppError::conflict("These advertiser accounts were already imported."),
        ConnectError::NothingSelected => AppError::validation("Tick at least one advertiser account to import."),
        ConnectError::NotReachable(ids) => AppError::validation(format!(
            "This TikTok user cannot reach advertiser account(s) {}. Refresh the list and try again.",
            ids.join(", ")
        )),
        ConnectError::NeedsReconnect { .. } => AppError::needs_reconnect(RECONNECT),
        ConnectError::TikTok { err, doing: d } => {
            tracing::warn!(error = %err, "TikTok call failed while {}", doing(d));
            tiktok(&err, doing(d))
        }
        ConnectError::Db(e) => AppError::database(e),
    }
}

pub fn state_problem(p: StateProblem) -> &'static str {
    match p {
        StateProblem::Missing => "TikTok sent you back without the sign-in check (state). Start again from Connect.",
        StateProblem::Unknown => "This sign-in link is not one Wevion started. Start again from Connect.",
        StateProblem::Expired => "This sign-in took longer than 10 minutes and expired. Start again from Connect.",
        StateProblem::Reused => "This sign-in link was already used. Start again from Connect.",
        StateProblem::OtherMember => {
            "This sign-in was started by another member or workspace. Start again from Connect."
        }
    }
}

/// The popup's error page for a failed callback: status, title, text.
pub fn callback_problem(problem: CallbackProblem) -> (u16, &'static str, String) {
    const NOT_CONNECTED: &str = "TikTok was not connected";
    match problem {
        CallbackProblem::State(p) => {
            let status = if p == StateProblem::OtherMember { 403 } else { 400 };
            (status, "TikTok sign-in could not be completed", state_problem(p).to_owned())
        }
        CallbackProblem::Denied { error, description } => {
            let text = match (error.as_str(), description) {
                ("access_denied", _) => {
                    "You cancelled the authorization at TikTok. Nothing was connected; try again whenever you are ready."
                        .to_owned()
                }
                (_, Some(detail)) if !detail.trim().is_empty() => {
                    format!("TikTok reported: {}. Nothing was connected.", detail.trim())
                }
                (code, _) => format!("TikTok reported the error “{code}”. Nothing was connected."),
            };
            (200, NOT_CONNECTED, text)
        }
        CallbackProblem::NoCode => {
            (400, "TikTok sign-in could not be completed", "TikTok sent you back without an authorization code.".into())
        }
        CallbackProblem::Exchange(err) => {
            tracing::warn!(error = %err, "TikTok did not exchange the authorization code");
            let text = match err.kind {
                _ if err.code == Some(AUTH_CODE_ERROR) => {
                    "TikTok did not accept the authorization: the code was invalid or had expired. Please try again."
                        .into()
                }
                // The code may be spent at TikTok already: only a new authorization helps.
                ErrorKind::RateLimited | ErrorKind::Transient => {
                    "TikTok is not answering right now, so the sign-in could not be finished. \
                     Nothing was connected; please try again in a few minutes."
                        .into()
                }
                _ => format!("TikTok refused the sign-in: {}", err.message),
            };
            (502, NOT_CONNECTED, text)
        }
        CallbackProblem::Identity(err) => {
            tracing::warn!(error = %err, "TikTok did not say who signed in");
            (502, NOT_CONNECTED, tiktok(&err, "reading who signed in").message)
        }
        CallbackProblem::DifferentUser { expected, got } => {
            let expected = expected.unwrap_or_else(|| "the TikTok account that made this connection".into());
            let got = got.unwrap_or_else(|| "another TikTok account".into());
            (
                409,
                "That is a different TikTok account",
                format!(
                    "You signed in to TikTok as {got}, but this connection belongs to {expected}. Nothing was changed. \
                     Sign in as {expected} to reconnect, or use Connect to add {got} as a new connection."
                ),
            )
        }
        CallbackProblem::ConnectionGone => {
            (404, "Connection not found", "This TikTok connection no longer exists. Use Connect instead.".into())
        }
        CallbackProblem::Db(e) => {
            let e = AppError::database(e);
            let status = if e.code == ErrorCode::Unavailable { 503 } else { 500 };
            (status, "Something went wrong", e.message)
        }
    }
}
