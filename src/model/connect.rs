//! What the TikTok page exchanges with the server.

use super::ids::{AccountId, ConnectionId, GrantId};
use serde::{Deserialize, Serialize};

/// The page of a workspace's connections; lines about an account link to its card there.
pub const CONNECT_PAGE: &str = "/connect/tiktok";
/// Where Connect, Reconnect and Try again lead: the server's OAuth start.
pub const START_PATH: &str = "/connect/tiktok/start";

/// The OAuth start for a new connection or, with `reconnect`, for an existing one;
/// `same_window` when the popup was blocked and the flow runs in the main window.
pub fn start_url(same_window: bool, reconnect: Option<ConnectionId>) -> String {
    let mut params = Vec::new();
    if same_window {
        params.push("window=same".to_string());
    }
    if let Some(id) = reconnect {
        params.push(format!("reconnect={id}"));
    }
    if params.is_empty() {
        START_PATH.to_owned()
    } else {
        format!("{START_PATH}?{}", params.join("&"))
    }
}

/// TikTok's review states: the account can be connected, but ads cannot launch yet.
pub fn is_pending_review(status: Option<&str>) -> bool {
    matches!(
        status,
        Some(
            "STATUS_PENDING_CONFIRM"
                | "STATUS_PENDING_VERIFIED"
                | "STATUS_PENDING_CONFIRM_MODIFY"
                | "STATUS_WAIT_FOR_BPM_AUDIT"
                | "STATUS_WAIT_FOR_PUBLIC_AUTH"
                | "STATUS_SELF_SERVICE_UNAUDITED"
                | "STATUS_CONTRACT_PENDING"
        )
    )
}

/// A short label for a TikTok advertiser status.
pub fn status_label(status: Option<&str>) -> &'static str {
    match status {
        Some("STATUS_ENABLE") => "Active",
        s if is_pending_review(s) => "Pending review",
        Some("STATUS_DISABLE") => "Closed",
        Some("STATUS_CONFIRM_FAIL" | "STATUS_CONFIRM_FAIL_END" | "STATUS_CONFIRM_MODIFY_FAIL") => "Review failed",
        Some("STATUS_LIMIT") => "Restricted",
        _ => "Unknown",
    }
}

pub const PENDING_REVIEW_HELP: &str =
    "TikTok is reviewing this account (usually 24–72 h). You can connect it now; ads cannot launch until it is approved.";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectPageData {
    pub connections: Vec<ConnectionCard>,
}

/// One connected TikTok user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionCard {
    pub id: ConnectionId,
    pub tiktok_name: String,
    pub connected_by: String,
    pub connected_at: String,
    pub auth: CardAuth,
    /// Names of advertisers newly added in the Business Center, for a one-click import.
    pub available: Vec<String>,
    /// The notice about them (`None` when there are none).
    pub available_line: Option<AvailableLine>,
    /// "1 advertiser account", "3 advertiser accounts".
    pub accounts_label: String,
    pub accounts: Vec<AccountRow>,
}

/// The card's notice about advertisers newly available in the Business Center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvailableLine {
    /// "2 new advertiser accounts available".
    pub headline: String,
    /// " in TikTok Business Center: Outlet, Pop-up."
    pub names: String,
    /// "Import it", "Import all 2".
    pub button: String,
}

/// A connection's auth state: the card's badge and its notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CardAuth {
    /// Green **Connected**; a refresh problem that does not need Reconnect (yet) shown apart.
    Connected { warning: Option<Said> },
    /// Yellow **Reconnect**, with TikTok's latest rejection of the token as evidence.
    Reconnect { evidence: Option<Said> },
}

impl CardAuth {
    pub fn needs_reconnect(&self) -> bool {
        matches!(self, CardAuth::Reconnect { .. })
    }
}

/// Something TikTok said, and when (display time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub text: String,
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: AccountId,
    pub advertiser_id: String,
    pub name: String,
    pub tiktok_status: Option<String>,
    /// "Waiting for first sync", "Last synced …", "Disconnected".
    pub sync_label: String,
    /// Reachable through another connection too.
    pub shared: bool,
    /// A sync in flight (or queued): what it does now and how far it got.
    pub run: Option<RunLine>,
    /// The last sync failed: TikTok's evidence, or what to do.
    pub sync_error: Option<String>,
    /// Data TikTok did not grant, and why.
    pub gaps: Vec<String>,
    /// The data check's finding, when TikTok's totals differ from what is stored.
    pub data_check: Option<String>,
    /// What the last sync brought ("4 campaigns · 8 ad groups · 16 ads").
    pub counts: Option<String>,
    pub first_sync: FirstSync,
}

