//! What both report pages say about the accounts in view: the advertiser picker, the lines
//! about accounts that need attention (each linking to its connector card), the advertisers
//! pending TikTok's review, and why there is nothing to show yet.

use crate::{
    model::{
        connect::{is_pending_review, CONNECT_PAGE},
        ids::AccountId,
        reports::{AccountOption, Attention, Empty},
    },
    reports::{AccountHealth, Problem},
};

pub(super) struct Shown {
    pub empty: Option<Empty>,
    /// Every account of the workspace, for the picker.
    pub accounts: Vec<AccountOption>,
    pub attention: Vec<Attention>,
    pub pending_review: Vec<String>,
}

impl Shown {
    /// `all` the workspace's accounts, of which the query shows `in_view`.
    pub fn of(all: &[AccountHealth], in_view: &[&AccountHealth]) -> Self {
        Shown {
            empty: empty(in_view),
            accounts: account_options(all),
            attention: attention(in_view),
            pending_review: in_view
                .iter()
                .filter(|a| is_pending_review(a.account.tiktok_status.as_deref()))
                .map(|a| a.account.name.clone())
                .collect(),
        }
    }
}

/// What the accounts in view need people to know, each line linking to its connector card.
fn attention(accounts: &[&AccountHealth]) -> Vec<Attention> {
    let mut lines = Vec::new();
    for a in accounts {
        let href =
            a.connection_id.map_or_else(|| CONNECT_PAGE.to_string(), |c| format!("{CONNECT_PAGE}#connection-{c}"));
        let name = &a.account.name;
        for p in a.state.problems() {
            let text = match p {
                Problem::Reconnect => format!("{name}: TikTok no longer accepts the token of any connection that reaches it. Reconnect to resume syncing."),
                Problem::KeyMissing => format!("{name}: this server cannot read the stored token (its TIKTOK_TOKEN_KEY settings lack its key); figures may be out of date."),
                Problem::SyncFailed => format!("{name}: the last sync failed; figures may be out of date."),
                Problem::Stuck => format!("{name}: the sync is stuck (no progress for over an hour)."),
                Problem::PermissionGap(steps) => {
                    format!("{name}: TikTok did not give the {}; some data is missing.", steps.iter().map(|s| s.label()).collect::<Vec<_>>().join(", "))
                }
                Problem::DataMismatch => format!("{name}: TikTok's totals differ from the synced days; see the card."),
            };
            lines.push(Attention { text, href: href.clone() });
        }
    }
    lines
}

/// Nothing to show yet: no connection, or first syncs still running.
fn empty(accounts: &[&AccountHealth]) -> Option<Empty> {
    if accounts.is_empty() {
        return Some(Empty::NotConnected);
    }
    if accounts.iter().all(|a| a.account.last_synced_at.is_none()) {
        // A queued first run counts as in progress; none at all means it stopped.
        let Some(progress) = accounts.iter().find_map(|a| a.state.first_sync_progress()) else {
            return Some(Empty::FirstSyncStopped);
        };
        let progress = match progress {
            Some(p) => format!("Syncing {}… {} of {}", p.step.label(), p.step_no, p.steps),
            None => "Waiting to start…".to_string(),
        };
        return Some(Empty::FirstSync { progress });
    }
    None
}

