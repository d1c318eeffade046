//! The sandbox's state: its people, advertiser accounts, OAuth grants and what tests changed.

use super::{api::faults::Fault, data::Generator, SandboxSettings};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// An app registered with the sandbox: its secret and the redirect URIs it may use.
#[derive(Debug, Clone)]
pub struct RegisteredApp {
    pub app_id: String,
    pub secret: String,
    pub redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    Business,
    Personal,
}

#[derive(Debug, Clone)]
pub struct SandboxUser {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub kind: UserKind,
    /// Advertisers this user has a role on (their Business Center).
    pub advertisers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SandboxAdvertiser {
    pub id: String,
    pub index: u32,
    pub name: String,
    pub company: String,
    pub status: String,
    pub currency: String,
    /// IANA name; TikTok sends it as both `timezone` and `display_timezone` here.
    pub timezone: String,
    pub country: String,
    /// Report metrics this advertiser's reports answer `"-"` for (not applicable to it).
    pub not_applicable: std::collections::BTreeSet<String>,
}

/// What an advertiser without purchase tracking answers `"-"` for.
const PURCHASE_METRICS: [&str; 3] = ["complete_payment", "value_per_complete_payment", "total_purchase_value"];

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub user_id: String,
    pub app_id: String,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub user_id: String,
    pub app_id: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub user_id: String,
    pub app_id: String,
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub spent: bool,
}

pub struct World {
    pub config: SandboxSettings,
    pub apps: HashMap<String, RegisteredApp>,
    pub users: Vec<SandboxUser>,
    pub advertisers: BTreeMap<String, SandboxAdvertiser>,
    pub codes: HashMap<String, AuthCode>,
    pub access: HashMap<String, AccessGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub faults: Vec<Fault>,
    /// TikTok's timeout penalty for the app.
    pub penalty: super::api::penalty::Penalty,
    pub latency_ms: u64,
    /// When set, `oauth2/refresh_token/` answers this code.
    pub refresh_failure: Option<i64>,
    pub counts: BTreeMap<String, u64>,
    /// Requests answered per second (Unix time), to check a client keeps to a budget.
    pub per_second: BTreeMap<i64, u64>,
    /// Entities a test deleted (still listed with STATUS_ALL, status DELETE) or removed (never
    /// listed again), by TikTok id.
    pub deleted: std::collections::HashSet<String>,
    pub removed: std::collections::HashSet<String>,
    /// Per advertiser: the daily campaign report understates the first campaign's spend on the
    /// last day by this much (a data-check mismatch, on purpose).
    pub daily_spend_drift: HashMap<String, f64>,
    /// Per advertiser: campaigns created since the start, beyond the configured number.
    pub extra_campaigns: HashMap<String, u32>,
    /// Per advertiser: days that passed for attribution (conversions of earlier days grew).
    pub late_attribution: HashMap<String, super::data::LateAttribution>,
}

const MAX_EXTRA_CAMPAIGNS: u32 = 10_000;

pub const BUSINESS_USER: &str = "7100000000000000001";
pub const SECOND_BUSINESS_USER: &str = "7100000000000000002";
pub const PERSONAL_USER: &str = "7100000000000000003";

fn advertiser(
    index: u32,
    name: &str,
    company: &str,
    status: &str,
    currency: &str,
    timezone: &str,
    country: &str,
) -> SandboxAdvertiser {
    SandboxAdvertiser {
        id: advertiser_id(index),
        index,
        name: name.into(),
        company: company.into(),
        status: status.into(),
        currency: currency.into(),
        timezone: timezone.into(),
        country: country.into(),
        not_applicable: not_applicable_at_start(index),
    }
}

/// Globex Japan tracks no purchases: TikTok has none to report for it.
pub fn not_applicable_at_start(index: u32) -> std::collections::BTreeSet<String> {
    match index {
        4 => PURCHASE_METRICS.map(String::from).into(),
        _ => Default::default(),
    }
}

pub fn advertiser_id(index: u32) -> String {
    format!("70000000000000{index:05}")
}

