//! Every state an account can be in, decided from rows built here.

use super::*;
use crate::db::run_queue::cursor::{Cursor, DataCheck, Mismatch, StepErrors};
use chrono::{Duration, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
}

fn account() -> tiktok_ad_account::Model {
    tiktok_ad_account::Model {
        id: 1,
        workspace_id: 1,
        advertiser_id: "7000000000000000001".into(),
        name: "Acme".into(),
        tiktok_status: Some("STATUS_ENABLE".into()),
        currency: Some("USD".into()),
        timezone: None,
        company: None,
        country: None,
        sync_state: SyncState::Active,
        imported_by_user_id: 1,
        imported_at: now() - Duration::days(1),
        updated_at: now(),
        last_synced_at: Some(now() - Duration::minutes(5)),
        next_sync_at: None,
        display_timezone: None,
        insights_through: None,
        last_run_id: Some(9),
        week_reread_at: None,
        window_reread_at: None,
        history_from: None,
        breakdowns_through: None,
        breakdowns_read_at: None,
        breakdowns_week_at: None,
        breakdowns_window_at: None,
        hours_through: None,
    }
}

fn run(status: RunStatus) -> sync_run::Model {
    sync_run::Model {
        id: 9,
        ad_account_id: 1,
        trigger: RunTrigger::Scheduled,
        status,
        step: Some(Step::AdGroups),
        progress_done: 2,
        progress_total: 11,
        counts: None,
        requests: 0,
        rate_limit_waits: 0,
        retry_at: None,
        error_kind: None,
        error_message: None,
        queued_at: now() - Duration::minutes(2),
        started_at: Some(now() - Duration::minutes(1)),
        last_progress_at: Some(now() - Duration::seconds(10)),
        finished_at: None,
        holder: None,
        lease_expires_at: None,
        heartbeat_at: None,
        attempt: 1,
        cursor: Some(Cursor { step: Step::AdGroups, page: 2, pages: 4, ..Cursor::start() }),
        step_errors: None,
        data_check: None,
        waiting_until: None,
    }
}

fn decide(active: Option<&sync_run::Model>, last: Option<&sync_run::Model>) -> AccountState {
    AccountState::decide(&account(), true, active, last, now())
}

fn succeeded() -> sync_run::Model {
    sync_run::Model { finished_at: Some(now() - Duration::minutes(5)), ..run(RunStatus::Succeeded) }
}

fn failed(kind: FailureKind) -> sync_run::Model {
    sync_run::Model { error_kind: Some(kind), error_message: Some("TikTok said no".into()), ..run(RunStatus::Failed) }
}

#[test]
fn an_account_whose_last_sync_succeeded_and_has_nothing_running_is_fresh() {
    let state = decide(None, Some(&succeeded()));
    assert_eq!(state.access, Access::Connected);
    assert_eq!(state.activity, Activity::Idle);
    assert_eq!(state.headline(), Headline::Fresh);
    assert!(state.problems().is_empty());
}

#[test]
fn an_account_never_synced_with_nothing_queued_is_never_synced() {
    let a = tiktok_ad_account::Model { last_synced_at: None, last_run_id: None, ..account() };
    let state = AccountState::decide(&a, true, None, None, now());
    assert_eq!((state.last.clone(), state.headline()), (LastSync::Never, Headline::NeverSynced));
}

#[test]
fn a_queued_first_sync_is_the_first_sync_without_progress_yet() {
    let queued = sync_run::Model { trigger: RunTrigger::First, ..run(RunStatus::Queued) };
    let state = decide(Some(&queued), None);
    assert_eq!(state.activity, Activity::Queued { resumes_at: None });
    assert_eq!(state.first_sync_progress(), Some(None));
    assert_eq!(state.headline(), Headline::FirstSync);
}

#[test]
fn a_manual_run_on_an_account_that_never_synced_counts_as_its_first_sync() {
    let a = tiktok_ad_account::Model { last_synced_at: None, ..account() };
    let manual = sync_run::Model { trigger: RunTrigger::Manual, ..run(RunStatus::Running) };
    assert!(AccountState::decide(&a, true, Some(&manual), None, now()).first_sync);
}

