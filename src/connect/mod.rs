//! The connect flow: starting an authorization and finishing it (the OAuth callback), the
//! advertiser picker, import, reconnect, disconnect, and cleaning up what nobody finished.
//! Plain functions over the database, the TikTok client and the credentials. What the page
//! shows is built from their results in [`view`] (the page data types in `model::connect`), and
//! what a person reads when a step did not happen in [`messages`].

mod authorize;
mod error;
mod grants;
mod identity;
mod import;
mod lifecycle;
mod messages;
pub mod oauth_state;
mod overview;
mod picker;
pub mod view;

pub use authorize::{CallbackFailure, CallbackParams, CallbackProblem, Finished, RetryPlan};
pub use error::{ConnectError, Doing};
pub use grants::CleanupReport;
pub use identity::TikTokIdentity;
pub use import::ImportOutcome;
pub use lifecycle::Disconnected;
pub use messages::ProblemPage;
pub use oauth_state::StateProblem;
pub use overview::{AccountOverview, ConnectionOverview};
pub use picker::{PickerView, ReachableAdvertiser};

use crate::{
    auth::CurrentUser,
    clock::Clock,
    credentials::Credentials,
    db::{
        entities::tiktok_connection::{self, AuthStatus},
        tiktok_users,
    },
    model::ids::ConnectionId,
    tiktok::TikTokClient,
};
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::sync::Arc;
use tokio::sync::Notify;
use url::Url;

/// Everything the connect flow needs, built once at start-up.
#[derive(Clone)]
pub struct ConnectService {
    db: DatabaseConnection,
    /// The fail-fast client: a person is waiting on these calls.
    tiktok: TikTokClient,
    /// For the housekeeping, which nobody waits on: it waits out TikTok's pauses.
    patient: TikTokClient,
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    redirect_uri: Url,
    /// Told when an import queued first syncs, so they start at once.
    queued: Arc<Notify>,
}

impl ConnectService {
    pub fn new(
        db: DatabaseConnection,
        tiktok: &TikTokClient,
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        redirect_uri: Url,
        queued: Arc<Notify>,
    ) -> Self {
        Self { db, tiktok: tiktok.interactive(), patient: tiktok.clone(), credentials, clock, redirect_uri, queued }
    }

    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Whether no connection or waiting authorization may hold a token of this TikTok user
    /// (see [`tiktok_users`]): then a token of theirs that is not kept may be revoked.
    async fn nobody_holds(&self, tiktok_user_key: &str) -> Result<bool, DbErr> {
        tiktok_users::nobody_holds(&self.db, tiktok_user_key, self.clock.now()).await
    }
}

/// A live connection of this member's workspace, or NotFound (other workspaces' ids look
/// absent).
async fn connection_of(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: ConnectionId,
) -> Result<tiktok_connection::Model, ConnectError> {
    tiktok_connection::Entity::find_by_id(id.0)
        .filter(tiktok_connection::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_connection::Column::AuthStatus.ne(AuthStatus::Disconnected))
        .one(db)
        .await?
        .ok_or(ConnectError::ConnectionNotFound)
}

/// Locks a live connection for the rest of the transaction: the first statement is a write,
/// so a concurrent Disconnect, Manage or Reconnect waits here (Postgres row lock, SQLite write
/// lock) and then sees what the other one committed. NotFound when it is gone.
async fn lock_connection(
    txn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: ConnectionId,
    now: DateTime<Utc>,
) -> Result<tiktok_connection::Model, ConnectError> {
    let locked = tiktok_connection::Entity::update_many()
        .col_expr(tiktok_connection::Column::UpdatedAt, Expr::value(now))
        .filter(tiktok_connection::Column::Id.eq(id.0))
        .filter(tiktok_connection::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_connection::Column::AuthStatus.ne(AuthStatus::Disconnected))
        .exec(txn)
        .await?;
    if locked.rows_affected != 1 {
        return Err(ConnectError::ConnectionNotFound);
    }
    connection_of(txn, user, id).await
}
