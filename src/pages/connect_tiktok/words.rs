//! The words the TikTok page and its popup use for what the connect flow reports. Server only.

use crate::{
    connect::{AccountOverview, CallbackProblem, ConnectError, ConnectionOverview, Doing, StateProblem},
    db::status::{Access, Activity, ConnectionState, Evidence, LastSync, StepProgress},
    error::{AppError, ErrorCode},
    model::connect::{AccountRow, CardAuth, ConnectionCard, FirstSync, Progress, RunLine, RunNotice, Said},
    sync::{Counts, DataCheck, FailureKind, Step, StepError, SyncRequestError},
    tiktok::{error::AUTH_CODE_ERROR, ErrorKind, TikTokError},
};
use chrono::{DateTime, Utc};

pub const FALLBACK_NAME: &str = "TikTok account";

pub fn display_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub use crate::pages::format::money;

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn counts_line(counts: &Counts) -> Option<String> {
    let parts: Vec<String> = [
        (Step::Campaigns, "campaign", "campaigns"),
        (Step::AdGroups, "ad group", "ad groups"),
        (Step::Ads, "ad", "ads"),
    ]
    .iter()
    .filter_map(|(step, one, many)| counts.get(*step).map(|n| plural(n, one, many)))
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

fn data_check_line(check: &DataCheck, currency: &str) -> Option<String> {
    let m = check.mismatches.first()?;
    let what = m.campaign_name.clone().unwrap_or_else(|| format!("campaign {}", m.campaign_id));
    let mut line = format!(
        "TikTok reports {} {currency} spend for {what} on {}–{}; we hold {}.",
        money(m.tiktok_spend_micros),
        check.from,
        check.to,
        money(m.stored_spend_micros)
    );
    if check.mismatched_campaigns > 1 {
        line.push_str(&format!(" {} campaigns differ in all.", check.mismatched_campaigns));
    }
    Some(line)
}

fn syncing(p: &StepProgress) -> Progress {
    Progress { label: format!("Syncing {}… {} of {}", p.step.label(), p.step_no, p.steps), percent: p.percent() }
}

fn run_line(activity: &Activity) -> Option<RunLine> {
    let hhmm = |t: &DateTime<Utc>| t.format("%H:%M").to_string();
    let (progress, notice) = match activity {
        Activity::Idle => return None,
        Activity::Queued { resumes_at } => (
            Progress { label: "Queued — starting shortly".into(), percent: 0 },
            resumes_at.as_ref().map(|t| {
                RunNotice::Waiting(format!("TikTok is not answering right now — the sync resumes at {} UTC", hhmm(t)))
            }),
        ),
        Activity::Syncing(p) => (syncing(p), None),
        Activity::RateLimited { progress, until } => (
            syncing(progress),
            Some(RunNotice::Waiting(format!("Waiting for TikTok rate limit — retrying at {} UTC", hhmm(until)))),
        ),
        Activity::Stuck { progress, .. } => (syncing(progress), Some(RunNotice::Stuck)),
    };
    Some(RunLine { progress, notice })
}

fn last_sync_error(access: Access, last: &LastSync) -> Option<String> {
    let LastSync::Failed { kind, evidence } = last else { return None };
    match (access, kind) {
        // An auth problem: its evidence is on the connection's Reconnect line already.
        (_, Some(FailureKind::NeedsReconnect)) | (Access::Reconnect, _) => Some(
            "Not synced: no connection that reaches this account has a token TikTok accepts. Reconnect to resume."
                .into(),
        ),
        (_, Some(FailureKind::KeyMissing)) => Some(
            "Not synced: this server cannot read the stored token (its TIKTOK_TOKEN_KEY settings lack the key \
             it was sealed with). The token is fine; it works again once the key is restored."
                .into(),
        ),
        _ => evidence.clone(),
    }
}

fn account_row(a: AccountOverview) -> AccountRow {
    let state = &a.state;
    let sync_label = match (state.access, state.last_synced_at, &state.activity) {
        (Access::Disconnected, _, _) => "Disconnected".into(),
        (_, None, activity) if activity.progress().is_some() => "First sync in progress".into(),
        (_, None, _) => "Waiting for first sync".into(),
        (_, Some(at), _) => format!("Last synced {}", display_time(at)),
    };
    let first_sync = match &state.last {
        _ if state.first_sync => FirstSync::Pending,
        LastSync::Succeeded { first: true, counts } => {
            FirstSync::Done { campaigns: counts.get(Step::Campaigns).unwrap_or(0) }
        }
        _ => FirstSync::Over,
    };
    AccountRow {
        id: a.id,
        sync_label,
        shared: a.access_paths > 1,
        run: run_line(&state.activity),
        sync_error: last_sync_error(state.access, &state.last),
        gaps: gap_lines(&state.gaps),
        data_check: state.data_check.as_ref().and_then(|c| data_check_line(c, a.currency.as_deref().unwrap_or(""))),
        counts: match &state.last {
            LastSync::Succeeded { counts, .. } => counts_line(counts),
            _ => None,
        },
        first_sync,
        advertiser_id: a.advertiser_id,
        name: a.name,
        tiktok_status: a.tiktok_status,
    }
}

/// One line per cause: an advertiser gone from the Business Center fails every later step with
/// the same answer, which reads better once, naming the steps.
fn gap_lines(errors: &[StepError]) -> Vec<String> {
    let mut causes: Vec<(String, Vec<&str>)> = Vec::new();
    for e in errors {
        let cause = format!("{}{}", e.code.map(|c| format!("code {c}: ")).unwrap_or_default(), e.message);
        match causes.iter_mut().find(|(c, _)| *c == cause) {
            Some((_, steps)) => steps.push(e.step.label()),
            None => causes.push((cause, vec![e.step.label()])),
        }
    }
    causes
        .into_iter()
        .map(|(cause, steps)| {
            let steps = match steps.split_last() {
                Some((last, [])) => (*last).to_owned(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            format!("TikTok did not give the {steps} ({cause})")
        })
        .collect()
}

fn said(e: Evidence) -> Said {
    Said { text: e.text, at: e.at.map(display_time) }
}

/// A connection as its card shows it.
pub fn card(c: ConnectionOverview) -> ConnectionCard {
    ConnectionCard {
        id: c.id,
        tiktok_name: c.tiktok_name.unwrap_or_else(|| FALLBACK_NAME.into()),
        connected_by: c.connected_by.unwrap_or_else(|| "a former member".into()),
        connected_at: display_time(c.connected_at),
        auth: match c.state {
            ConnectionState::Connected { warning } => CardAuth::Connected { warning: warning.map(said) },
            ConnectionState::Reconnect { evidence } => CardAuth::Reconnect { evidence: evidence.map(said) },
        },
        available: c.available,
        accounts: c.accounts.into_iter().map(account_row).collect(),
    }
}

pub fn sync_error(e: SyncRequestError) -> AppError {
    match e {
        SyncRequestError::NotFound => AppError::not_found("This TikTok connection or account"),
        SyncRequestError::Db(e) => AppError::database(e),
    }
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
        ConnectError::KeyMissing(e) => AppError::internal(e),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(step: Step, message: &str) -> StepError {
        StepError {
            step,
            kind: FailureKind::Permission,
            code: Some(40001),
            message: message.into(),
            request_id: None,
            at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn steps_missed_for_one_cause_share_one_line_and_other_causes_keep_theirs() {
        let lines = gap_lines(&[
            gap(Step::Images, "no image permission"),
            gap(Step::Ads, "advertiser gone"),
            gap(Step::Insights, "advertiser gone"),
            gap(Step::DataCheck, "advertiser gone"),
        ]);
        assert_eq!(
            lines,
            [
                "TikTok did not give the images (code 40001: no image permission)",
                "TikTok did not give the ads, daily results and totals check (code 40001: advertiser gone)",
            ]
        );
    }
}
