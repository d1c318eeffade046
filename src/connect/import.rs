//! Import selected: the connection, one ad account per advertiser and the access paths between
//! them in one transaction, and each new account's first sync queued at once. Every write is
//! an upsert on its unique key, so a double click or two imports at once end the same.

use super::{lifecycle::stop_if_unreachable, lock_connection, ConnectError, ConnectService};
use crate::model::ids::{AccountId, ConnectionId, GrantId};
use crate::{
    auth::CurrentUser,
    credentials::SealedTokens,
    db::{
        entities::{
            sync_run::RunTrigger,
            tiktok_access_path, tiktok_ad_account,
            tiktok_ad_account::SyncState,
            tiktok_connection::{self, AuthStatus, ReachableAdvertiser},
            tiktok_pending_grant,
        },
        run_queue,
    },
    model::connect::PickerSource,
    tiktok::wire::AdvertiserInfo,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, TransactionTrait, TryInsertResult,
};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Imported {
        connection_id: ConnectionId,
        /// Accounts newly linked to the connection.
        imported: usize,
        /// Accounts this connection stopped syncing (Manage accounts).
        stopped: usize,
    },
    /// The authorization was imported already (a second click, or two at once).
    AlreadyImported { connection_id: ConnectionId },
}

impl ConnectService {
    pub async fn import(
        &self,
        user: &CurrentUser,
        source: PickerSource,
        advertiser_ids: Vec<String>,
    ) -> Result<ImportOutcome, ConnectError> {
        let selected: BTreeSet<String> =
            advertiser_ids.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        if let PickerSource::Grant(id) = source {
            if let Some(done) = self.already_imported(user, id).await? {
                return Ok(done);
            }
            if selected.is_empty() {
                return Err(ConnectError::NothingSelected);
            }
        }
        let reach = match (self.reach(user, source).await, source) {
            (Err(ConnectError::GrantAlreadyImported), PickerSource::Grant(id)) => {
                return self.already_imported(user, id).await?.ok_or(ConnectError::GrantNotFound);
            }
            (other, _) => other?,
        };
        let missing: Vec<String> =
            selected.iter().filter(|id| !reach.advertisers.iter().any(|a| &a.advertiser_id == *id)).cloned().collect();
        if !missing.is_empty() {
            return Err(ConnectError::NotReachable(missing));
        }
        let chosen: Vec<&AdvertiserInfo> =
            reach.advertisers.iter().filter(|a| selected.contains(&a.advertiser_id)).collect();

        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let connection = match source {
            PickerSource::Grant(id) => match claim_grant(&txn, user, id, now).await? {
                Some(connection) => connection,
                None => {
                    txn.rollback().await?;
                    let grant = self.pending_grant(user, id).await?;
                    return match grant.imported_connection_id {
                        Some(id) => Ok(ImportOutcome::AlreadyImported { connection_id: ConnectionId(id) }),
                        None if grant.expires_at <= now => Err(ConnectError::GrantExpired),
                        None => Err(ConnectError::GrantNotFound),
                    };
                }
            },
            PickerSource::Connection(id) => lock_connection(&txn, user, id, now).await?,
        };
        // One lock order (db::locks): every account this import writes — the chosen ones it
        // already holds and those the connection reaches now — before any of them is written.
        let touched = existing_accounts(&txn, user.workspace_id, connection.id, &selected).await?;
        crate::db::locks::lock_accounts_then_runs(&txn, touched).await?;

        let mut imported = 0;
        for info in chosen {
            let account = upsert_account(&txn, user, info, now).await?;
            let linked = tiktok_access_path::Entity::insert(tiktok_access_path::ActiveModel {
                connection_id: Set(connection.id),
                ad_account_id: Set(account.id),
                created_at: Set(now),
                ..Default::default()
            })
            .on_conflict_do_nothing_on([
                tiktok_access_path::Column::ConnectionId,
                tiktok_access_path::Column::AdAccountId,
            ])
            .exec_without_returning(&txn)
            .await?;
            if matches!(linked, TryInsertResult::Inserted(n) if n > 0) {
                imported += 1;
            }
            // A never-synced account gets its first sync at once.
            if account.last_synced_at.is_none() {
                run_queue::enqueue(&txn, [AccountId(account.id)], RunTrigger::First, now).await?;
            }
        }

        // What the connection reaches now is known; what was just linked is no longer "available".
        let reached: Vec<String> = reach.advertisers.iter().map(|a| a.advertiser_id.clone()).collect();
        let still_available: Vec<ReachableAdvertiser> = connection
            .available()
            .into_iter()
            .filter(|a| !selected.contains(&a.advertiser_id) && reached.contains(&a.advertiser_id))
            .collect();
        tiktok_connection::Entity::update_many()
            .col_expr(tiktok_connection::Column::KnownAdvertisers, Expr::value(serde_json::to_string(&reached).ok()))
            .col_expr(
                tiktok_connection::Column::AvailableAdvertisers,
                Expr::value(serde_json::to_string(&still_available).ok()),
            )
            .filter(tiktok_connection::Column::Id.eq(connection.id))
            .exec(&txn)
            .await?;

        // Manage accounts: unticked accounts stop syncing through this connection.
        let stopped = match source {
            PickerSource::Connection(_) => unlink_unticked(&txn, connection.id, &selected, now).await?,
            PickerSource::Grant(_) => 0,
        };
        txn.commit().await?;
        self.queued.notify_waiters();
        tracing::info!(
            workspace.id = user.workspace_id,
            connection.id = connection.id,
            imported,
            stopped,
            "imported TikTok advertiser accounts"
        );
        Ok(ImportOutcome::Imported { connection_id: ConnectionId(connection.id), imported, stopped })
    }