/// A queued or running sync as its row shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunLine {
    pub progress: Progress,
    pub notice: Option<RunNotice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RunNotice {
    /// Waiting for TikTok (its rate limit, or an outage): neutral, it resumes by itself.
    Waiting(String),
    /// Running with no progress for over an hour: offer Retry.
    Stuck,
}

/// Where the account's first sync is, for the page's poll and its toast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FirstSync {
    /// Queued or running.
    Pending,
    /// The last sync ended successfully, bringing this many campaigns (announced by the page
    /// for an account it watched as Pending).
    Done { campaigns: u64 },
    /// Neither (a later sync, or a first sync that failed).
    Over,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// "Syncing ad groups… 3 of 11".
    pub label: String,
    /// 0 to 100.
    pub percent: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncNowSummary {
    /// Runs queued (0 when every account already had one queued or running).
    pub queued: u64,
    /// What the page says it did.
    pub notice: String,
}

/// Where the picker's token comes from: a fresh authorization, or an existing connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PickerSource {
    Grant(GrantId),
    Connection(ConnectionId),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickerData {
    pub source: PickerSource,
    pub tiktok_name: String,
    pub advertisers: Vec<PickerAdvertiser>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickerAdvertiser {
    pub advertiser_id: String,
    pub name: String,
    pub status: Option<String>,
    pub currency: Option<String>,
    pub timezone: Option<String>,
    /// Already in this workspace through another connection.
    pub imported_elsewhere: bool,
    /// Linked to this connection (Manage accounts).
    pub linked_here: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub connection_id: ConnectionId,
    /// Accounts newly linked to the connection.
    pub imported: usize,
    /// Accounts this connection stopped syncing (Manage accounts).
    pub stopped: usize,
    /// What the page says it did.
    pub notice: String,
}

/// What became of a disconnected connection's token at TikTok (it is deleted here whatever).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Revocation {
    /// Revoked, or TikTok already had it dead; or, as far as this workspace may know, ended:
    /// another workspace's connection of the same TikTok user keeps it valid, which is that
    /// workspace's business (the log says so).
    Revoked,
    /// Left valid: another live connection (or a waiting authorization) of the same TikTok
    /// user may hold the same token, as TikTok hands a user the same token again.
    InUseElsewhere,
    /// TikTok could not be reached (never retried: a revoke spends the token).
    Unreachable,
    /// The stored token could not be read (its key is missing), so there was nothing to send.
    Unreadable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisconnectSummary {
    pub revocation: Revocation,
    pub accounts_disconnected: usize,
    /// What the page says it did.
    pub notice: String,
}

/// Follows the first syncs an import started, so the page says **one** thing when they have all
/// ended: the import's total, not each account's count as it finishes.
#[derive(Debug, Clone, Default)]
pub struct ImportWatch {
    /// Accounts seen with a first sync pending since the last announcement.
    watched: std::collections::BTreeSet<AccountId>,
}

impl ImportWatch {
    /// Takes the accounts as a reload shows them; returns the toast once every watched first
    /// sync has ended (an account gone from the page has ended too). When none of them succeeded
    /// there is nothing to announce: each card says why its sync failed.
    pub fn observe<'a>(&mut self, accounts: impl IntoIterator<Item = &'a AccountRow>) -> Option<String> {
        let accounts: Vec<&AccountRow> = accounts.into_iter().collect();
        self.watched.extend(accounts.iter().filter(|a| a.first_sync == FirstSync::Pending).map(|a| a.id));
        let watched: Vec<&&AccountRow> = accounts.iter().filter(|a| self.watched.contains(&a.id)).collect();
        if self.watched.is_empty() || watched.iter().any(|a| a.first_sync == FirstSync::Pending) {
            return None;
        }
        self.watched.clear();
        let brought: Vec<u64> = watched
            .iter()
            .filter_map(|a| match a.first_sync {
                FirstSync::Done { campaigns } => Some(campaigns),
                FirstSync::Pending | FirstSync::Over => None,
            })
            .collect();
        match brought.iter().sum::<u64>() {
            _ if brought.is_empty() => None,
            0 => Some("The import brought no campaigns from TikTok: these accounts have none yet".to_string()),
            1 => Some("Imported 1 campaign from TikTok".to_string()),
            n => Some(format!("Imported {n} campaigns from TikTok")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i32, first_sync: FirstSync) -> AccountRow {
        AccountRow {
            id: AccountId(id),
            advertiser_id: format!("{id}"),
            name: format!("Account {id}"),
            tiktok_status: None,
            sync_label: String::new(),
            shared: false,
            run: None,
            sync_error: None,
            gaps: vec![],
            data_check: None,
            counts: None,
            first_sync,
        }
    }

    #[test]
    fn an_import_is_announced_once_with_its_total_when_every_first_sync_has_ended() {
        let mut watch = ImportWatch::default();
        let pending = [account(1, FirstSync::Pending), account(2, FirstSync::Pending)];
        assert_eq!(watch.observe(&pending), None);
        // The account with no campaigns finishes first: nothing yet.
        let one_done = [account(1, FirstSync::Done { campaigns: 0 }), account(2, FirstSync::Pending)];
        assert_eq!(watch.observe(&one_done), None);
        let both_done = [account(1, FirstSync::Done { campaigns: 0 }), account(2, FirstSync::Done { campaigns: 17 })];
        assert_eq!(watch.observe(&both_done).as_deref(), Some("Imported 17 campaigns from TikTok"));
        // Said once: the next reload is quiet.
        assert_eq!(watch.observe(&both_done), None);
    }

    #[test]
    fn an_import_that_brought_no_campaigns_says_so_plainly() {
        let mut watch = ImportWatch::default();
        watch.observe(&[account(1, FirstSync::Pending)]);
        let said = watch.observe(&[account(1, FirstSync::Done { campaigns: 0 })]);
        assert_eq!(said.as_deref(), Some("The import brought no campaigns from TikTok: these accounts have none yet"));
    }

    #[test]
    fn one_campaign_is_singular() {
        let mut watch = ImportWatch::default();
        watch.observe(&[account(1, FirstSync::Pending)]);
        let said = watch.observe(&[account(1, FirstSync::Done { campaigns: 1 })]);
        assert_eq!(said.as_deref(), Some("Imported 1 campaign from TikTok"));
    }

    #[test]
    fn failed_first_syncs_are_left_to_their_cards_and_count_nothing() {
        let mut watch = ImportWatch::default();
        watch.observe(&[account(1, FirstSync::Pending), account(2, FirstSync::Pending)]);
        assert_eq!(watch.observe(&[account(1, FirstSync::Over), account(2, FirstSync::Over)]), None);
        watch.observe(&[account(1, FirstSync::Pending), account(2, FirstSync::Pending)]);
        let said = watch.observe(&[account(1, FirstSync::Over), account(2, FirstSync::Done { campaigns: 3 })]);
        assert_eq!(said.as_deref(), Some("Imported 3 campaigns from TikTok"));
    }

    #[test]
    fn an_account_removed_while_syncing_does_not_hold_the_announcement_back() {
        let mut watch = ImportWatch::default();
        watch.observe(&[account(1, FirstSync::Pending), account(2, FirstSync::Pending)]);
        let said = watch.observe(&[account(2, FirstSync::Done { campaigns: 4 })]);
        assert_eq!(said.as_deref(), Some("Imported 4 campaigns from TikTok"));
    }

    #[test]
    fn nothing_is_said_when_nothing_was_watched() {
        let mut watch = ImportWatch::default();
        assert_eq!(watch.observe(&[account(1, FirstSync::Done { campaigns: 9 })]), None);
    }

    #[test]
    fn the_start_url_keeps_the_window_mode_and_the_connection() {
        assert_eq!(start_url(false, None), "/connect/tiktok/start");
        assert_eq!(start_url(true, None), "/connect/tiktok/start?window=same");
        assert_eq!(start_url(true, Some(ConnectionId(4))), "/connect/tiktok/start?window=same&reconnect=4");
        assert_eq!(start_url(false, Some(ConnectionId(4))), "/connect/tiktok/start?reconnect=4");
    }

    #[test]
    fn review_states_are_pending_review() {
        assert!(is_pending_review(Some("STATUS_PENDING_CONFIRM")));
        assert!(is_pending_review(Some("STATUS_PENDING_VERIFIED")));
        assert!(!is_pending_review(Some("STATUS_ENABLE")));
        assert!(!is_pending_review(None));
        assert_eq!(status_label(Some("STATUS_PENDING_CONFIRM")), "Pending review");
    }
}