fn account_options(accounts: &[AccountHealth]) -> Vec<AccountOption> {
    accounts
        .iter()
        .map(|a| AccountOption {
            id: AccountId(a.account.id),
            name: a.account.name.clone(),
            currency: a.currency(),
            pending_review: is_pending_review(a.account.tiktok_status.as_deref()),
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::db::{
        entities::{sync_run::Step, tiktok_ad_account},
        status::{Access, AccountState, Activity, LastSync, StepProgress},
    };
    use chrono::{TimeZone, Utc};

    /// An account of the workspace in `state`, synced once when `synced`.
    pub fn account(id: i32, name: &str, state: AccountState, synced: bool) -> AccountHealth {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        AccountHealth {
            account: tiktok_ad_account::Model {
                id,
                workspace_id: 1,
                advertiser_id: format!("70000{id}"),
                name: name.into(),
                tiktok_status: Some("STATUS_ENABLE".into()),
                currency: Some("USD".into()),
                timezone: Some("Etc/UTC".into()),
                company: None,
                country: None,
                sync_state: tiktok_ad_account::SyncState::Active,
                imported_by_user_id: 1,
                imported_at: at,
                updated_at: at,
                last_synced_at: synced.then_some(at),
                next_sync_at: None,
                display_timezone: None,
                insights_through: None,
                last_run_id: None,
                week_reread_at: None,
                window_reread_at: None,
                history_from: None,
                breakdowns_through: None,
                breakdowns_read_at: None,
                breakdowns_week_at: None,
                breakdowns_window_at: None,
                hours_through: None,
            },
            connection_id: Some(9),
            state,
            activity: None,
        }
    }

    pub fn state(access: Access, activity: Activity, last: LastSync) -> AccountState {
        AccountState { access, activity, first_sync: false, last, last_synced_at: None, gaps: vec![], data_check: None }
    }

    fn idle() -> AccountState {
        state(Access::Connected, Activity::Idle, LastSync::Never)
    }

    #[test]
    fn a_workspace_without_accounts_is_asked_to_connect() {
        assert_eq!(empty(&[]), Some(Empty::NotConnected));
    }

    #[test]
    fn a_first_sync_in_flight_says_how_far_it_got() {
        let progress = StepProgress { step: Step::AdGroups, step_no: 3, steps: 11, page: 1, pages: 2 };
        let mut syncing = state(Access::Connected, Activity::Syncing(progress), LastSync::Never);
        syncing.first_sync = true;
        let a = account(1, "Shop", syncing, false);
        let Some(Empty::FirstSync { progress }) = empty(&[&a]) else { panic!("a first sync") };
        assert_eq!(progress, format!("Syncing {}… 3 of 11", Step::AdGroups.label()));

        let mut queued = state(Access::Connected, Activity::Queued { resumes_at: None }, LastSync::Never);
        queued.first_sync = true;
        let a = account(1, "Shop", queued, false);
        assert_eq!(empty(&[&a]), Some(Empty::FirstSync { progress: "Waiting to start…".into() }));
    }

    #[test]
    fn a_first_sync_that_ended_without_data_is_said_to_have_stopped() {
        let failed = state(Access::Connected, Activity::Idle, LastSync::Failed { kind: None, evidence: None });
        assert_eq!(empty(&[&account(1, "Shop", failed, false)]), Some(Empty::FirstSyncStopped));
    }

    #[test]
    fn one_synced_account_is_enough_to_show_results() {
        let (a, b) = (account(1, "Shop", idle(), true), account(2, "Outlet", idle(), false));
        assert_eq!(empty(&[&a, &b]), None);
    }

    #[test]
    fn each_problem_is_a_line_linking_to_the_card_that_can_fix_it() {
        let reconnect = account(1, "Shop", state(Access::Reconnect, Activity::Idle, LastSync::Never), true);
        let mut orphan = account(
            2,
            "Outlet",
            state(Access::Connected, Activity::Idle, LastSync::Failed { kind: None, evidence: None }),
            true,
        );
        orphan.connection_id = None;
        let fine = account(3, "Pop-up", idle(), true);
        let lines = attention(&[&reconnect, &orphan, &fine]);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].text.starts_with("Shop: TikTok no longer accepts the token"));
        assert_eq!(lines[0].href, "/connect/tiktok#connection-9");
        assert_eq!(lines[1].text, "Outlet: the last sync failed; figures may be out of date.");
        assert_eq!(lines[1].href, "/connect/tiktok", "no card to point at: the page");
    }

    #[test]
    fn advertisers_in_review_are_named_and_the_picker_lists_every_account() {
        let mut review = account(1, "Shop", idle(), true);
        review.account.tiktok_status = Some("STATUS_PENDING_CONFIRM".into());
        let other = account(2, "Outlet", idle(), true);
        let all = [review, other];
        let shown = Shown::of(&all, &[&all[0]]);
        assert_eq!(shown.pending_review, vec!["Shop".to_string()]);
        assert_eq!(shown.accounts.iter().map(|a| a.id).collect::<Vec<_>>(), vec![AccountId(1), AccountId(2)]);
        assert!(shown.accounts[0].pending_review && !shown.accounts[1].pending_review);
    }
}
