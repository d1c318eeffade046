//! `wevion rotate-token-key`: seals every stored TikTok token again with `TIKTOK_TOKEN_KEY` in
//! the current format, reading ones sealed with `TIKTOK_TOKEN_KEY_PREVIOUS` or in the legacy
//! format. Safe while the app runs: a row is rewritten only if it still holds the token that was
//! read. A row that cannot be read is reported (and its connection marked Reconnect) without
//! stopping the rotation.

use super::Credentials;
use crate::{
    db::entities::{tiktok_connection, tiktok_pending_grant},
    token_crypto::{Binding, Column, CryptoError},
};
use sea_orm::{sea_query::Expr, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter};

/// What a rotation did.
#[derive(Debug, Default)]
pub struct RotationReport {
    pub resealed: usize,
    pub unreadable: Vec<UnreadableRow>,
}

/// A stored token that neither key opens.
#[derive(Debug)]
pub struct UnreadableRow {
    pub what: &'static str,
    pub id: i32,
    pub reason: String,
}

impl Credentials {
    pub async fn rotate_keys(&self) -> Result<RotationReport, DbErr> {
        let mut report = RotationReport::default();
        let current = self.keys.current_key_id().to_owned();
        let stale = |key: tiktok_connection::Column, format: tiktok_connection::Column| {
            Condition::any().add(key.ne(current.clone())).add(format.lt(crate::token_crypto::CURRENT_FORMAT))
        };
        let connections = tiktok_connection::Entity::find()
            .filter(stale(tiktok_connection::Column::KeyId, tiktok_connection::Column::TokenFormat))
            .filter(tiktok_connection::Column::AccessTokenEnc.is_not_null())
            .all(&self.db)
            .await?;
        for row in connections {
            match self.reseal(&row).await {
                Ok(true) => report.resealed += 1,
                Ok(false) => {} // replaced meanwhile by a newer token, sealed with the current key
                Err(e) => {
                    let reason = e.to_string();
                    // A key missing from the settings is fixed there; only damage needs Reconnect.
                    if matches!(e, CryptoError::Damaged) {
                        let evidence = format!("The stored token cannot be read during a key rotation ({reason}).");
                        self.needs_reconnect(row.id, row.token_generation, &evidence).await;
                    }
                    report.unreadable.push(UnreadableRow { what: "connection", id: row.id, reason });
                }
            }
        }

        let grants = tiktok_pending_grant::Entity::find()
            .filter(
                Condition::any()
                    .add(tiktok_pending_grant::Column::KeyId.ne(current.clone()))
                    .add(tiktok_pending_grant::Column::TokenFormat.lt(crate::token_crypto::CURRENT_FORMAT)),
            )
            .filter(tiktok_pending_grant::Column::ImportedAt.is_null())
            .filter(tiktok_pending_grant::Column::AccessTokenEnc.is_not_null())
            .all(&self.db)
            .await?;
        for grant in grants {
            let bind =
                |column| Binding { workspace_id: grant.workspace_id, tiktok_user: &grant.tiktok_user_key, column };
            let open = |blob: &[u8], column| self.keys.decrypt(&grant.key_id, grant.token_format, blob, bind(column));
            let access = grant.access_token_enc.as_deref().map(|b| open(b, Column::Access)).transpose();
            let refresh = grant.refresh_token_enc.as_deref().map(|b| open(b, Column::Refresh)).transpose();
            let (Ok(Some(access)), Ok(refresh)) = (access, refresh) else {
                report.unreadable.push(UnreadableRow {
                    what: "pending authorization",
                    id: grant.id,
                    reason: "neither key opens it".into(),
                });
                continue;
            };
            let access = self.keys.encrypt(&access, bind(Column::Access));
            let refresh = refresh.map(|r| self.keys.encrypt(&r, bind(Column::Refresh)).blob);
            let done = tiktok_pending_grant::Entity::update_many()
                .col_expr(tiktok_pending_grant::Column::AccessTokenEnc, Expr::value(access.blob))
                .col_expr(tiktok_pending_grant::Column::RefreshTokenEnc, Expr::value(refresh))
                .col_expr(tiktok_pending_grant::Column::KeyId, Expr::value(access.key_id))
                .col_expr(tiktok_pending_grant::Column::TokenFormat, Expr::value(access.format))
                .filter(tiktok_pending_grant::Column::Id.eq(grant.id))
                .filter(tiktok_pending_grant::Column::KeyId.eq(&grant.key_id))
                .filter(tiktok_pending_grant::Column::ImportedAt.is_null())
                .exec(&self.db)
                .await?;
            report.resealed += done.rows_affected as usize;
        }
        Ok(report)
    }
}
