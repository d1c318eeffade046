//! What the TikTok page shows, built from the connect flow's typed results: the connector
//! cards (an account's row in [`account`]), the picker, and what an import, Sync now or
//! Disconnect did.
//! The states come from [`crate::db::status`]; here they only become labels and lines.

mod account;

use super::{ConnectionOverview, Disconnected, ImportOutcome, PickerView};
use crate::{
    db::{
        run_queue::{Asked, SYNC_NOW_EVERY},
        status::{ConnectionState, Evidence},
    },
    model::connect::{
        AvailableLine, CardAuth, ConnectPageData, ConnectionCard, DisconnectSummary, ImportSummary, PickerAdvertiser,
        PickerData, Revocation, Said, SyncNowSummary,
    },
};
use chrono::{DateTime, Utc};

/// What a connection or the picker is called when TikTok did not say who signed in.
pub const FALLBACK_NAME: &str = "TikTok account";

pub fn display_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl From<Vec<ConnectionOverview>> for ConnectPageData {
    fn from(overview: Vec<ConnectionOverview>) -> Self {
        ConnectPageData { connections: overview.into_iter().map(ConnectionCard::from).collect() }
    }
}

/// A connection as its card shows it.
impl From<ConnectionOverview> for ConnectionCard {
    fn from(c: ConnectionOverview) -> Self {
        ConnectionCard {
            id: c.id,
            tiktok_name: c.tiktok_name.unwrap_or_else(|| FALLBACK_NAME.into()),
            connected_by: c.connected_by.unwrap_or_else(|| "a former member".into()),
            connected_at: display_time(c.connected_at),
            auth: match c.state {
                ConnectionState::Connected { warning } => CardAuth::Connected { warning: warning.map(said) },
                ConnectionState::Reconnect { evidence } => CardAuth::Reconnect { evidence: evidence.map(said) },
            },
            available_line: available_line(&c.available),
            available: c.available,
            accounts_label: match c.accounts.len() {
                1 => "1 advertiser account".to_string(),
                n => format!("{n} advertiser accounts"),
            },
            accounts: c.accounts.into_iter().map(account::row).collect(),
        }
    }
}

fn available_line(names: &[String]) -> Option<AvailableLine> {
    let (headline, button) = match names.len() {
        0 => return None,
        1 => ("1 new advertiser account available".to_string(), "Import it".to_string()),
        n => (format!("{n} new advertiser accounts available"), format!("Import all {n}")),
    };
    Some(AvailableLine { headline, names: format!(" in TikTok Business Center: {}.", names.join(", ")), button })
}

fn said(e: Evidence) -> Said {
    Said { text: e.text, at: e.at.map(display_time) }
}

impl From<PickerView> for PickerData {
    fn from(view: PickerView) -> Self {
        PickerData {
            source: view.source,
            tiktok_name: view.tiktok_name.unwrap_or_else(|| FALLBACK_NAME.into()),
            advertisers: view
                .advertisers
                .into_iter()
                .map(|a| PickerAdvertiser {
                    name: a.info.name.clone().unwrap_or_else(|| format!("Advertiser {}", a.info.advertiser_id)),
                    status: a.info.status,
                    currency: a.info.currency,
                    timezone: a.info.display_timezone.or(a.info.timezone),
                    imported_elsewhere: a.imported_elsewhere,
                    linked_here: a.linked_here,
                    advertiser_id: a.info.advertiser_id,
                })
                .collect(),
        }
    }
}

/// What the picker's **Import selected** did.
impl From<ImportOutcome> for ImportSummary {
    fn from(outcome: ImportOutcome) -> Self {
        let (connection_id, imported, stopped) = match outcome {
            ImportOutcome::Imported { connection_id, imported, stopped } => (connection_id, imported, stopped),
            ImportOutcome::AlreadyImported { connection_id } => (connection_id, 0, 0),
        };
        let mut notice = match imported {
            0 => "No new advertiser accounts were imported.".to_string(),
            1 => "Imported 1 advertiser account. Its first sync starts now.".to_string(),
            n => format!("Imported {n} advertiser accounts. Their first sync starts now."),
        };
        if stopped > 0 {
            notice.push_str(&format!(" Stopped syncing {stopped} account(s); their data is kept."));
        }
        ImportSummary { connection_id, imported, stopped, notice }
    }
}

/// What the card's one-click import of newly available advertisers did.
pub fn imported_available(outcome: ImportOutcome) -> ImportSummary {
    let summary = ImportSummary::from(outcome);
    let notice = format!("Imported {} new advertiser account(s). Their first sync starts now.", summary.imported);
    ImportSummary { notice, ..summary }
}

