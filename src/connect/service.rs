//! The connect flow's plain functions over the database and the TikTok client.

use super::{auth_status, sync_state, tokens};
use crate::{
    auth::CurrentUser,
    db::entities::{app_user, sync_run, tiktok_ad_account, tiktok_pending_grant, tiktok_token, tiktok_token_account},
    error::{AppError, ErrorCode},
    pages::connect_tiktok::api::*,
    server::AppState,
    tiktok::{wire::AdvertiserInfo, ErrorKind, TikTokError, TokenGrant},
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait, TryIntoModel,
};
use secrecy::SecretString;
use std::collections::{BTreeSet, HashMap, HashSet};

/// How long an authorized grant waits for its advertisers to be picked.
const PENDING_GRANT_LIFETIME: Duration = Duration::hours(1);

pub fn display_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Turns a TikTok failure into what the person should read and do.
pub fn tiktok_error(err: TikTokError, doing: &str) -> AppError {
    tracing::warn!(error = %err, "TikTok call failed while {doing}");
    match err.kind {
        ErrorKind::TokenInvalid | ErrorKind::RefreshTokenInvalid => AppError::new(
            ErrorCode::NeedsReconnect,
            "TikTok no longer accepts this connection's token. Reconnect to continue.",
        ),
        ErrorKind::RateLimited | ErrorKind::Transient => AppError::upstream(format!(
            "TikTok is not answering right now while {doing}. Nothing was changed; please try again in a few minutes."
        )),
        ErrorKind::Permission => {
            AppError::new(ErrorCode::Forbidden, format!("TikTok refused access while {doing}: {}", err.message))
        }
        _ => AppError::upstream(format!("TikTok refused the request while {doing}: {}", err.message)),
    }
}

// ---- reading the page ---------------------------------------------------------------------------

pub async fn connections(db: &DatabaseConnection, user: &CurrentUser) -> Result<Vec<ConnectionCard>, AppError> {
    let tokens = tiktok_token::Entity::find()
        .filter(tiktok_token::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_token::Column::AuthStatus.ne(auth_status::DISCONNECTED))
        .order_by_asc(tiktok_token::Column::ConnectedAt)
        .all(db)
        .await?;
    let token_ids: Vec<i32> = tokens.iter().map(|t| t.id).collect();
    let links = tiktok_token_account::Entity::find()
        .filter(tiktok_token_account::Column::TokenId.is_in(token_ids.clone()))
        .find_also_related(tiktok_ad_account::Entity)
        .all(db)
        .await?;
    let mut paths: HashMap<i32, usize> = HashMap::new();
    for (link, _) in &links {
        *paths.entry(link.ad_account_id).or_default() += 1;
    }
    let account_ids: Vec<i32> = paths.keys().copied().collect();
    let queued: HashSet<i32> = sync_run::Entity::find()
        .filter(sync_run::Column::AdAccountId.is_in(account_ids))
        .filter(sync_run::Column::Status.is_in(["queued", "running"]))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.ad_account_id)
        .collect();
    let mut cards = Vec::with_capacity(tokens.len());
    for token in tokens {
        let connected_by = app_user::Entity::find_by_id(token.connected_by_user_id)
            .one(db)
            .await?
            .map_or_else(|| "a former member".to_owned(), |u| u.email);
        let mut accounts: Vec<AccountRow> = links
            .iter()
            .filter(|(l, _)| l.token_id == token.id)
            .filter_map(|(_, a)| a.clone())
            .map(|a| AccountRow {
                sync_label: match (a.last_synced_at, queued.contains(&a.id)) {
                    (_, _) if a.sync_state == sync_state::DISCONNECTED => "Disconnected".into(),
                    (None, _) => "Waiting for first sync".into(),
                    (Some(at), true) => format!("Syncing · last synced {}", display_time(at)),
                    (Some(at), false) => format!("Last synced {}", display_time(at)),
                },
                shared: paths.get(&a.id).copied().unwrap_or(0) > 1,
                advertiser_id: a.advertiser_id,
                name: a.name,
                tiktok_status: a.tiktok_status,
            })
            .collect();
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
        cards.push(ConnectionCard {
            id: token.id,
            tiktok_name: token.tiktok_display_name.clone().unwrap_or_else(|| "TikTok account".into()),
            connected_by,
            connected_at: display_time(token.connected_at),
            needs_reconnect: token.auth_status == auth_status::NEEDS_RECONNECT,
            auth_error: token.auth_error.clone(),
            auth_error_at: token.auth_error_at.map(display_time),
            accounts,
        });
    }
    Ok(cards)
}