#[test]
fn a_running_sync_shows_its_step_and_how_far_it_got() {
    let state = decide(Some(&run(RunStatus::Running)), Some(&succeeded()));
    let progress = StepProgress { step: Step::AdGroups, step_no: 3, steps: 11, page: 2, pages: 4 };
    assert_eq!(state.activity, Activity::Syncing(progress));
    // Two whole steps of eleven, and a quarter of the third.
    assert_eq!(progress.percent(), 20);
    assert_eq!(state.headline(), Headline::Syncing);
    assert!(!state.first_sync);
}

#[test]
fn a_run_put_back_while_tiktok_is_down_says_when_it_resumes() {
    let at = now() + Duration::minutes(2);
    let queued = sync_run::Model { retry_at: Some(at), ..run(RunStatus::Queued) };
    assert_eq!(decide(Some(&queued), None).activity, Activity::Queued { resumes_at: Some((at, Holdup::TikTok)) });
    let due = sync_run::Model { retry_at: Some(now() - Duration::seconds(1)), ..run(RunStatus::Queued) };
    assert_eq!(decide(Some(&due), None).activity, Activity::Queued { resumes_at: None }, "a past retry is no wait");
}

#[test]
fn a_run_put_back_because_the_database_refused_a_page_says_so() {
    let at = now() + Duration::minutes(2);
    let queued = sync_run::Model {
        retry_at: Some(at),
        error_kind: Some(FailureKind::DatabaseRefused),
        ..run(RunStatus::Queued)
    };
    assert_eq!(decide(Some(&queued), None).activity, Activity::Queued { resumes_at: Some((at, Holdup::Database)) });
}

#[test]
fn a_run_waiting_out_the_rate_limit_says_until_when() {
    let until = now() + Duration::seconds(30);
    let waiting = sync_run::Model { waiting_until: Some(until), ..run(RunStatus::Running) };
    let state = decide(Some(&waiting), None);
    assert!(matches!(state.activity, Activity::RateLimited { until: u, .. } if u == until));
    assert_eq!(state.headline(), Headline::RateLimited);
}

#[test]
fn a_run_with_no_progress_for_an_hour_is_stuck_and_needs_attention() {
    let since = now() - Duration::minutes(61);
    let stuck = sync_run::Model { last_progress_at: Some(since), ..run(RunStatus::Running) };
    let state = decide(Some(&stuck), Some(&succeeded()));
    assert!(matches!(state.activity, Activity::Stuck { since: s, .. } if s == since));
    assert_eq!(state.problems(), [Problem::Stuck]);
    assert_eq!(state.headline(), Headline::Stuck);
    let queued_long = sync_run::Model { last_progress_at: Some(since), ..run(RunStatus::Queued) };
    assert!(!matches!(decide(Some(&queued_long), None).activity, Activity::Stuck { .. }), "only a running run sticks");
}

#[test]
fn a_failed_sync_keeps_its_cause_and_evidence() {
    let state = decide(None, Some(&failed(FailureKind::BadRequest)));
    assert_eq!(
        state.last,
        LastSync::Failed { kind: Some(FailureKind::BadRequest), evidence: Some("TikTok said no".into()) }
    );
    assert_eq!(state.problems(), [Problem::SyncFailed]);
    assert_eq!(state.headline(), Headline::Failed);
}

#[test]
fn an_account_no_healthy_connection_reaches_needs_reconnect_not_a_failure_line() {
    let state = AccountState::decide(&account(), false, None, Some(&failed(FailureKind::NeedsReconnect)), now());
    assert_eq!(state.access, Access::Reconnect);
    assert_eq!(state.problems(), [Problem::Reconnect]);
    assert_eq!(state.headline(), Headline::Reconnect);
}

#[test]
fn a_token_sealed_under_a_missing_key_is_key_missing_not_reconnect() {
    let state = decide(None, Some(&failed(FailureKind::KeyMissing)));
    assert_eq!(state.access, Access::KeyMissing);
    assert_eq!(state.problems(), [Problem::KeyMissing]);
    assert_eq!(state.headline(), Headline::KeyMissing);
}