/// What the card's **Sync now** did: the runs it queued, and the accounts it left because a
/// person asked for them a moment ago (saying when, and when asking again reads them).
pub fn sync_queued(asked: Asked) -> SyncNowSummary {
    let Asked { queued, asked_lately, last_asked } = asked;
    let mut notice = match queued {
        0 if asked_lately > 0 => String::new(),
        0 => "A sync is already queued or running for every account.".to_string(),
        1 => "Sync queued for 1 advertiser account.".to_string(),
        n => format!("Sync queued for {n} advertiser accounts."),
    };
    if let (true, Some(at)) = (asked_lately > 0, last_asked) {
        let again = display_time(at + SYNC_NOW_EVERY);
        let said =
            format!("A sync was asked for at {}; Sync now reads everything again from {again}.", display_time(at));
        notice = if notice.is_empty() { said } else { format!("{notice} {said}") };
    }
    SyncNowSummary { queued, notice }
}

impl From<Disconnected> for DisconnectSummary {
    fn from(done: Disconnected) -> Self {
        let name = done.tiktok_name.as_deref().unwrap_or(FALLBACK_NAME);
        let mut notice = format!("Disconnected {name}.");
        if done.accounts_disconnected > 0 {
            notice.push_str(&format!(
                " {} advertiser account(s) no other connection reaches stopped syncing; their data is kept.",
                done.accounts_disconnected
            ));
        }
        notice.push_str(match done.revocation {
            Revocation::Revoked => "",
            Revocation::InUseElsewhere => {
                " Its token stays valid at TikTok, as another connection of the same TikTok user uses it; it was \
                 deleted here."
            }
            Revocation::Unreachable => " TikTok could not be reached to revoke the token; it was deleted here.",
            Revocation::Unreadable => " The token could not be read to revoke it at TikTok; it was deleted here.",
        });
        DisconnectSummary { revocation: done.revocation, accounts_disconnected: done.accounts_disconnected, notice }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        connect::ReachableAdvertiser,
        model::{
            connect::PickerSource,
            ids::{ConnectionId, GrantId},
        },
        tiktok::wire::AdvertiserInfo,
    };
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 9, 5, 0).unwrap()
    }

    fn connection(state: ConnectionState) -> ConnectionOverview {
        ConnectionOverview {
            id: ConnectionId(3),
            tiktok_name: None,
            connected_by: None,
            connected_at: at(),
            state,
            available: vec!["Outlet".into()],
            accounts: Vec::new(),
        }
    }

    #[test]
    fn a_card_without_names_says_who_it_can() {
        let card = ConnectionCard::from(connection(ConnectionState::Connected { warning: None }));
        assert_eq!(card.tiktok_name, "TikTok account");
        assert_eq!(card.connected_by, "a former member");
        assert_eq!(card.connected_at, "2026-12-03 09:05 UTC");
        assert_eq!(card.auth, CardAuth::Connected { warning: None });
        assert_eq!(card.available, ["Outlet"]);
        let line = AvailableLine {
            headline: "1 new advertiser account available".into(),
            names: " in TikTok Business Center: Outlet.".into(),
            button: "Import it".into(),
        };
        assert_eq!(card.available_line, Some(line));
        assert_eq!(card.accounts_label, "0 advertiser accounts");
    }

    #[test]
    fn several_new_advertisers_are_named_and_imported_at_once() {
        let line = available_line(&["Outlet".into(), "Pop-up".into()]).unwrap();
        assert_eq!(line.headline, "2 new advertiser accounts available");
        assert_eq!(line.names, " in TikTok Business Center: Outlet, Pop-up.");
        assert_eq!(line.button, "Import all 2");
        assert_eq!(available_line(&[]), None);
    }

    #[test]
    fn a_rejected_token_is_reconnect_with_tiktoks_words_and_when() {
        let evidence = Evidence { text: "code 40105: token expired".into(), at: Some(at()) };
        let card = ConnectionCard::from(connection(ConnectionState::Reconnect { evidence: Some(evidence) }));
        let said = Said { text: "code 40105: token expired".into(), at: Some("2026-12-03 09:05 UTC".into()) };
        assert_eq!(card.auth, CardAuth::Reconnect { evidence: Some(said) });
    }

    #[test]
    fn the_picker_names_nameless_advertisers_by_id_and_prefers_the_display_timezone() {
        let mut info = AdvertiserInfo::named("7001".into(), None);
        info.timezone = Some("Etc/GMT+5".into());
        info.display_timezone = Some("America/New_York".into());
        let plain = AdvertiserInfo {
            timezone: Some("Asia/Tokyo".into()),
            ..AdvertiserInfo::named("7002".into(), Some("Japan".into()))
        };
        let view = PickerView {
            source: PickerSource::Grant(GrantId(5)),
            tiktok_name: Some("Avery Business".into()),
            advertisers: vec![
                ReachableAdvertiser { info, imported_elsewhere: true, linked_here: false },
                ReachableAdvertiser { info: plain, imported_elsewhere: false, linked_here: true },
            ],
        };
        let data = PickerData::from(view);
        assert_eq!(data.tiktok_name, "Avery Business");
        let rows: Vec<_> = data
            .advertisers
            .iter()
            .map(|a| (a.name.as_str(), a.timezone.as_deref(), a.imported_elsewhere, a.linked_here))
            .collect();
        assert_eq!(
            rows,
            [("Advertiser 7001", Some("America/New_York"), true, false), ("Japan", Some("Asia/Tokyo"), false, true)]
        );
    }

    #[test]
    fn an_import_says_how_many_accounts_start_syncing_and_stop() {
        let imported = |imported, stopped| {
            ImportSummary::from(ImportOutcome::Imported { connection_id: ConnectionId(3), imported, stopped }).notice
        };
        assert_eq!(imported(1, 0), "Imported 1 advertiser account. Its first sync starts now.");
        assert_eq!(
            imported(2, 1),
            "Imported 2 advertiser accounts. Their first sync starts now. Stopped syncing 1 account(s); their data is kept."
        );
        let again = ImportSummary::from(ImportOutcome::AlreadyImported { connection_id: ConnectionId(3) });
        assert_eq!((again.imported, again.stopped), (0, 0));
        assert_eq!(again.notice, "No new advertiser accounts were imported.");
        let available =
            imported_available(ImportOutcome::Imported { connection_id: ConnectionId(3), imported: 2, stopped: 0 });
        assert_eq!((available.connection_id, available.imported), (ConnectionId(3), 2));
        assert_eq!(available.notice, "Imported 2 new advertiser account(s). Their first sync starts now.");
    }

    #[test]
    fn sync_now_says_how_many_runs_it_queued() {
        let asked = |queued| Asked { queued, asked_lately: 0, last_asked: None };
        assert_eq!(sync_queued(asked(0)).notice, "A sync is already queued or running for every account.");
        assert_eq!(sync_queued(asked(1)).notice, "Sync queued for 1 advertiser account.");
        assert_eq!(
            sync_queued(asked(3)),
            SyncNowSummary { queued: 3, notice: "Sync queued for 3 advertiser accounts.".into() }
        );
    }

    #[test]
    fn sync_now_asked_again_too_soon_says_when_the_last_one_was_asked_for_and_when_it_reads_again() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T14:05:00Z").unwrap().to_utc();
        let again = sync_queued(Asked { queued: 0, asked_lately: 2, last_asked: Some(at) });
        assert_eq!(
            again.notice,
            "A sync was asked for at 2026-12-07 14:05 UTC; Sync now reads everything again from 2026-12-07 14:10 UTC."
        );
        let some = sync_queued(Asked { queued: 1, asked_lately: 1, last_asked: Some(at) });
        assert!(
            some.notice.starts_with("Sync queued for 1 advertiser account. A sync was asked for at"),
            "{}",
            some.notice
        );
    }

    #[test]
    fn a_disconnect_names_the_connection_and_what_stopped() {
        let done = |tiktok_name: Option<&str>, revocation, accounts_disconnected| {
            DisconnectSummary::from(Disconnected {
                tiktok_name: tiktok_name.map(Into::into),
                revocation,
                accounts_disconnected,
            })
            .notice
        };
        assert_eq!(done(Some("Avery Business"), Revocation::Revoked, 0), "Disconnected Avery Business.");
        assert_eq!(
            done(None, Revocation::Unreachable, 2),
            "Disconnected TikTok account. 2 advertiser account(s) no other connection reaches stopped syncing; their \
             data is kept. TikTok could not be reached to revoke the token; it was deleted here."
        );
        assert_eq!(
            done(Some("Avery Business"), Revocation::InUseElsewhere, 0),
            "Disconnected Avery Business. Its token stays valid at TikTok, as another connection of the same TikTok \
             user uses it; it was deleted here."
        );
        assert_eq!(
            done(Some("Avery Business"), Revocation::Unreadable, 0),
            "Disconnected Avery Business. The token could not be read to revoke it at TikTok; it was deleted here."
        );
    }
}
