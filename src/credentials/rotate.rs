//! `wevion rotate-token-key`: seals every stored TikTok token again with `TIKTOK_TOKEN_KEY` in
//! the current format, reading ones sealed with `TIKTOK_TOKEN_KEY_PREVIOUS` or in the legacy
//! format. Safe while the app runs: a row is rewritten only if it still holds the token that was
//! read. A row that cannot be read or written is reported (an unreadable connection is marked
//! Reconnect) without stopping the rotation, and the command then fails.

use super::{Credentials, ResealError, Resealed};
use crate::{
    db::entities::{tiktok_connection, tiktok_pending_grant},
    token_crypto::{Binding, Column, CryptoError},
};
use sea_orm::{sea_query::Expr, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter};

/// What a rotation did.
#[derive(Debug, Default)]
pub struct RotationReport {
    pub resealed: usize,
    /// Rows still sealed the old way: the rotation is not complete while this holds any.
    pub failed: Vec<FailedRow>,
}

/// A stored token the rotation left as it was.
#[derive(Debug)]
pub struct FailedRow {
    pub what: &'static str,
    pub id: i32,
    pub failure: RowFailure,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFailure {
    /// Neither key opens it.
    Unreadable,
    /// It opened, but the database refused the rewrite.
    NotWritten,
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
            let failure = match self.reseal(&row).await {
                Ok(Resealed::Done) => {
                    report.resealed += 1;
                    continue;
                }
                Ok(Resealed::Replaced) => continue, // a newer token, sealed with the current key
                Err(ResealError::Write(e)) => (RowFailure::NotWritten, e.to_string()),
                Err(ResealError::Crypto(e)) => {
                    // A key missing from the settings is fixed there; only damage needs Reconnect.
                    if matches!(e, CryptoError::Damaged) {
                        let evidence = format!("The stored token cannot be read during a key rotation ({e}).");
                        self.needs_reconnect(row.id, row.token_generation, &evidence).await;
                    }
                    (RowFailure::Unreadable, e.to_string())
                }
            };
            report.failed.push(FailedRow { what: "connection", id: row.id, failure: failure.0, reason: failure.1 });
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
            let what = "pending authorization";
            let (Ok(Some(access)), Ok(refresh)) = (access, refresh) else {
                let (failure, reason) = (RowFailure::Unreadable, "neither key opens it".into());
                report.failed.push(FailedRow { what, id: grant.id, failure, reason });
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
                .await;
            match done {
                Ok(done) => report.resealed += done.rows_affected as usize,
                Err(e) => {
                    let (failure, reason) = (RowFailure::NotWritten, format!("the database refused the rewrite: {e}"));
                    report.failed.push(FailedRow { what, id: grant.id, failure, reason });
                }
            }
        }
        Ok(report)
    }
}