#[test]
fn a_disconnected_account_is_disconnected_whatever_its_connections_say() {
    let a = tiktok_ad_account::Model { sync_state: SyncState::Disconnected, ..account() };
    let state = AccountState::decide(&a, false, None, Some(&succeeded()), now());
    assert_eq!((state.access, state.headline()), (Access::Disconnected, Headline::Disconnected));
    assert!(state.problems().is_empty());
}

#[test]
fn steps_tiktok_did_not_give_are_gaps_even_when_the_sync_succeeded() {
    let gap = StepError {
        step: Step::Images,
        kind: FailureKind::Permission,
        code: Some(40001),
        message: "no permission".into(),
        request_id: None,
        at: now(),
    };
    let last = sync_run::Model { step_errors: Some(StepErrors(vec![gap.clone()])), ..succeeded() };
    let state = decide(None, Some(&last));
    assert_eq!(state.gaps, [gap]);
    assert_eq!(state.problems(), [Problem::PermissionGap(vec![Step::Images])]);
    assert_eq!(state.headline(), Headline::Fresh);
}

#[test]
fn a_data_check_is_a_finding_only_when_campaigns_differ() {
    let check = |n| checked(n, 2_000_000, None);
    let clean = sync_run::Model { data_check: Some(check(0)), ..succeeded() };
    assert_eq!(decide(None, Some(&clean)).data_check, None);
    let off = sync_run::Model { data_check: Some(check(1)), ..succeeded() };
    let state = decide(None, Some(&off));
    assert_eq!(state.data_check, Some(check(1)));
    assert_eq!(state.problems(), [Problem::DataMismatch]);
    let late = sync_run::Model { data_check: Some(checked(1, 1_000_000, Some(40))), ..succeeded() };
    let state = decide(None, Some(&late));
    assert!(state.data_check.is_some(), "the card says TikTok is still attributing");
    assert_eq!(state.problems(), [], "late conversions are nothing to fix");
}

/// A data check of `n` campaigns that each differ: TikTok's spend (ours is 1.00) and conversions
/// (ours are 30).
fn checked(n: usize, tiktok_spend_micros: i64, tiktok_conversions: Option<i64>) -> DataCheck {
    DataCheck {
        from: now().date_naive(),
        to: now().date_naive(),
        campaigns_checked: 3,
        mismatches: (0..n)
            .map(|i| Mismatch {
                campaign_id: format!("{i}"),
                campaign_name: None,
                tiktok_spend_micros,
                stored_spend_micros: 1_000_000,
                tiktok_conversions: tiktok_conversions.or(Some(30)),
                stored_conversions: Some(30),
            })
            .collect(),
        mismatched_campaigns: n,
        splits: Vec::new(),
        split_mismatches: 0,
        split_days_checked: 0,
    }
}

#[test]
fn a_connection_tiktok_refused_needs_reconnect_with_its_evidence() {
    let at = Some(now());
    let refused = ConnectionState::Reconnect { evidence: Some(Evidence { text: "40107".into(), at }) };
    let mut c = connection();
    c.auth_status = AuthStatus::NeedsReconnect;
    c.auth_error = Some("40107".into());
    c.auth_error_at = at;
    assert_eq!(ConnectionState::of(&c), refused);
    c.auth_status = AuthStatus::Healthy;
    c.auth_warning = Some("refresh failed once".into());
    assert_eq!(
        ConnectionState::of(&c),
        ConnectionState::Connected { warning: Some(Evidence { text: "refresh failed once".into(), at: None }) }
    );
}

fn connection() -> tiktok_connection::Model {
    tiktok_connection::Model {
        id: 1,
        workspace_id: 1,
        connected_by_user_id: 1,
        tiktok_user_key: "u".into(),
        tiktok_display_name: None,
        tiktok_email: None,
        key_id: "k".into(),
        token_format: 2,
        token_generation: 1,
        access_token_enc: None,
        refresh_token_enc: None,
        access_expires_at: None,
        refresh_expires_at: None,
        scope: String::new(),
        auth_status: AuthStatus::Healthy,
        auth_error: None,
        auth_error_at: None,
        auth_warning: None,
        auth_warning_at: None,
        refresh_locked_until: None,
        connected_at: now(),
        updated_at: now(),
        disconnected_at: None,
        known_advertisers: None,
        available_advertisers: None,
        advertisers_checked_at: None,
    }
}
