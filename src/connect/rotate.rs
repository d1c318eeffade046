//! `wevion rotate-token-key`: re-encrypts every stored TikTok token with `TIKTOK_TOKEN_KEY`,
//! reading ones sealed with `TIKTOK_TOKEN_KEY_PREVIOUS`.

use crate::{
    db::entities::{tiktok_pending_grant, tiktok_token},
    token_crypto::TokenKeys,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, TransactionTrait};
use secrecy::SecretString;

fn reseal(keys: &TokenKeys, key_id: &str, blob: &Option<Vec<u8>>) -> anyhow::Result<Option<Vec<u8>>> {
    match blob {
        None => Ok(None),
        Some(blob) => {
            let plain: SecretString = keys.decrypt(key_id, blob)?;
            Ok(Some(keys.encrypt(&plain).blob))
        }
    }
}

/// Returns how many rows were re-encrypted. All or nothing: one transaction.
pub async fn rotate(db: &DatabaseConnection, keys: &TokenKeys) -> anyhow::Result<usize> {
    let txn = db.begin().await?;
    let mut rotated = 0;
    for row in tiktok_token::Entity::find().all(&txn).await? {
        if !keys.needs_rotation(&row.key_id) {
            continue;
        }
        let access = reseal(keys, &row.key_id, &row.access_token_enc)?;
        let refresh = reseal(keys, &row.key_id, &row.refresh_token_enc)?;
        let mut active: tiktok_token::ActiveModel = row.into();
        active.access_token_enc = Set(access);
        active.refresh_token_enc = Set(refresh);
        active.key_id = Set(keys.current_key_id().to_owned());
        active.update(&txn).await?;
        rotated += 1;
    }
    for row in tiktok_pending_grant::Entity::find().all(&txn).await? {
        if !keys.needs_rotation(&row.key_id) {
            continue;
        }
        let access = reseal(keys, &row.key_id, &row.access_token_enc)?;
        let refresh = reseal(keys, &row.key_id, &row.refresh_token_enc)?;
        let mut active: tiktok_pending_grant::ActiveModel = row.into();
        active.access_token_enc = Set(access);
        active.refresh_token_enc = Set(refresh);
        active.key_id = Set(keys.current_key_id().to_owned());
        active.update(&txn).await?;
        rotated += 1;
    }
    txn.commit().await?;
    Ok(rotated)
}
