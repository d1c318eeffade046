//! Why a step of the connect flow did not happen. The words are in `messages`.

use crate::{credentials::CredentialError, tiktok::TikTokError};
use sea_orm::DbErr;

/// What the flow was doing at TikTok when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    ListingAdvertisers,
    Revoking,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no such connection in this workspace")]
    ConnectionNotFound,
    #[error("no such authorization for this member")]
    GrantNotFound,
    #[error("the authorization expired before its advertisers were picked")]
    GrantExpired,
    #[error("the authorization was already imported")]
    GrantAlreadyImported,
    #[error("no advertiser account was selected")]
    NothingSelected,
    #[error("advertisers this TikTok user cannot reach: {0:?}")]
    NotReachable(Vec<String>),
    #[error("TikTok no longer accepts this connection's token: {evidence}")]
    NeedsReconnect { evidence: String },
    #[error("TikTok failed while {doing:?}: {err}")]
    TikTok { err: TikTokError, doing: Doing },
    /// A stored token is sealed under a key the server lacks (its configuration).
    #[error("{0}")]
    KeyMissing(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl ConnectError {
    pub fn tiktok(err: TikTokError, doing: Doing) -> Self {
        Self::TikTok { err, doing }
    }

    /// A credentials failure while doing something at TikTok.
    pub fn credentials(err: CredentialError, doing: Doing) -> Self {
        match err {
            CredentialError::Gone(_) => Self::ConnectionNotFound,
            CredentialError::NeedsReconnect { evidence } => Self::NeedsReconnect { evidence },
            CredentialError::TikTok(err) => Self::TikTok { err, doing },
            CredentialError::KeyMissing(e) => Self::KeyMissing(e),
            CredentialError::Db(e) => Self::Db(e),
        }
    }
}