// ---- the picker ---------------------------------------------------------------------------------

/// The token behind a picker source, checked against the member and workspace.
struct PickerToken {
    access: SecretString,
    tiktok_name: String,
    connection_id: Option<i32>,
    grant: Option<tiktok_pending_grant::Model>,
}

async fn picker_token(state: &AppState, user: &CurrentUser, source: PickerSource) -> Result<PickerToken, AppError> {
    let keys = &state.settings.token_keys;
    match source {
        PickerSource::Grant(id) => {
            let grant = tiktok_pending_grant::Entity::find_by_id(id)
                .filter(tiktok_pending_grant::Column::WorkspaceId.eq(user.workspace_id))
                .filter(tiktok_pending_grant::Column::UserId.eq(user.user_id))
                .one(&state.db)
                .await?
                .ok_or_else(|| AppError::not_found("This TikTok authorization"))?;
            if grant.imported_token_id.is_none() && grant.expires_at <= state.clock.now() {
                return Err(AppError::validation("This TikTok authorization expired. Click Connect to start again."));
            }
            let access = match grant.imported_token_id {
                // Already imported (a second click): nothing to read, the caller answers from the row.
                Some(_) => SecretString::from(String::new()),
                None => tokens::open(keys, &grant.key_id, grant.access_token_enc.as_deref())?,
            };
            Ok(PickerToken {
                access,
                tiktok_name: grant.tiktok_display_name.clone().unwrap_or_else(|| "TikTok account".into()),
                connection_id: None,
                grant: Some(grant),
            })
        }
        PickerSource::Connection(id) => {
            let token = connection(&state.db, user, id).await?;
            let access = tokens::open(keys, &token.key_id, token.access_token_enc.as_deref())?;
            Ok(PickerToken {
                access,
                tiktok_name: token.tiktok_display_name.unwrap_or_else(|| "TikTok account".into()),
                connection_id: Some(token.id),
                grant: None,
            })
        }
    }
}

/// A live connection of this workspace, or NotFound (other workspaces' ids look absent).
async fn connection(db: &impl ConnectionTrait, user: &CurrentUser, id: i32) -> Result<tiktok_token::Model, AppError> {
    tiktok_token::Entity::find_by_id(id)
        .filter(tiktok_token::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_token::Column::AuthStatus.ne(auth_status::DISCONNECTED))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("This TikTok connection"))
}

/// Locks a live connection for the rest of the transaction: the first statement is a write,
/// so a concurrent Disconnect, Manage or Reconnect waits here (Postgres row lock, SQLite write
/// lock) and then sees what the other one committed. NotFound when it is gone.
async fn lock_connection(
    txn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i32,
    now: DateTime<Utc>,
) -> Result<tiktok_token::Model, AppError> {
    let locked = tiktok_token::Entity::update_many()
        .col_expr(tiktok_token::Column::UpdatedAt, Expr::value(now))
        .filter(tiktok_token::Column::Id.eq(id))
        .filter(tiktok_token::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_token::Column::AuthStatus.ne(auth_status::DISCONNECTED))
        .exec(txn)
        .await?;
    if locked.rows_affected != 1 {
        return Err(AppError::not_found("This TikTok connection"));
    }
    connection(txn, user, id).await
}

