//! Starting an authorization (a fresh state, then TikTok's portal) and finishing it: the
//! callback checks the state, exchanges the code and either keeps the grant for the picker or
//! puts the new token on the connection being reconnected.

use super::{
    connection_of,
    oauth_state::{self, Purpose, StateProblem},
    ConnectError, ConnectService, TikTokIdentity,
};
use crate::{
    auth::CurrentUser,
    tiktok::{TikTokError, TokenGrant},
};
use sea_orm::DbErr;
use secrecy::SecretString;
use url::Url;

/// What TikTok sent the browser back with. Its Debug output leaves the code and state out.
#[derive(Default, Clone, serde::Deserialize)]
pub struct CallbackParams {
    pub auth_code: Option<String>,
    /// TikTok's standards-shaped alias of `auth_code`.
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl std::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = |v: &Option<String>| if v.is_some() { "[given]" } else { "[none]" };
        f.debug_struct("CallbackParams")
            .field("auth_code", &given(&self.auth_code))
            .field("code", &given(&self.code))
            .field("state", &given(&self.state))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

/// A finished authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// A new grant waits for its advertisers to be picked.
    Authorized {
        grant_id: i32,
        same_window: bool,
    },
    Reconnected {
        connection_id: i32,
        same_window: bool,
    },
}

/// How "Try again" should start over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryPlan {
    pub same_window: bool,
    pub reconnect: Option<i32>,
}

#[derive(Debug)]
pub struct CallbackFailure {
    pub problem: CallbackProblem,
    pub retry: RetryPlan,
}

#[derive(Debug)]
pub enum CallbackProblem {
    State(StateProblem),
    /// TikTok sent `error=…` instead of a code (the person cancelled, or TikTok refused).
    Denied {
        error: String,
        description: Option<String>,
    },
    NoCode,
    Exchange(TikTokError),
    Identity(TikTokError),
    /// Reconnect was authorized by another TikTok user than the connection's.
    DifferentUser {
        expected: Option<String>,
        got: Option<String>,
    },
    ConnectionGone,
    Db(DbErr),
}

impl ConnectService {
    /// Records a fresh state and returns TikTok's portal URL to send the member to.
    pub async fn start(
        &self,
        user: &CurrentUser,
        reconnect: Option<i32>,
        same_window: bool,
    ) -> Result<Url, ConnectError> {
        let purpose = match reconnect {
            Some(id) => {
                // Only this workspace's live connections can be reconnected.
                connection_of(&self.db, user, crate::model::ids::ConnectionId(id)).await?;
                Purpose::Reconnect(id)
            }
            None => Purpose::Connect,
        };
        let state = oauth_state::create(&self.db, user, purpose, same_window, self.clock.now()).await?;
        tracing::info!(user.id = user.user_id, workspace.id = user.workspace_id, purpose = ?purpose, "sending the member to TikTok to authorize");
        Ok(self.tiktok.authorize_url(&self.redirect_uri, &state))
    }

    /// Finishes an authorization TikTok sent back.
    pub async fn finish(&self, user: &CurrentUser, params: CallbackParams) -> Result<Finished, CallbackFailure> {
        let fail = |problem, retry| CallbackFailure { problem, retry };
        let spent = match oauth_state::consume(&self.db, params.state.as_deref(), user, self.clock.now()).await {
            Ok(Ok(spent)) => spent,
            Ok(Err(problem)) => {
                tracing::info!(user.id = user.user_id, problem = ?problem, "OAuth callback refused");
                return Err(fail(CallbackProblem::State(problem), RetryPlan::default()));
            }
            Err(e) => return Err(fail(CallbackProblem::Db(e), RetryPlan::default())),
        };
        let reconnect = match spent.purpose {
            Purpose::Reconnect(id) => Some(id),
            Purpose::Connect => None,
        };
        let retry = RetryPlan { same_window: spent.same_window, reconnect };

        if let Some(error) = params.error.filter(|e| !e.is_empty()) {
            tracing::info!(user.id = user.user_id, tiktok.error = %error, "TikTok sent the member back without a code");
            return Err(fail(CallbackProblem::Denied { error, description: params.error_description }, retry));
        }
        let Some(code) = params.auth_code.or(params.code).filter(|c| !c.is_empty()) else {
            return Err(fail(CallbackProblem::NoCode, retry));
        };
        let grant = self
            .tiktok
            .exchange_code(&SecretString::from(code))
            .await
            .map_err(|e| fail(CallbackProblem::Exchange(e), retry))?;
        let identity: TikTokIdentity =
            self.identify(&grant).await.map_err(|e| fail(CallbackProblem::Identity(e), retry))?;

        match spent.purpose {
            Purpose::Connect => {
                let grant_id = self
                    .store_pending(user, &grant, identity)
                    .await
                    .map_err(|e| fail(CallbackProblem::Db(e), retry))?;
                Ok(Finished::Authorized { grant_id, same_window: spent.same_window })
            }
            Purpose::Reconnect(id) => match self.reconnect(user, id, &grant, identity.clone()).await {
                Ok(()) => Ok(Finished::Reconnected { connection_id: id, same_window: spent.same_window }),
                Err(refused) => {
                    if !matches!(refused, ReconnectRefused::Db(_)) {
                        self.discard(&grant, &identity.key).await;
                    }
                    Err(match refused {
                        ReconnectRefused::DifferentUser { expected, got } => {
                            fail(CallbackProblem::DifferentUser { expected, got }, retry)
                        }
                        ReconnectRefused::Gone => fail(CallbackProblem::ConnectionGone, RetryPlan::default()),
                        ReconnectRefused::Db(e) => fail(CallbackProblem::Db(e), retry),
                    })
                }
            },
        }
    }

    /// A token we will not keep (a reconnect refused) is revoked at TikTok, best effort and
    /// never retried, so it does not stay live there with nobody holding it; unless that TikTok
    /// user is connected somewhere, as TikTok may hand the same user the same token again.
    async fn discard(&self, grant: &TokenGrant, tiktok_user_key: &str) {
        match self.nobody_holds(tiktok_user_key).await {
            Ok(true) => {
                if let Err(e) = self.tiktok.revoke(&grant.access_token).await {
                    tracing::warn!(error = %e, "could not revoke a TikTok token that is not kept");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not check whether a token not kept may be revoked; left as is"),
        }
    }
}

/// Why a reconnect did not replace the token.
#[derive(Debug)]
pub(super) enum ReconnectRefused {
    DifferentUser { expected: Option<String>, got: Option<String> },
    Gone,
    Db(DbErr),
}
