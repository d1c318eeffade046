//! What a person reads when a connect-flow step did not happen: a [`ConnectError`] as an
//! [`AppError`], and a failed OAuth callback as the popup's error page. Unexpected failures are
//! logged here, once.

use super::{CallbackProblem, ConnectError, Doing, StateProblem};
use crate::{
    error::{AppError, ErrorCode},
    tiktok::{error::AUTH_CODE_ERROR, ErrorKind, TikTokError},
};

pub const RECONNECT: &str = "TikTok no longer accepts this connection's token. Reconnect to continue.";

impl From<ConnectError> for AppError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::ConnectionNotFound => AppError::not_found("This TikTok connection"),
            ConnectError::GrantNotFound => AppError::not_found("This TikTok authorization"),
            ConnectError::GrantExpired => {
                AppError::validation("This TikTok authorization expired. Click Connect to start again.")
            }
            ConnectError::GrantAlreadyImported => {
                AppError::conflict("These advertiser accounts were already imported.")
            }
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
            ConnectError::KeyMissing(e) => AppError::internal(e),
            ConnectError::Db(e) => AppError::database(e),
        }
    }
}

fn doing(d: Doing) -> &'static str {
    match d {
        Doing::ListingAdvertisers => "listing advertiser accounts",
        Doing::Revoking => "revoking the token",
    }
}

/// A TikTok failure while doing something a person waits on.
fn tiktok(err: &TikTokError, while_: &str) -> AppError {
    match err.kind {
        ErrorKind::TokenInvalid | ErrorKind::RefreshTokenInvalid => AppError::needs_reconnect(RECONNECT),
        ErrorKind::RateLimited | ErrorKind::Transient => AppError::upstream(format!(
            "TikTok is not answering right now while {while_}. Nothing was changed; please try again in a few minutes."
        )),
        ErrorKind::Permission => AppError::forbidden(format!("TikTok refused access while {while_}: {}", err.message)),
        _ => AppError::upstream(format!("TikTok refused the request while {while_}: {}", err.message)),
    }
}

fn state_problem(p: StateProblem) -> &'static str {
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

/// The popup's error page for a failed callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemPage {
    pub status: u16,
    pub title: &'static str,
    pub text: String,
}

const NOT_CONNECTED: &str = "TikTok was not connected";
const NOT_COMPLETED: &str = "TikTok sign-in could not be completed";

impl CallbackProblem {
    pub fn explain(self) -> ProblemPage {
        let page = |status, title, text: String| ProblemPage { status, title, text };
        match self {
            CallbackProblem::State(p) => {
                let status = if p == StateProblem::OtherMember { 403 } else { 400 };
                page(status, NOT_COMPLETED, state_problem(p).to_owned())
            }
            CallbackProblem::Denied { error, description } => page(200, NOT_CONNECTED, denied(&error, description)),
            CallbackProblem::NoCode => {
                page(400, NOT_COMPLETED, "TikTok sent you back without an authorization code.".into())
            }
            CallbackProblem::Exchange(err) => {
                tracing::warn!(error = %err, "TikTok did not exchange the authorization code");
                page(502, NOT_CONNECTED, not_exchanged(&err))
            }
            CallbackProblem::Identity(err) => {
                tracing::warn!(error = %err, "TikTok did not say who signed in");
                page(502, NOT_CONNECTED, tiktok(&err, "reading who signed in").message)
            }
            CallbackProblem::DifferentUser { expected, got } => {
                let expected = expected.unwrap_or_else(|| "the TikTok account that made this connection".into());
                let got = got.unwrap_or_else(|| "another TikTok account".into());
                page(
                    409,
                    "That is a different TikTok account",
                    format!(
                        "You signed in to TikTok as {got}, but this connection belongs to {expected}. Nothing was \
                         changed. Sign in as {expected} to reconnect, or use Connect to add {got} as a new connection."
                    ),
                )
            }
            CallbackProblem::ConnectionGone => page(
                404,
                "Connection not found",
                "This TikTok connection no longer exists. Use Connect instead.".into(),
            ),
            CallbackProblem::Db(e) => {
                let e = AppError::database(e);
                let status = if e.code == ErrorCode::Unavailable { 503 } else { 500 };
                page(status, "Something went wrong", e.message)
            }
        }
    }
}

/// TikTok sent `error=…` back instead of a code.
fn denied(error: &str, description: Option<String>) -> String {
    match (error, description) {
        ("access_denied", _) => {
            "You cancelled the authorization at TikTok. Nothing was connected; try again whenever you are ready."
                .to_owned()
        }
        (_, Some(detail)) if !detail.trim().is_empty() => {
            format!("TikTok reported: {}. Nothing was connected.", detail.trim())
        }
        (code, _) => format!("TikTok reported the error “{code}”. Nothing was connected."),
    }
}