/// The advertisers this token reaches, with their details.
async fn reachable(
    state: &AppState,
    access: &SecretString,
) -> Result<Vec<AdvertiserInfo>, (TikTokError, &'static str)> {
    let refs = state.tiktok.interactive().advertisers(access).await.map_err(|e| (e, "listing advertiser accounts"))?;
    let ids: Vec<String> = refs.iter().map(|r| r.advertiser_id.clone()).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut info = state
        .tiktok
        .interactive()
        .advertiser_info(access, &ids)
        .await
        .map_err(|e| (e, "reading advertiser details"))?;
    // Keep advertisers TikTok listed but gave no details for, with the name it did give.
    for r in refs {
        if !info.iter().any(|i| i.advertiser_id == r.advertiser_id) {
            info.push(AdvertiserInfo {
                advertiser_id: r.advertiser_id,
                name: r.advertiser_name,
                status: None,
                currency: None,
                timezone: None,
                display_timezone: None,
                company: None,
                country: None,
                role: None,
                balance: None,
                create_time: None,
            });
        }
    }
    Ok(info)
}

/// A TikTok failure on a connection's token: a rejected token turns the card yellow
/// (Reconnect) with TikTok's message as evidence.
async fn connection_failed(
    state: &AppState,
    connection_id: Option<i32>,
    (err, doing): (TikTokError, &str),
) -> AppError {
    if let (Some(id), ErrorKind::TokenInvalid | ErrorKind::RefreshTokenInvalid) = (connection_id, err.kind) {
        let now = state.clock.now();
        let marked = tiktok_token::Entity::update_many()
            .col_expr(tiktok_token::Column::AuthStatus, Expr::value(auth_status::NEEDS_RECONNECT))
            .col_expr(tiktok_token::Column::AuthError, Expr::value(err.to_string()))
            .col_expr(tiktok_token::Column::AuthErrorAt, Expr::value(now))
            .col_expr(tiktok_token::Column::UpdatedAt, Expr::value(now))
            .filter(tiktok_token::Column::Id.eq(id))
            .filter(tiktok_token::Column::AuthStatus.eq(auth_status::HEALTHY))
            .exec(&state.db)
            .await;
        if let Err(e) = marked {
            return AppError::internal(e);
        }
    }
    tiktok_error(err, doing)
}