impl World {
    pub fn new(config: SandboxSettings, apps: Vec<RegisteredApp>) -> Self {
        let advertisers = [
            advertiser(1, "Acme Shoes US", "Acme Inc.", "STATUS_ENABLE", "USD", "America/New_York", "US"),
            advertiser(2, "Acme Shoes EU", "Acme Inc.", "STATUS_ENABLE", "EUR", "Europe/Berlin", "DE"),
            advertiser(3, "Acme Outlet", "Acme Inc.", "STATUS_PENDING_CONFIRM", "USD", "America/Los_Angeles", "US"),
            advertiser(4, "Globex Japan", "Globex KK", "STATUS_ENABLE", "JPY", "Asia/Tokyo", "JP"),
        ]
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
        let users = vec![
            SandboxUser {
                id: BUSINESS_USER.into(),
                display_name: "Avery Business".into(),
                email: "avery@acme.example".into(),
                kind: UserKind::Business,
                advertisers: vec![advertiser_id(1), advertiser_id(2), advertiser_id(3)],
            },
            SandboxUser {
                id: SECOND_BUSINESS_USER.into(),
                display_name: "Blake Partner".into(),
                email: "blake@globex.example".into(),
                kind: UserKind::Business,
                advertisers: vec![advertiser_id(2), advertiser_id(4)],
            },
            SandboxUser {
                id: PERSONAL_USER.into(),
                display_name: "Casey Personal".into(),
                email: "casey@personal.example".into(),
                kind: UserKind::Personal,
                advertisers: vec![],
            },
        ];
        Self {
            config,
            apps: apps.into_iter().map(|a| (a.app_id.clone(), a)).collect(),
            users,
            advertisers,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            faults: Vec::new(),
            penalty: Default::default(),
            latency_ms: 0,
            refresh_failure: None,
            counts: BTreeMap::new(),
            per_second: BTreeMap::new(),
            deleted: Default::default(),
            removed: Default::default(),
            daily_spend_drift: HashMap::new(),
            late_attribution: HashMap::new(),
            extra_campaigns: HashMap::new(),
        }
    }

    pub fn user(&self, id: &str) -> Option<&SandboxUser> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn generator(&self, advertiser: &SandboxAdvertiser) -> Generator {
        let mut sizes = self.config.sizes;
        let extra = self.extra_campaigns.get(&advertiser.id).copied().unwrap_or(0);
        sizes.campaigns = sizes.campaigns.saturating_add(extra);
        let late = self.late_attribution.get(&advertiser.id).copied();
        Generator { seed: self.config.seed, index: advertiser.index, sizes, late }
    }

    /// A known advertiser gains a campaign (with its ad groups and ads), up to a bound.
    pub fn add_campaign(&mut self, advertiser_id: &str) {
        if self.advertisers.contains_key(advertiser_id) {
            let extra = self.extra_campaigns.entry(advertiser_id.to_owned()).or_default();
            *extra = (*extra + 1).min(MAX_EXTRA_CAMPAIGNS);
        }
    }

    /// Adds a Business user with no advertisers yet; returns their id.
    pub fn add_user(&mut self, display_name: &str) -> String {
        let id = format!("71000{:014}", 1000 + self.users.len());
        self.users.push(SandboxUser {
            id: id.clone(),
            display_name: display_name.into(),
            email: format!("user{}@sandbox.example", self.users.len() + 1),
            kind: UserKind::Business,
            advertisers: Vec::new(),
        });
        id
    }

    /// The user takes back the app's authorization: every access token of theirs stops working
    /// and their refresh tokens with them, as at TikTok. Returns how many access tokens died.
    pub fn revoke_user(&mut self, user_id: &str) -> usize {
        let mut revoked = 0;
        for grant in self.access.values_mut().filter(|g| g.user_id == user_id) {
            grant.revoked = true;
            revoked += 1;
        }
        self.refresh.values_mut().filter(|r| r.user_id == user_id).for_each(|r| r.spent = true);
        revoked
    }

    /// Takes an advertiser away from every user's Business Center.
    pub fn remove_advertiser(&mut self, advertiser_id: &str) -> bool {
        let mut found = false;
        for user in &mut self.users {
            let before = user.advertisers.len();
            user.advertisers.retain(|a| a != advertiser_id);
            found |= user.advertisers.len() != before;
        }
        found
    }

    /// Adds a new advertiser to a user's Business Center; returns its id.
    pub fn add_advertiser(&mut self, user_id: &str, name: &str, status: &str) -> Option<String> {
        let index = self.advertisers.values().map(|a| a.index).max().unwrap_or(0) + 1;
        let adv = advertiser(index, name, "Sandbox Co.", status, "USD", "America/New_York", "US");
        let id = adv.id.clone();
        let user = self.users.iter_mut().find(|u| u.id == user_id)?;
        user.advertisers.push(id.clone());
        self.advertisers.insert(id.clone(), adv);
        Some(id)
    }
}
