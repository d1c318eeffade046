//! The advertiser picker: what a TikTok user can reach, each marked when the workspace already
//! imports it through a teammate, or through this very connection (Manage accounts).

use super::{connection_of, ConnectError, ConnectService, Doing};
use crate::{
    auth::CurrentUser,
    db::entities::{
        tiktok_access_path, tiktok_ad_account,
        tiktok_ad_account::SyncState,
        tiktok_connection::{self, AuthStatus},
    },
    model::connect::PickerSource,
    tiktok::{wire::AdvertiserInfo, TikTokError},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::SecretString;
use std::collections::HashSet;

#[derive(Debug, Clone)]
pub struct PickerView {
    pub source: PickerSource,
    pub tiktok_name: Option<String>,
    pub advertisers: Vec<ReachableAdvertiser>,
}

#[derive(Debug, Clone)]
pub struct ReachableAdvertiser {
    pub info: AdvertiserInfo,
    /// Already synced in this workspace through another connection.
    pub imported_elsewhere: bool,
    /// Linked to the connection behind this picker.
    pub linked_here: bool,
}

/// The advertisers a picker source reaches, and who it is.
pub(super) struct Reach {
    pub advertisers: Vec<AdvertiserInfo>,
    pub tiktok_name: Option<String>,
    /// The live connection of this TikTok user in the workspace, if any.
    pub connection_id: Option<i32>,
}

impl ConnectService {
    pub async fn picker(&self, user: &CurrentUser, source: PickerSource) -> Result<PickerView, ConnectError> {
        let reach = self.reach(user, source).await?;
        let existing = tiktok_ad_account::Entity::find()
            .filter(tiktok_ad_account::Column::WorkspaceId.eq(user.workspace_id))
            .filter(
                tiktok_ad_account::Column::AdvertiserId
                    .is_in(reach.advertisers.iter().map(|a| a.advertiser_id.clone())),
            )
            .all(&self.db)
            .await?;
        let linked_here: HashSet<i32> = match reach.connection_id {
            Some(id) => tiktok_access_path::Entity::find()
                .filter(tiktok_access_path::Column::ConnectionId.eq(id))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|p| p.ad_account_id)
                .collect(),
            None => HashSet::new(),
        };
        let mut advertisers: Vec<ReachableAdvertiser> = reach
            .advertisers
            .into_iter()
            .map(|info| {
                let account = existing.iter().find(|e| e.advertiser_id == info.advertiser_id);
                let here = account.is_some_and(|e| linked_here.contains(&e.id));
                ReachableAdvertiser {
                    imported_elsewhere: account.is_some_and(|e| e.sync_state == SyncState::Active) && !here,
                    linked_here: here,
                    info,
                }
            })
            .collect();
        advertisers.sort_by(|a, b| a.info.name.cmp(&b.info.name).then(a.info.advertiser_id.cmp(&b.info.advertiser_id)));
        Ok(PickerView { source, tiktok_name: reach.tiktok_name, advertisers })
    }

    /// Asks TikTok what a picker source reaches. A fresh grant must still be waiting; a
    /// connection goes through its credentials (refresh, Reconnect).
    pub(super) async fn reach(&self, user: &CurrentUser, source: PickerSource) -> Result<Reach, ConnectError> {
        match source {
            PickerSource::Grant(id) => {
                let grant = self.pending_grant(user, id).await?;
                if grant.imported_at.is_some() {
                    return Err(ConnectError::GrantAlreadyImported);
                }
                if grant.expires_at <= self.clock.now() {
                    return Err(ConnectError::GrantExpired);
                }
                let token = self.credentials.open_grant(&grant).map_err(|e| {
                    tracing::error!(grant.id = id.0, error = %e, "cannot decrypt a pending authorization");
                    ConnectError::GrantExpired
                })?;
                let advertisers =
                    self.reachable(&token).await.map_err(|e| ConnectError::tiktok(e, Doing::ListingAdvertisers))?;
                let connection_id = tiktok_connection::Entity::find()
                    .filter(tiktok_connection::Column::WorkspaceId.eq(user.workspace_id))
                    .filter(tiktok_connection::Column::TiktokUserKey.eq(&grant.tiktok_user_key))
                    .filter(tiktok_connection::Column::AuthStatus.ne(AuthStatus::Disconnected))
                    .one(&self.db)
                    .await?
                    .map(|c| c.id);
                Ok(Reach { advertisers, tiktok_name: grant.tiktok_display_name, connection_id })
            }
            PickerSource::Connection(id) => {
                let connection = connection_of(&self.db, user, id).await?;
                let advertisers = self
                    .credentials
                    .with_token(id.0, |token| async move { self.reachable(&token).await })
                    .await
                    .map_err(|e| ConnectError::credentials(e, Doing::ListingAdvertisers))?;
                Ok(Reach { advertisers, tiktok_name: connection.tiktok_display_name, connection_id: Some(id.0) })
            }
        }
    }

    /// The advertisers this token reaches, with their details (asked in batches).
    async fn reachable(&self, token: &SecretString) -> Result<Vec<AdvertiserInfo>, TikTokError> {
        let refs = self.tiktok.advertisers(token).await?;
        let ids: Vec<String> = refs.iter().map(|r| r.advertiser_id.clone()).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut info = self.tiktok.advertiser_info(token, &ids).await?;
        // Keep advertisers TikTok listed but gave no details for, with the name it did give.
        for r in refs {
            if !info.iter().any(|i| i.advertiser_id == r.advertiser_id) {
                info.push(AdvertiserInfo::named(r.advertiser_id, r.advertiser_name));
            }
        }
        Ok(info)
    }
}