pub async fn picker(state: &AppState, user: &CurrentUser, source: PickerSource) -> Result<PickerData, AppError> {
    let token = picker_token(state, user, source).await?;
    if token.grant.as_ref().is_some_and(|g| g.imported_token_id.is_some()) {
        return Err(AppError::new(ErrorCode::Conflict, "These advertiser accounts were already imported."));
    }
    let advertisers = match reachable(state, &token.access).await {
        Ok(a) => a,
        Err(failure) => return Err(connection_failed(state, token.connection_id, failure).await),
    };
    let existing = tiktok_ad_account::Entity::find()
        .filter(tiktok_ad_account::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_ad_account::Column::AdvertiserId.is_in(advertisers.iter().map(|a| a.advertiser_id.clone())))
        .all(&state.db)
        .await?;
    // A fresh grant for a TikTok user this workspace already connected shows that
    // connection's accounts as linked, not as a teammate's.
    let links_of = match (token.connection_id, &token.grant) {
        (Some(id), _) => Some(id),
        (None, Some(grant)) => tiktok_token::Entity::find()
            .filter(tiktok_token::Column::WorkspaceId.eq(user.workspace_id))
            .filter(tiktok_token::Column::TiktokUserKey.eq(&grant.tiktok_user_key))
            .filter(tiktok_token::Column::AuthStatus.ne(auth_status::DISCONNECTED))
            .one(&state.db)
            .await?
            .map(|t| t.id),
        (None, None) => None,
    };
    let linked_here: HashSet<i32> = match links_of {
        Some(id) => tiktok_token_account::Entity::find()
            .filter(tiktok_token_account::Column::TokenId.eq(id))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|l| l.ad_account_id)
            .collect(),
        None => HashSet::new(),
    };
    let mut rows: Vec<PickerAdvertiser> = advertisers
        .into_iter()
        .map(|a| {
            let account = existing.iter().find(|e| e.advertiser_id == a.advertiser_id);
            let here = account.is_some_and(|e| linked_here.contains(&e.id));
            PickerAdvertiser {
                name: a.name.clone().unwrap_or_else(|| format!("Advertiser {}", a.advertiser_id)),
                imported_elsewhere: account.is_some_and(|e| e.sync_state == sync_state::ACTIVE) && !here,
                linked_here: here,
                status: a.status,
                currency: a.currency,
                timezone: a.display_timezone.or(a.timezone),
                advertiser_id: a.advertiser_id,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(PickerData { source, tiktok_name: token.tiktok_name, advertisers: rows })
}

// ---- import -------------------------------------------------------------------------------------

pub async fn import(
    state: &AppState,
    user: &CurrentUser,
    source: PickerSource,
    advertiser_ids: Vec<String>,
) -> Result<ImportOutcome, AppError> {
    let selected: BTreeSet<String> =
        advertiser_ids.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    let token = picker_token(state, user, source).await?;
    if let Some(grant) = &token.grant {
        if let Some(connection_id) = grant.imported_token_id {
            // A second click on Import: the first one did the work.
            return Ok(ImportOutcome { connection_id, imported: 0, stopped: 0 });
        }
        if selected.is_empty() {
            return Err(AppError::validation("Tick at least one advertiser account to import."));
        }
    }
    let reachable = match reachable(state, &token.access).await {
        Ok(a) => a,
        Err(failure) => return Err(connection_failed(state, token.connection_id, failure).await),
    };
    if let Some(stranger) = selected.iter().find(|id| !reachable.iter().any(|a| &a.advertiser_id == *id)) {
        return Err(AppError::validation(format!(
            "Advertiser {stranger} is not reachable with this TikTok account, so it was not imported. Nothing was changed."
        )));
    }
    let chosen: Vec<&AdvertiserInfo> = reachable.iter().filter(|a| selected.contains(&a.advertiser_id)).collect();
    let now = state.clock.now();
    let txn = state.db.begin().await?;

    let token_row = match (&token.grant, token.connection_id) {
        (Some(grant), _) => {
            // Claim the grant first: a concurrent second import waits here, then finds it spent.
            let claim = tiktok_pending_grant::Entity::update_many()
                .col_expr(tiktok_pending_grant::Column::ImportedTokenId, Expr::value(0))
                .filter(tiktok_pending_grant::Column::Id.eq(grant.id))
                .filter(tiktok_pending_grant::Column::ImportedTokenId.is_null())
                .exec(&txn)
                .await?;
            if claim.rows_affected != 1 {
                txn.rollback().await?;
                let done = tiktok_pending_grant::Entity::find_by_id(grant.id).one(&state.db).await?;
                let connection_id = done.and_then(|g| g.imported_token_id).unwrap_or(0);
                return Ok(ImportOutcome { connection_id, imported: 0, stopped: 0 });
            }
            let row = store_grant_as_connection(&txn, user, grant, now).await?;
            tiktok_pending_grant::Entity::update_many()
                .col_expr(tiktok_pending_grant::Column::ImportedTokenId, Expr::value(row.id))
                .col_expr(tiktok_pending_grant::Column::AccessTokenEnc, Expr::value(Option::<Vec<u8>>::None))
                .col_expr(tiktok_pending_grant::Column::RefreshTokenEnc, Expr::value(Option::<Vec<u8>>::None))
                .filter(tiktok_pending_grant::Column::Id.eq(grant.id))
                .exec(&txn)
                .await?;
            row
        }
        (None, Some(id)) => lock_connection(&txn, user, id, now).await?,
        (None, None) => return Err(AppError::internal("a picker source without a grant or a connection")),
    };

    let mut imported = 0;
    for info in &chosen {
        let account = upsert_account(&txn, user, info, now).await?;
        let linked = tiktok_token_account::Entity::find()
            .filter(tiktok_token_account::Column::TokenId.eq(token_row.id))
            .filter(tiktok_token_account::Column::AdAccountId.eq(account.id))
            .one(&txn)
            .await?;
        if linked.is_none() {
            tiktok_token_account::ActiveModel {
                token_id: Set(token_row.id),
                ad_account_id: Set(account.id),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            imported += 1;
        }
        queue_first_sync(&txn, &account, now).await?;
    }

    // Manage accounts: unticked accounts stop syncing through this connection.
    let mut stopped = 0;
    if token.connection_id.is_some() {
        let links = tiktok_token_account::Entity::find()
            .filter(tiktok_token_account::Column::TokenId.eq(token_row.id))
            .find_also_related(tiktok_ad_account::Entity)
            .all(&txn)
            .await?;
        for (link, account) in links {
            let Some(account) = account else { continue };
            if !selected.contains(&account.advertiser_id) {
                tiktok_token_account::Entity::delete_by_id(link.id).exec(&txn).await?;
                if refresh_account_state(&txn, &account, now).await? {
                    stopped += 1;
                }
            }
        }
    }
    txn.commit().await?;
    tracing::info!(
        workspace.id = user.workspace_id,
        connection.id = token_row.id,
        imported,
        stopped,
        "imported TikTok advertiser accounts"
    );
    Ok(ImportOutcome { connection_id: token_row.id, imported, stopped })
}

/// Moves a grant's sealed token into the workspace's connection for that TikTok user,
/// reviving a disconnected one rather than adding a second row.
async fn store_grant_as_connection(
    txn: &impl ConnectionTrait,
    user: &CurrentUser,
    grant: &tiktok_pending_grant::Model,
    now: DateTime<Utc>,
) -> Result<tiktok_token::Model, AppError> {
    let existing = tiktok_token::Entity::find()
        .filter(tiktok_token::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_token::Column::TiktokUserKey.eq(&grant.tiktok_user_key))
        .one(txn)
        .await?;
    let mut row = match existing {
        Some(row) => {
            let revived = row.auth_status == auth_status::DISCONNECTED;
            let mut active: tiktok_token::ActiveModel = row.into();
            if revived {
                active.connected_by_user_id = Set(user.user_id);
                active.connected_at = Set(now);
            }
            active
        }
        None => tiktok_token::ActiveModel {
            workspace_id: Set(user.workspace_id),
            connected_by_user_id: Set(user.user_id),
            tiktok_user_key: Set(grant.tiktok_user_key.clone()),
            connected_at: Set(now),
            ..Default::default()
        },
    };
    row.tiktok_display_name = Set(grant.tiktok_display_name.clone());
    row.tiktok_email = Set(grant.tiktok_email.clone());
    put_secrets(
        &mut row,
        tokens::Secrets {
            key_id: grant.key_id.clone(),
            access: grant.access_token_enc.clone(),
            refresh: grant.refresh_token_enc.clone(),
            access_expires_at: grant.access_expires_at,
            refresh_expires_at: grant.refresh_expires_at,
            scope: grant.scope.clone(),
        },
        now,
    );
    Ok(row.save(txn).await?.try_into_model()?)
}

/// Puts fresh secrets on a connection and makes it healthy again.
fn put_secrets(row: &mut tiktok_token::ActiveModel, secrets: tokens::Secrets, now: DateTime<Utc>) {
    row.key_id = Set(secrets.key_id);
    row.access_token_enc = Set(secrets.access);
    row.refresh_token_enc = Set(secrets.refresh);
    row.access_expires_at = Set(secrets.access_expires_at);
    row.refresh_expires_at = Set(secrets.refresh_expires_at);
    row.scope = Set(secrets.scope);
    row.auth_status = Set(auth_status::HEALTHY.to_owned());
    row.auth_error = Set(None);
    row.auth_error_at = Set(None);
    row.refresh_locked_until = Set(None);
    row.updated_at = Set(now);
    row.disconnected_at = Set(None);
}

async fn upsert_account(
    txn: &impl ConnectionTrait,
    user: &CurrentUser,
    info: &AdvertiserInfo,
    now: DateTime<Utc>,
) -> Result<tiktok_ad_account::Model, AppError> {
    let existing = tiktok_ad_account::Entity::find()
        .filter(tiktok_ad_account::Column::WorkspaceId.eq(user.workspace_id))
        .filter(tiktok_ad_account::Column::AdvertiserId.eq(&info.advertiser_id))
        .one(txn)
        .await?;
    let mut row = match existing {
        Some(row) => row.into(),
        None => tiktok_ad_account::ActiveModel {
            workspace_id: Set(user.workspace_id),
            advertiser_id: Set(info.advertiser_id.clone()),
            imported_by_user_id: Set(user.user_id),
            imported_at: Set(now),
            ..Default::default()
        },
    };
    row.name = Set(info.name.clone().unwrap_or_else(|| format!("Advertiser {}", info.advertiser_id)));
    row.tiktok_status = Set(info.status.clone());
    row.currency = Set(info.currency.clone());
    row.timezone = Set(info.display_timezone.clone().or_else(|| info.timezone.clone()));
    row.company = Set(info.company.clone());
    row.country = Set(info.country.clone());
    row.sync_state = Set(sync_state::ACTIVE.to_owned());
    row.updated_at = Set(now);
    Ok(row.save(txn).await?.try_into_model()?)
}

/// Hands a newly imported account to the sync engine: one queued `first` run, at once.
async fn queue_first_sync(
    txn: &impl ConnectionTrait,
    account: &tiktok_ad_account::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if account.last_synced_at.is_some() {
        return Ok(());
    }
    let pending = sync_run::Entity::find()
        .filter(sync_run::Column::AdAccountId.eq(account.id))
        .filter(sync_run::Column::Status.is_in(["queued", "running"]))
        .one(txn)
        .await?;
    if pending.is_none() {
        sync_run::ActiveModel {
            ad_account_id: Set(account.id),
            trigger: Set("first".into()),
            status: Set("queued".into()),
            queued_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// After a link is removed: an account no live connection reaches stops syncing (its data
/// stays). Returns whether it stopped.
async fn refresh_account_state(
    txn: &impl ConnectionTrait,
    account: &tiktok_ad_account::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let remaining = tiktok_token_account::Entity::find()
        .filter(tiktok_token_account::Column::AdAccountId.eq(account.id))
        .find_also_related(tiktok_token::Entity)
        .all(txn)
        .await?
        .into_iter()
        .filter(|(_, t)| t.as_ref().is_some_and(|t| t.auth_status != auth_status::DISCONNECTED))
        .count();
    if remaining > 0 {
        return Ok(false);
    }
    let mut active: tiktok_ad_account::ActiveModel = account.clone().into();
    active.sync_state = Set(sync_state::DISCONNECTED.to_owned());
    active.updated_at = Set(now);
    active.update(txn).await?;
    sync_run::Entity::update_many()
        .col_expr(sync_run::Column::Status, Expr::value("cancelled"))
        .col_expr(sync_run::Column::FinishedAt, Expr::value(now))
        .filter(sync_run::Column::AdAccountId.eq(account.id))
        .filter(sync_run::Column::Status.eq("queued"))
        .exec(txn)
        .await?;
    Ok(true)
}

// ---- after the callback -------------------------------------------------------------------------

/// Who TikTok says authorized. Falls back to a key made from the advertiser ids when the
/// service has no `user/info/` (it is optional in TikTok's contract).
pub struct TikTokIdentity {
    pub key: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
}

pub async fn identify(state: &AppState, grant: &TokenGrant) -> Result<TikTokIdentity, TikTokError> {
    match state.tiktok.interactive().user_info(&grant.access_token).await {
        Ok(info) if info.core_user_id.is_some() => Ok(TikTokIdentity {
            key: info.core_user_id.unwrap_or_default(),
            display_name: info.display_name.filter(|n| !n.is_empty()).or_else(|| info.email.clone()),
            email: info.email,
        }),
        // Only a service without user/info (or without a user id in it) gets the stand-in key;
        // an outage must not make the same person look like someone else.
        Err(err) if !matches!(err.kind, ErrorKind::BadRequest | ErrorKind::Permission) => Err(err),
        other => {
            if let Err(err) = other {
                tracing::info!(error = %err, "user/info unavailable; identifying the TikTok user by its advertisers");
            }
            use sha2::{Digest, Sha256};
            let mut ids = grant.advertiser_ids.clone();
            ids.sort();
            let digest = hex::encode(&Sha256::digest(ids.join(",").as_bytes())[..8]);
            Ok(TikTokIdentity { key: format!("advertisers:{digest}"), display_name: None, email: None })
        }
    }
}

/// Keeps a freshly authorized grant until its advertisers are picked; returns its id.
pub async fn store_pending_grant(
    state: &AppState,
    user: &CurrentUser,
    grant: &TokenGrant,
    identity: TikTokIdentity,
) -> Result<i32, AppError> {
    let secrets = tokens::seal(&state.settings.token_keys, grant);
    let now = state.clock.now();
    let row = tiktok_pending_grant::ActiveModel {
        workspace_id: Set(user.workspace_id),
        user_id: Set(user.user_id),
        tiktok_user_key: Set(identity.key),
        tiktok_display_name: Set(identity.display_name),
        tiktok_email: Set(identity.email),
        key_id: Set(secrets.key_id),
        access_token_enc: Set(secrets.access),
        refresh_token_enc: Set(secrets.refresh),
        access_expires_at: Set(secrets.access_expires_at),
        refresh_expires_at: Set(secrets.refresh_expires_at),
        scope: Set(secrets.scope),
        imported_token_id: Set(None),
        expires_at: Set(now + PENDING_GRANT_LIFETIME),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(row.id)
}

#[derive(Debug)]
pub enum ReconnectOutcome {
    Reconnected,
    /// The person authorized another TikTok user than this connection's.
    DifferentUser {
        expected: String,
        got: String,
    },
}

/// Replaces a connection's token with a fresh grant, keeping its accounts and history.
pub async fn reconnect(
    state: &AppState,
    user: &CurrentUser,
    connection_id: i32,
    grant: &TokenGrant,
    identity: TikTokIdentity,
) -> Result<ReconnectOutcome, AppError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let row = lock_connection(&txn, user, connection_id, now).await?;
    if row.tiktok_user_key != identity.key {
        txn.rollback().await?;
        return Ok(ReconnectOutcome::DifferentUser {
            expected: row.tiktok_display_name.unwrap_or_else(|| "the TikTok account that made this connection".into()),
            got: identity.display_name.unwrap_or_else(|| "another TikTok account".into()),
        });
    }
    let mut active: tiktok_token::ActiveModel = row.into();
    put_secrets(&mut active, tokens::seal(&state.settings.token_keys, grant), now);
    if let Some(name) = identity.display_name {
        active.tiktok_display_name = Set(Some(name));
    }
    active.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(workspace.id = user.workspace_id, connection.id = connection_id, "reconnected TikTok");
    Ok(ReconnectOutcome::Reconnected)
}

// ---- disconnect ---------------------------------------------------------------------------------

pub async fn disconnect(
    state: &AppState,
    user: &CurrentUser,
    connection_id: i32,
) -> Result<DisconnectOutcome, AppError> {
    let row = connection(&state.db, user, connection_id).await?;
    let revoked_at_tiktok = match tokens::open(&state.settings.token_keys, &row.key_id, row.access_token_enc.as_deref())
    {
        Ok(access) => match state.tiktok.interactive().revoke(&access).await {
            Ok(_) => true,
            // Already dead at TikTok: nothing left to revoke.
            Err(e) if e.kind == ErrorKind::TokenInvalid => true,
            Err(e) => {
                tracing::warn!(error = %e, connection.id = connection_id, "could not revoke at TikTok; deleting the token here anyway");
                false
            }
        },
        Err(_) => false,
    };
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    // A second Disconnect of the same card finds it gone: NotFound, nothing done twice.
    let row = lock_connection(&txn, user, row.id, now).await?;
    let links = tiktok_token_account::Entity::find()
        .filter(tiktok_token_account::Column::TokenId.eq(row.id))
        .find_also_related(tiktok_ad_account::Entity)
        .all(&txn)
        .await?;
    let mut active: tiktok_token::ActiveModel = row.clone().into();
    active.access_token_enc = Set(None);
    active.refresh_token_enc = Set(None);
    active.auth_status = Set(auth_status::DISCONNECTED.to_owned());
    active.disconnected_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    tiktok_token_account::Entity::delete_many()
        .filter(tiktok_token_account::Column::TokenId.eq(row.id))
        .exec(&txn)
        .await?;
    let mut accounts_disconnected = 0;
    for account in links.into_iter().filter_map(|(_, a)| a) {
        if refresh_account_state(&txn, &account, now).await? {
            accounts_disconnected += 1;
        }
    }
    txn.commit().await?;
    tracing::info!(
        workspace.id = user.workspace_id,
        connection.id = row.id,
        revoked_at_tiktok,
        accounts_disconnected,
        "disconnected TikTok"
    );
    Ok(DisconnectOutcome { revoked_at_tiktok, accounts_disconnected })
}