    /// The one-click import of the advertisers newly available to a connection: they are linked
    /// beside the ones it already syncs.
    pub async fn import_available(
        &self,
        user: &CurrentUser,
        connection_id: ConnectionId,
    ) -> Result<ImportOutcome, ConnectError> {
        let connection = super::connection_of(&self.db, user, connection_id).await?;
        let mut selected: Vec<String> = tiktok_access_path::Entity::find()
            .filter(tiktok_access_path::Column::ConnectionId.eq(connection.id))
            .find_also_related(tiktok_ad_account::Entity)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|(_, a)| a.map(|a| a.advertiser_id))
            .collect();
        selected.extend(connection.available().into_iter().map(|a| a.advertiser_id));
        self.import(user, PickerSource::Connection(connection_id), selected).await
    }

    /// The outcome of an import that already happened for this grant, if it did.
    async fn already_imported(
        &self,
        user: &CurrentUser,
        grant_id: GrantId,
    ) -> Result<Option<ImportOutcome>, ConnectError> {
        let grant = self.pending_grant(user, grant_id).await?;
        Ok(grant.imported_connection_id.map(|id| ImportOutcome::AlreadyImported { connection_id: ConnectionId(id) }))
    }
}

/// Moves a grant's sealed token into the workspace's connection for that TikTok user,
/// reviving a disconnected one rather than adding a second row.
async fn store_grant_as_connection(
    txn: &impl ConnectionTrait,
    user: &CurrentUser,
    grant: &tiktok_pending_grant::Model,
    now: DateTime<Utc>,
) -> Result<tiktok_connection::Model, ConnectError> {
    use tiktok_connection::Column as C;
    let sealed = SealedTokens::of_grant(grant).ok_or(ConnectError::GrantAlreadyImported)?;
    let find = || {
        tiktok_connection::Entity::find()
            .filter(C::WorkspaceId.eq(user.workspace_id))
            .filter(C::TiktokUserKey.eq(&grant.tiktok_user_key))
            .one(txn)
    };
    let mut fresh = tiktok_connection::ActiveModel {
        workspace_id: Set(user.workspace_id),
        connected_by_user_id: Set(user.user_id),
        tiktok_user_key: Set(grant.tiktok_user_key.clone()),
        tiktok_display_name: Set(grant.tiktok_display_name.clone()),
        tiktok_email: Set(grant.tiktok_email.clone()),
        connected_at: Set(now),
        ..Default::default()
    };
    sealed.clone().install(&mut fresh, 0, now);
    // A new TikTok user: insert. Another import of the same user at the same moment makes this
    // a no-op, and the update below applies to the row it created.
    let inserted = tiktok_connection::Entity::insert(fresh)
        .on_conflict_do_nothing_on([C::WorkspaceId, C::TiktokUserKey])
        .exec_without_returning(txn)
        .await?;
    let existing = find().await?.ok_or_else(|| DbErr::RecordNotFound("the connection just upserted".into()))?;
    if matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
        return Ok(existing);
    }
    let revived = existing.auth_status == AuthStatus::Disconnected;
    let generation = existing.token_generation;
    let mut row = existing.into_active_model();
    if revived {
        row.connected_by_user_id = Set(user.user_id);
        row.connected_at = Set(now);
    }
    row.tiktok_display_name = Set(grant.tiktok_display_name.clone());
    row.tiktok_email = Set(grant.tiktok_email.clone());
    sealed.install(&mut row, generation, now);
    Ok(row.update(txn).await?)
}

/// The ids of the workspace's accounts among `selected`, and of those `connection_id` reaches.
async fn existing_accounts(
    txn: &impl ConnectionTrait,
    workspace_id: i32,
    connection_id: i32,
    selected: &BTreeSet<String>,
) -> Result<Vec<i32>, DbErr> {
    use sea_orm::{Condition, QuerySelect, QueryTrait};
    let linked = tiktok_access_path::Entity::find()
        .select_only()
        .column(tiktok_access_path::Column::AdAccountId)
        .filter(tiktok_access_path::Column::ConnectionId.eq(connection_id))
        .into_query();
    tiktok_ad_account::Entity::find()
        .select_only()
        .column(tiktok_ad_account::Column::Id)
        .filter(tiktok_ad_account::Column::WorkspaceId.eq(workspace_id))
        .filter(
            Condition::any()
                .add(tiktok_ad_account::Column::AdvertiserId.is_in(selected.iter().cloned()))
                .add(tiktok_ad_account::Column::Id.in_subquery(linked)),
        )
        .into_tuple()
        .all(txn)
        .await
}

