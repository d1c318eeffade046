//! An ad account's row on its connection's card: the sync label, the run in flight, and one
//! line each for a failed sync, data TikTok did not grant, a data-check finding and what the
//! last sync brought.

use super::display_time;
use crate::{
    connect::AccountOverview,
    db::{
        entities::sync_run::{FailureKind, Step},
        run_queue::cursor::{Counts, DataCheck, StepError},
        status::{Access, Activity, Holdup, LastSync, StepProgress},
    },
    model::{
        connect::{AccountRow, FirstSync, Progress, RunLine, RunNotice},
        format::{count, money},
    },
};
use chrono::{DateTime, Utc};

pub(super) fn row(a: AccountOverview) -> AccountRow {
    let state = &a.state;
    let sync_label = match (state.access, state.last_synced_at, &state.activity) {
        (Access::Disconnected, _, _) => "Disconnected".into(),
        (_, None, activity) if activity.progress().is_some() => "First sync in progress".into(),
        (_, None, _) => "Waiting for first sync".into(),
        (_, Some(at), _) => format!("Last synced {}", display_time(at)),
    };
    let first_sync = match &state.last {
        _ if state.first_sync => FirstSync::Pending,
        // Whatever ran it (Import, Sync now, the schedule): the page announces it only for an
        // account it watched as Pending.
        LastSync::Succeeded { counts } => FirstSync::Done { campaigns: counts.get(Step::Campaigns).unwrap_or(0) },
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
    let Some(m) = check.mismatches.first() else { return split_line(check, currency) };
    let what = m.campaign_name.clone().unwrap_or_else(|| format!("campaign {}", m.campaign_id));
    let mut line = if m.spend_differs() || m.conversions_difference() == 0 {
        format!(
            "TikTok reports {} {currency} spend for {what} on {}–{}; we hold {}.",
            money(m.tiktok_spend_micros),
            check.from,
            check.to,
            money(m.stored_spend_micros)
        )
    } else {
        format!(
            "TikTok reports {} conversions for {what} on {}–{}; we hold {}: TikTok is still attributing \
             them, and the next read of the attribution window (daily, or Sync now) catches up.",
            count(m.tiktok_conversions.unwrap_or(0)),
            check.from,
            check.to,
            count(m.stored_conversions.unwrap_or(0))
        )
    };
    if check.mismatched_campaigns > 1 {
        line.push_str(&format!(" {} campaigns differ in all.", check.mismatched_campaigns));
    }
    Some(line)
}

/// A breakdown or a day's hours that do not add up to the campaign's day.
fn split_line(check: &DataCheck, currency: &str) -> Option<String> {
    let s = check.splits.first()?;
    let (parts, whole) = match s.figure.as_str() {
        "spend" => (format!("{} {currency}", money(s.parts)), format!("{} {currency}", money(s.whole))),
        _ => (count(s.parts), count(s.whole)),
    };
    let mut line = format!(
        "The {} of campaign {} on {} add up to {parts} {}; its day holds {whole}.",
        if s.split == "hours" { "hours".to_owned() } else { format!("{} breakdown", s.split) },
        s.campaign_id,
        s.date,
        s.figure
    );
    if check.split_mismatches > 1 {
        line.push_str(&format!(" {} campaign days differ in all.", check.split_mismatches));
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
            resumes_at.as_ref().map(|(t, holdup)| {
                RunNotice::Waiting(match holdup {
                    Holdup::TikTok => {
                        format!("TikTok is not answering right now — the sync resumes at {} UTC", hhmm(t))
                    }
                    Holdup::Database => {
                        format!("The database did not take the last page — the sync tries again at {} UTC", hhmm(t))
                    }
                })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        db::{
            run_queue::cursor::{Mismatch, SplitMismatch},
            status::AccountState,
        },
        model::ids::AccountId,
    };
    use chrono::{NaiveDate, TimeZone};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0).unwrap()
    }

    fn state() -> AccountState {
        AccountState {
            access: Access::Connected,
            activity: Activity::Idle,
            first_sync: false,
            last: LastSync::Never,
            last_synced_at: None,
            gaps: Vec::new(),
            data_check: None,
        }
    }

    fn account(state: AccountState) -> AccountOverview {
        AccountOverview {
            id: AccountId(1),
            advertiser_id: "7001".into(),
            name: "Acme US".into(),
            tiktok_status: Some("STATUS_ENABLE".into()),
            currency: Some("USD".into()),
            access_paths: 1,
            state,
        }
    }

    fn counts(campaigns: u64, ad_groups: u64, ads: u64) -> Counts {
        let mut counts = Counts::default();
        counts.add(Step::Campaigns, campaigns);
        counts.add(Step::AdGroups, ad_groups);
        counts.add(Step::Ads, ads);
        counts
    }

    fn progress() -> StepProgress {
        StepProgress { step: Step::AdGroups, step_no: 3, steps: 11, page: 1, pages: 0 }
    }

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
    fn the_sync_label_says_disconnected_first_sync_or_when() {
        let label = |s: AccountState| row(account(s)).sync_label;
        assert_eq!(label(AccountState { access: Access::Disconnected, ..state() }), "Disconnected");
        assert_eq!(label(state()), "Waiting for first sync");
        assert_eq!(
            label(AccountState { activity: Activity::Syncing(progress()), ..state() }),
            "First sync in progress"
        );
        assert_eq!(
            label(AccountState { last_synced_at: Some(at(9, 5)), ..state() }),
            "Last synced 2026-12-03 09:05 UTC"
        );
    }

    #[test]
    fn a_first_sync_is_pending_until_it_succeeds_with_its_campaigns() {
        let first = |s: AccountState| row(account(s)).first_sync;
        assert_eq!(first(AccountState { first_sync: true, ..state() }), FirstSync::Pending);
        let done = LastSync::Succeeded { counts: counts(4, 8, 16) };
        assert_eq!(first(AccountState { last: done, ..state() }), FirstSync::Done { campaigns: 4 });
        let failed = LastSync::Failed { kind: None, evidence: None };
        assert_eq!(first(AccountState { last: failed, ..state() }), FirstSync::Over);
    }

    #[test]
    fn a_first_sync_retried_by_sync_now_still_reports_its_campaigns_when_it_succeeds() {
        // The import's run failed; a manual run is the account's first sync now.
        let retried = AccountState { first_sync: true, ..state() };
        assert_eq!(row(account(retried)).first_sync, FirstSync::Pending);
        let done = AccountState { last: LastSync::Succeeded { counts: counts(3, 6, 9) }, ..state() };
        assert_eq!(row(account(done)).first_sync, FirstSync::Done { campaigns: 3 });
    }

    #[test]
    fn what_the_last_sync_brought_reads_in_one_line() {
        let last = LastSync::Succeeded { counts: counts(1, 8, 16) };
        let r = row(account(AccountState { last, ..state() }));
        assert_eq!(r.counts.as_deref(), Some("1 campaign · 8 ad groups · 16 ads"));
        assert_eq!(counts_line(&Counts::default()), None);
        assert!(!r.shared);
        assert!(row(AccountOverview { access_paths: 2, ..account(state()) }).shared);
    }

    #[test]
    fn runs_say_their_step_and_why_they_wait() {
        assert_eq!(run_line(&Activity::Idle), None);
        let queued = run_line(&Activity::Queued { resumes_at: Some((at(14, 30), Holdup::TikTok)) }).unwrap();
        assert_eq!(queued.progress, Progress { label: "Queued — starting shortly".into(), percent: 0 });
        assert_eq!(
            queued.notice,
            Some(RunNotice::Waiting("TikTok is not answering right now — the sync resumes at 14:30 UTC".into()))
        );
        let refused = run_line(&Activity::Queued { resumes_at: Some((at(9, 5), Holdup::Database)) }).unwrap();
        assert_eq!(
            refused.notice,
            Some(RunNotice::Waiting(
                "The database did not take the last page — the sync tries again at 09:05 UTC".into()
            ))
        );
        let syncing = run_line(&Activity::Syncing(progress())).unwrap();
        assert_eq!(syncing.progress.label, "Syncing ad groups… 3 of 11");
        assert_eq!(syncing.notice, None);
        let waiting = run_line(&Activity::RateLimited { progress: progress(), until: at(9, 7) }).unwrap();
        assert_eq!(
            waiting.notice,
            Some(RunNotice::Waiting("Waiting for TikTok rate limit — retrying at 09:07 UTC".into()))
        );
        let stuck = run_line(&Activity::Stuck { progress: progress(), since: at(8, 0) }).unwrap();
        assert_eq!(stuck.notice, Some(RunNotice::Stuck));
    }

    #[test]
    fn a_failed_sync_shows_tiktoks_words_unless_the_fix_is_elsewhere() {
        let failed = |kind| LastSync::Failed { kind, evidence: Some("code 40002: bad param".into()) };
        assert_eq!(last_sync_error(Access::Connected, &failed(None)).as_deref(), Some("code 40002: bad param"));
        let reconnect = last_sync_error(Access::Reconnect, &failed(None)).unwrap();
        assert!(reconnect.starts_with("Not synced: no connection that reaches this account"), "{reconnect}");
        let needs = last_sync_error(Access::Connected, &failed(Some(FailureKind::NeedsReconnect))).unwrap();
        assert_eq!(needs, reconnect);
        let key = last_sync_error(Access::KeyMissing, &failed(Some(FailureKind::KeyMissing))).unwrap();
        assert!(key.contains("TIKTOK_TOKEN_KEY"), "{key}");
        assert_eq!(last_sync_error(Access::Connected, &LastSync::Never), None);
    }

    #[test]
    fn a_data_check_names_the_first_campaign_and_counts_the_rest() {
        let mismatch = |name: Option<&str>| Mismatch {
            campaign_id: "1800".into(),
            campaign_name: name.map(Into::into),
            tiktok_spend_micros: 1_234_560_000,
            stored_spend_micros: 1_000_000_000,
            tiktok_conversions: Some(40),
            stored_conversions: Some(40),
        };
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let check = |name, campaigns| DataCheck {
            from: day(1),
            to: day(2),
            campaigns_checked: 3,
            mismatches: vec![mismatch(name)],
            mismatched_campaigns: campaigns,
            splits: Vec::new(),
            split_mismatches: 0,
            split_days_checked: 0,
        };
        assert_eq!(
            data_check_line(&check(Some("Spring sale"), 1), "USD").as_deref(),
            Some("TikTok reports 1,234.56 USD spend for Spring sale on 2026-12-01–2026-12-02; we hold 1,000.00.")
        );
        assert_eq!(
            data_check_line(&check(None, 3), "EUR").as_deref(),
            Some(
                "TikTok reports 1,234.56 EUR spend for campaign 1800 on 2026-12-01–2026-12-02; we hold 1,000.00. \
                 3 campaigns differ in all."
            )
        );
        let late = DataCheck {
            mismatches: vec![Mismatch {
                stored_spend_micros: 1_234_560_000,
                tiktok_conversions: Some(1_250),
                stored_conversions: Some(1_200),
                ..mismatch(Some("Spring sale"))
            }],
            ..check(None, 1)
        };
        let split = DataCheck {
            mismatches: Vec::new(),
            mismatched_campaigns: 0,
            splits: vec![SplitMismatch {
                split: "age and gender".into(),
                campaign_id: "1800".into(),
                date: day(1),
                figure: "spend".into(),
                whole: 12_000_000,
                parts: 10_000_000,
            }],
            split_mismatches: 2,
            split_days_checked: 0,
            ..check(None, 1)
        };
        assert_eq!(
            data_check_line(&split, "USD").as_deref(),
            Some(
                "The age and gender breakdown of campaign 1800 on 2026-12-01 add up to 10.00 USD spend; its day \
                 holds 12.00 USD. 2 campaign days differ in all."
            )
        );
        let line = data_check_line(&late, "USD").unwrap();
        assert!(
            line.starts_with(
                "TikTok reports 1,250 conversions for Spring sale on 2026-12-01–2026-12-02; we hold 1,200"
            ),
            "{line}"
        );
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
