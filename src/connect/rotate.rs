//! `wevion rotate-token-key`: re-encrypts every stored TikTok token with `TIKTOK_TOKEN_KEY`,
//! reading ones sealed with `TIKTOK_TOKEN_KEY_PREVIOUS`. Safe while the app runs: a row is
//! rewritten only if it still holds the ciphertext that was read, so a token replaced in the
//! meantime (a reconnect) is never overwritten with the old one.

use crate::{
    db::entities::{tiktok_pending_grant, tiktok_token},
    token_crypto::TokenKeys,
};
use sea_orm::{sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// The same secrets sealed under the current key.
fn reseal(keys: &TokenKeys, key_id: &str, blob: Option<&[u8]>) -> anyhow::Result<Option<Vec<u8>>> {
    blob.map(|b| Ok(keys.encrypt(&keys.decrypt(key_id, b)?).blob)).transpose()
}

/// Returns how many rows were re-encrypted.
pub async fn rotate(db: &DatabaseConnection, keys: &TokenKeys) -> anyhow::Result<usize> {
    let current = keys.current_key_id().to_owned();
    let mut rotated = 0;
    for row in tiktok_token::Entity::find().filter(tiktok_token::Column::KeyId.ne(&current)).all(db).await? {
        let (Some(access), refresh) = (
            reseal(keys, &row.key_id, row.access_token_enc.as_deref())?,
            reseal(keys, &row.key_id, row.refresh_token_enc.as_deref())?,
        ) else {
            continue; // disconnected: no secret left
        };
        let done = tiktok_token::Entity::update_many()
            .col_expr(tiktok_token::Column::AccessTokenEnc, Expr::value(access))
            .col_expr(tiktok_token::Column::RefreshTokenEnc, Expr::value(refresh))
            .col_expr(tiktok_token::Column::KeyId, Expr::value(current.clone()))
            .filter(tiktok_token::Column::Id.eq(row.id))
            .filter(tiktok_token::Column::KeyId.eq(&row.key_id))
            .filter(tiktok_token::Column::UpdatedAt.eq(row.updated_at))
            .exec(db)
            .await?;
        rotated += done.rows_affected as usize;
    }
    for row in
        tiktok_pending_grant::Entity::find().filter(tiktok_pending_grant::Column::KeyId.ne(&current)).all(db).await?
    {
        let (Some(access), refresh) = (
            reseal(keys, &row.key_id, row.access_token_enc.as_deref())?,
            reseal(keys, &row.key_id, row.refresh_token_enc.as_deref())?,
        ) else {
            continue; // imported: the secret moved to its connection
        };
        let done = tiktok_pending_grant::Entity::update_many()
            .col_expr(tiktok_pending_grant::Column::AccessTokenEnc, Expr::value(access))
            .col_expr(tiktok_pending_grant::Column::RefreshTokenEnc, Expr::value(refresh))
            .col_expr(tiktok_pending_grant::Column::KeyId, Expr::value(current.clone()))
            .filter(tiktok_pending_grant::Column::Id.eq(row.id))
            .filter(tiktok_pending_grant::Column::KeyId.eq(&row.key_id))
            .filter(tiktok_pending_grant::Column::ImportedTokenId.is_null())
            .exec(db)
            .await?;
        rotated += done.rows_affected as usize;
    }
    Ok(rotated)
}