/// The workspace's ad account for this advertiser, created or refreshed with TikTok's details.
async fn upsert_account(
    txn: &impl ConnectionTrait,
    user: &CurrentUser,
    info: &AdvertiserInfo,
    now: DateTime<Utc>,
) -> Result<tiktok_ad_account::Model, DbErr> {
    use tiktok_ad_account::Column as C;
    let row = tiktok_ad_account::ActiveModel {
        workspace_id: Set(user.workspace_id),
        advertiser_id: Set(info.advertiser_id.clone()),
        name: Set(info.name.clone().unwrap_or_else(|| format!("Advertiser {}", info.advertiser_id))),
        tiktok_status: Set(info.status.clone()),
        currency: Set(info.currency.clone()),
        timezone: Set(info.timezone.clone()),
        display_timezone: Set(info.display_timezone.clone()),
        company: Set(info.company.clone()),
        country: Set(info.country.clone()),
        sync_state: Set(SyncState::Active),
        imported_by_user_id: Set(user.user_id),
        imported_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    tiktok_ad_account::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([C::WorkspaceId, C::AdvertiserId])
                .update_columns([
                    C::Name,
                    C::TiktokStatus,
                    C::Currency,
                    C::Timezone,
                    C::DisplayTimezone,
                    C::Company,
                    C::Country,
                    C::SyncState,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    tiktok_ad_account::Entity::find()
        .filter(C::WorkspaceId.eq(user.workspace_id))
        .filter(C::AdvertiserId.eq(&info.advertiser_id))
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("ad account {} right after its upsert", info.advertiser_id)))
}

/// Claims grant `id` and stores it as a connection, in `txn`: `None` when it was imported or
/// expired meanwhile (a concurrent second import waits on the claim, then finds it spent).
async fn claim_grant(
    txn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: GrantId,
    now: DateTime<Utc>,
) -> Result<Option<tiktok_connection::Model>, ConnectError> {
    let claim = tiktok_pending_grant::Entity::update_many()
        .col_expr(tiktok_pending_grant::Column::ImportedAt, Expr::value(now))
        .filter(tiktok_pending_grant::Column::Id.eq(id))
        .filter(tiktok_pending_grant::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_pending_grant::Column::UserId.eq(user.user_id))
        .filter(tiktok_pending_grant::Column::ImportedAt.is_null())
        .filter(tiktok_pending_grant::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await?;
    if claim.rows_affected != 1 {
        return Ok(None);
    }
    let grant = tiktok_pending_grant::Entity::find_by_id(id).one(txn).await?.ok_or(ConnectError::GrantNotFound)?;
    let connection = store_grant_as_connection(txn, user, &grant, now).await?;
    // The tokens now live on the connection only.
    tiktok_pending_grant::Entity::update_many()
        .col_expr(tiktok_pending_grant::Column::ImportedConnectionId, Expr::value(connection.id))
        .col_expr(tiktok_pending_grant::Column::AccessTokenEnc, Expr::value(Option::<Vec<u8>>::None))
        .col_expr(tiktok_pending_grant::Column::RefreshTokenEnc, Expr::value(Option::<Vec<u8>>::None))
        .filter(tiktok_pending_grant::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(Some(connection))
}

/// Unlinks the accounts of `connection_id` not in `selected`; returns how many stopped syncing
/// because no other connection reaches them.
async fn unlink_unticked(
    txn: &impl ConnectionTrait,
    connection_id: i32,
    selected: &BTreeSet<String>,
    now: DateTime<Utc>,
) -> Result<usize, ConnectError> {
    let paths = tiktok_access_path::Entity::find()
        .filter(tiktok_access_path::Column::ConnectionId.eq(connection_id))
        .find_also_related(tiktok_ad_account::Entity)
        .all(txn)
        .await?;
    crate::db::locks::lock_accounts_then_runs(
        txn,
        paths.iter().filter_map(|(_, a)| a.as_ref()).filter(|a| !selected.contains(&a.advertiser_id)).map(|a| a.id),
    )
    .await?;
    let mut stopped = 0;
    for (path, account) in paths {
        let Some(account) = account else { continue };
        if !selected.contains(&account.advertiser_id) {
            tiktok_access_path::Entity::delete_by_id(path.id).exec(txn).await?;
            if stop_if_unreachable(txn, &account, now).await? {
                stopped += 1;
            }
        }
    }
    Ok(stopped)
}
