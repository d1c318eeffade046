//! Authorized grants waiting for their advertisers to be picked, and the cleanup that keeps
//! secrets from lingering: expired grants are revoked at TikTok and deleted, expired OAuth
//! states deleted.

use super::{oauth_state, ConnectError, ConnectService, TikTokIdentity};
use crate::{auth::CurrentUser, db::entities::tiktok_pending_grant, model::ids::GrantId, tiktok::TokenGrant};
use chrono::Duration;
use sea_orm::{sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};

/// How long an authorized grant waits for its advertisers to be picked.
pub const PENDING_GRANT_LIFETIME: Duration = Duration::hours(1);

/// What a cleanup pass removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CleanupReport {
    pub states_deleted: u64,
    pub grants_deleted: u64,
    /// Expired grants whose token TikTok confirmed revoked.
    pub grants_revoked: u64,
}

impl ConnectService {
    pub(super) async fn store_pending(
        &self,
        user: &CurrentUser,
        grant: &TokenGrant,
        identity: TikTokIdentity,
    ) -> Result<i32, DbErr> {
        let sealed = self.credentials.seal(user.workspace_id, &identity.key, grant);
        let now = self.clock.now();
        let row = tiktok_pending_grant::ActiveModel {
            workspace_id: Set(user.workspace_id),
            user_id: Set(user.user_id),
            tiktok_user_key: Set(identity.key),
            tiktok_display_name: Set(identity.display_name),
            tiktok_email: Set(identity.email),
            key_id: Set(sealed.key_id),
            token_format: Set(sealed.format),
            access_token_enc: Set(Some(sealed.access)),
            refresh_token_enc: Set(sealed.refresh),
            access_expires_at: Set(sealed.access_expires_at),
            refresh_expires_at: Set(sealed.refresh_expires_at),
            scope: Set(sealed.scope),
            imported_at: Set(None),
            imported_connection_id: Set(None),
            expires_at: Set(now + PENDING_GRANT_LIFETIME),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(row.id)
    }

    /// This member's grant, or NotFound (another member's or workspace's grant looks absent).
    pub(super) async fn pending_grant(
        &self,
        user: &CurrentUser,
        id: GrantId,
    ) -> Result<tiktok_pending_grant::Model, ConnectError> {
        tiktok_pending_grant::Entity::find_by_id(id.0)
            .filter(tiktok_pending_grant::Column::WorkspaceId.eq(user.workspace_id))
            .filter(tiktok_pending_grant::Column::UserId.eq(user.user_id))
            .one(&self.db)
            .await?
            .ok_or(ConnectError::GrantNotFound)
    }

    /// Deletes expired OAuth states and grants; an expired grant that was never imported still
    /// holds a live token, so it is revoked at TikTok first (best effort: it is deleted here
    /// either way).
    pub async fn cleanup(&self) -> Result<CleanupReport, DbErr> {
        let now = self.clock.now();
        let mut report =
            CleanupReport { states_deleted: oauth_state::delete_expired(&self.db, now).await?, ..Default::default() };
        let expired = tiktok_pending_grant::Entity::find()
            .filter(tiktok_pending_grant::Column::ExpiresAt.lte(now))
            .all(&self.db)
            .await?;
        for grant in expired {
            // Checked before it is claimed: a check that fails leaves the grant as it was, for
            // the next pass, instead of claimed and then deleted unrevoked.
            let live = grant.imported_at.is_none() && grant.access_token_enc.is_some();
            let in_use = live && !self.nobody_holds(&grant.tiktok_user_key).await?;
            // Claimed like an import claims it, so an import at the last moment and this
            // cleanup never both use the token.
            let claimed = live
                && tiktok_pending_grant::Entity::update_many()
                    .col_expr(tiktok_pending_grant::Column::ImportedAt, Expr::value(now))
                    .filter(tiktok_pending_grant::Column::Id.eq(grant.id))
                    .filter(tiktok_pending_grant::Column::ImportedAt.is_null())
                    .exec(&self.db)
                    .await?
                    .rows_affected
                    == 1;
            // The same user connected, or authorizing again: TikTok may have handed them this
            // very token, so it is left to expire at TikTok rather than cut a live connection off.
            if claimed && in_use {
                tracing::info!(
                    grant.id = grant.id,
                    "an expired authorization's TikTok user is connected; its token is not revoked"
                );
            }
            if claimed && !in_use {
                match self.credentials.open_grant(&grant) {
                    Ok(token) => match self.patient.revoke(&token).await {
                        Ok(_) => report.grants_revoked += 1,
                        Err(e) => {
                            tracing::warn!(grant.id = grant.id, error = %e, "could not revoke an expired authorization at TikTok; deleting it here anyway")
                        }
                    },
                    Err(e) => {
                        tracing::warn!(grant.id = grant.id, error = %e, "an expired authorization cannot be read; deleting it")
                    }
                }
            }
            let deleted = tiktok_pending_grant::Entity::delete_by_id(grant.id).exec(&self.db).await?;
            report.grants_deleted += deleted.rows_affected;
        }
        if report != CleanupReport::default() {
            tracing::info!(
                states.deleted = report.states_deleted,
                grants.deleted = report.grants_deleted,
                grants.revoked = report.grants_revoked,
                "cleaned up expired authorizations"
            );
        }
        Ok(report)
    }
}
