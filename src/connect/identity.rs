//! Who authorized: TikTok's user id, or, when the service has no `user/info/` (it is optional
//! in TikTok's contract), a stand-in key made from the advertiser ids the grant reaches.

use super::ConnectService;
use crate::tiktok::{ErrorKind, TikTokError, TokenGrant};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TikTokIdentity {
    pub key: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
}

impl ConnectService {
    pub(super) async fn identify(&self, grant: &TokenGrant) -> Result<TikTokIdentity, TikTokError> {
        match self.tiktok.user_info(&grant.access_token).await {
            Ok(info) => match info.core_user_id {
                Some(key) => Ok(TikTokIdentity {
                    key,
                    display_name: info.display_name.filter(|n| !n.is_empty()).or_else(|| info.email.clone()),
                    email: info.email,
                }),
                None => Ok(by_advertisers(grant)),
            },
            // Only a service without user/info gets the stand-in key; an outage must not make
            // the same person look like someone else.
            // A grant that reaches no advertiser has nothing to tell its user apart by: every such
            // user would share one key and overwrite each other's token.
            Err(err)
                if matches!(err.kind, ErrorKind::BadRequest | ErrorKind::Permission)
                    && !grant.advertiser_ids.is_empty() =>
            {
                tracing::info!(error = %err, "user/info unavailable; identifying the TikTok user by its advertisers");
                Ok(by_advertisers(grant))
            }
            Err(err) => Err(err),
        }
    }
}

fn by_advertisers(grant: &TokenGrant) -> TikTokIdentity {
    let mut ids = grant.advertiser_ids.clone();
    ids.sort();
    let digest = hex::encode(&Sha256::digest(ids.join(",").as_bytes())[..8]);
    TikTokIdentity { key: format!("advertisers:{digest}"), display_name: None, email: None }
}