fn not_exchanged(err: &TikTokError) -> String {
    match err.kind {
        _ if err.code == Some(AUTH_CODE_ERROR) => {
            "TikTok did not accept the authorization: the code was invalid or had expired. Please try again.".into()
        }
        // The code may be spent at TikTok already: only a new authorization helps.
        ErrorKind::RateLimited | ErrorKind::Transient => {
            "TikTok is not answering right now, so the sign-in could not be finished. \
             Nothing was connected; please try again in a few minutes."
                .into()
        }
        _ => format!("TikTok refused the sign-in: {}", err.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explain(p: CallbackProblem) -> (u16, &'static str, String) {
        let page = p.explain();
        (page.status, page.title, page.text)
    }

    #[test]
    fn connect_errors_keep_their_code_and_name_what_to_do() {
        let e = AppError::from(ConnectError::NotReachable(vec!["7001".into(), "7002".into()]));
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(
            e.message,
            "This TikTok user cannot reach advertiser account(s) 7001, 7002. Refresh the list and try again."
        );
        assert_eq!(AppError::from(ConnectError::ConnectionNotFound).code, ErrorCode::NotFound);
        assert_eq!(AppError::from(ConnectError::GrantAlreadyImported).code, ErrorCode::Conflict);
        let reconnect = AppError::from(ConnectError::NeedsReconnect { evidence: "40105".into() });
        assert_eq!((reconnect.code, reconnect.message.as_str()), (ErrorCode::NeedsReconnect, RECONNECT));
    }

    #[test]
    fn tiktok_failures_say_what_was_being_done() {
        let failed = |err| AppError::from(ConnectError::tiktok(err, Doing::ListingAdvertisers));
        let busy = failed(TikTokError::transient("timeout", None));
        assert_eq!(busy.code, ErrorCode::Upstream);
        assert!(busy.message.starts_with("TikTok is not answering right now while listing advertiser accounts."));
        let refused = failed(TikTokError::from_code(40001, "no permission".into(), None));
        assert_eq!(refused.code, ErrorCode::Forbidden);
        assert_eq!(refused.message, "TikTok refused access while listing advertiser accounts: no permission");
        let token = failed(TikTokError::from_code(40105, "expired".into(), None));
        assert_eq!(token.code, ErrorCode::NeedsReconnect);
    }

    #[test]
    fn a_sign_in_started_by_someone_else_is_forbidden_and_others_are_bad_requests() {
        assert_eq!(explain(CallbackProblem::State(StateProblem::OtherMember)).0, 403);
        let (status, title, text) = explain(CallbackProblem::State(StateProblem::Expired));
        assert_eq!((status, title), (400, NOT_COMPLETED));
        assert!(text.contains("longer than 10 minutes"), "{text}");
    }

    #[test]
    fn a_denial_says_cancelled_or_repeats_tiktoks_reason() {
        let denied = |error: &str, description: Option<&str>| {
            explain(CallbackProblem::Denied { error: error.into(), description: description.map(Into::into) })
        };
        let (status, title, cancelled) = denied("access_denied", Some("ignored"));
        assert_eq!((status, title), (200, NOT_CONNECTED));
        assert!(cancelled.starts_with("You cancelled the authorization at TikTok."), "{cancelled}");
        assert_eq!(denied("server_error", Some(" busy ")).2, "TikTok reported: busy. Nothing was connected.");
        assert_eq!(
            denied("server_error", Some("  ")).2,
            "TikTok reported the error “server_error”. Nothing was connected."
        );
    }

    #[test]
    fn a_code_tiktok_did_not_exchange_says_why() {
        let (status, _, text) =
            explain(CallbackProblem::Exchange(TikTokError::from_code(AUTH_CODE_ERROR, "bad code".into(), None)));
        assert_eq!(status, 502);
        assert!(text.contains("the code was invalid or had expired"), "{text}");
        let busy = explain(CallbackProblem::Exchange(TikTokError::transient("timeout", None))).2;
        assert_eq!(
            busy,
            "TikTok is not answering right now, so the sign-in could not be finished. Nothing was connected; \
             please try again in a few minutes."
        );
        let refused = explain(CallbackProblem::Exchange(TikTokError::bad_request("app disabled"))).2;
        assert_eq!(refused, "TikTok refused the sign-in: app disabled");
    }

    #[test]
    fn a_reconnect_as_someone_else_names_both_accounts() {
        let (status, title, text) =
            explain(CallbackProblem::DifferentUser { expected: Some("Avery".into()), got: None });
        assert_eq!((status, title), (409, "That is a different TikTok account"));
        assert_eq!(
            text,
            "You signed in to TikTok as another TikTok account, but this connection belongs to Avery. Nothing was \
             changed. Sign in as Avery to reconnect, or use Connect to add another TikTok account as a new connection."
        );
    }
}
