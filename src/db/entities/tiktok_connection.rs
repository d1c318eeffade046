//! A connected TikTok user in a workspace: its encrypted tokens and its auth health (kept apart
//! from the sync health of its ad accounts).

use sea_orm::entity::prelude::*;

/// Auth health of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AuthStatus {
    #[sea_orm(string_value = "healthy")]
    Healthy,
    /// TikTok rejected the refresh token (or a long-term token): only Reconnect helps.
    #[sea_orm(string_value = "needs_reconnect")]
    NeedsReconnect,
    /// Disconnected by a member: the secret is deleted, the row and its history stay.
    #[sea_orm(string_value = "disconnected")]
    Disconnected,
}

/// An advertiser a connection can reach (the JSON in `available_advertisers`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReachableAdvertiser {
    pub advertiser_id: String,
    pub name: Option<String>,
}

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiktok_connection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub workspace_id: i32,
    pub connected_by_user_id: i32,
    /// TikTok's core_user_id, or a stand-in when user/info is unavailable.
    pub tiktok_user_key: String,
    pub tiktok_display_name: Option<String>,
    pub tiktok_email: Option<String>,
    pub key_id: String,
    /// See `token_crypto`: 1 (legacy) or 2 (bound to workspace, TikTok user and column).
    pub token_format: i16,
    /// Bumped by every token write, so a writer can tell it holds the newest token.
    pub token_generation: i32,
    pub access_token_enc: Option<Vec<u8>>,
    pub refresh_token_enc: Option<Vec<u8>>,
    pub access_expires_at: Option<ChronoDateTimeUtc>,
    pub refresh_expires_at: Option<ChronoDateTimeUtc>,
    pub scope: String,
    pub auth_status: AuthStatus,
    pub auth_error: Option<String>,
    pub auth_error_at: Option<ChronoDateTimeUtc>,
    pub auth_warning: Option<String>,
    pub auth_warning_at: Option<ChronoDateTimeUtc>,
    /// A refresh in flight somewhere holds this lease (single flight across instances).
    pub refresh_locked_until: Option<ChronoDateTimeUtc>,
    pub connected_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub disconnected_at: Option<ChronoDateTimeUtc>,
    /// Advertiser ids (JSON) this connection reached at its last look.
    pub known_advertisers: Option<String>,
    /// New advertisers in the Business Center since, waiting for a one-click import (JSON).
    pub available_advertisers: Option<String>,
    pub advertisers_checked_at: Option<ChronoDateTimeUtc>,
}

// Ciphertexts stay out of Debug output too.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TiktokConnection")
            .field("id", &self.id)
            .field("workspace_id", &self.workspace_id)
            .field("tiktok_user_key", &self.tiktok_user_key)
            .field("auth_status", &self.auth_status)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::tiktok_access_path::Entity")]
    AccessPaths,
}

impl Related<super::tiktok_access_path::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccessPaths.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// New advertisers in the Business Center waiting for a one-click import.
    pub fn available(&self) -> Vec<ReachableAdvertiser> {
        self.available_advertisers.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }

    /// The advertiser ids this connection reached at its last look.
    pub fn known(&self) -> Option<Vec<String>> {
        self.known_advertisers.as_deref().and_then(|j| serde_json::from_str(j).ok())
    }
}
