//! TikTok connections: tokens (one per TikTok user per workspace), ad accounts (one per
//! advertiser per workspace), the links between them (an account reachable through two tokens
//! has two links), OAuth states, authorized-but-not-yet-imported grants, and the sync run queue.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspace {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TiktokToken {
    Table,
    Id,
    WorkspaceId,
    ConnectedByUserId,
    TiktokUserKey,
    TiktokDisplayName,
    TiktokEmail,
    KeyId,
    AccessTokenEnc,
    RefreshTokenEnc,
    AccessExpiresAt,
    RefreshExpiresAt,
    Scope,
    AuthStatus,
    AuthError,
    AuthErrorAt,
    RefreshLockedUntil,
    ConnectedAt,
    UpdatedAt,
    DisconnectedAt,
}

#[derive(DeriveIden)]
enum TiktokAdAccount {
    Table,
    Id,
    WorkspaceId,
    AdvertiserId,
    Name,
    TiktokStatus,
    Currency,
    Timezone,
    Company,
    Country,
    SyncState,
    ImportedByUserId,
    ImportedAt,
    UpdatedAt,
    LastSyncedAt,
    NextSyncAt,
}

#[derive(DeriveIden)]
enum TiktokTokenAccount {
    Table,
    Id,
    TokenId,
    AdAccountId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OauthState {
    Table,
    Id,
    StateHash,
    WorkspaceId,
    UserId,
    Purpose,
    TokenId,
    SameWindow,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TiktokPendingGrant {
    Table,
    Id,
    WorkspaceId,
    UserId,
    TiktokUserKey,
    TiktokDisplayName,
    TiktokEmail,
    KeyId,
    AccessTokenEnc,
    RefreshTokenEnc,
    AccessExpiresAt,
    RefreshExpiresAt,
    Scope,
    ImportedTokenId,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SyncRun {
    Table,
    Id,
    AdAccountId,
    Trigger,
    Status,
    Step,
    ProgressDone,
    ProgressTotal,
    Counts,
    Requests,
    RateLimitWaits,
    RetryAt,
    ErrorKind,
    ErrorMessage,
    QueuedAt,
    StartedAt,
    LastProgressAt,
    FinishedAt,
}

fn fk(from: (TiktokTokenAccount, TiktokTokenAccount), to: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TiktokToken::Table)
                .col(pk_auto(TiktokToken::Id))
                .col(integer(TiktokToken::WorkspaceId))
                .col(integer(TiktokToken::ConnectedByUserId))
                // TikTok's core_user_id, or a stand-in when user/info is unavailable.
                .col(string(TiktokToken::TiktokUserKey))
                .col(string_null(TiktokToken::TiktokDisplayName))
                .col(string_null(TiktokToken::TiktokEmail))
                .col(string(TiktokToken::KeyId))
                // NULL once disconnected: the secret is deleted, the row (and history) stays.
                .col(blob_null(TiktokToken::AccessTokenEnc))
                .col(blob_null(TiktokToken::RefreshTokenEnc))
                .col(timestamp_with_time_zone_null(TiktokToken::AccessExpiresAt))
                .col(timestamp_with_time_zone_null(TiktokToken::RefreshExpiresAt))
                .col(text(TiktokToken::Scope))
                // healthy | needs_reconnect | disconnected (auth health, apart from sync health)
                .col(string(TiktokToken::AuthStatus))
                .col(text_null(TiktokToken::AuthError))
                .col(timestamp_with_time_zone_null(TiktokToken::AuthErrorAt))
                .col(timestamp_with_time_zone_null(TiktokToken::RefreshLockedUntil))
                .col(timestamp_with_time_zone(TiktokToken::ConnectedAt))
                .col(timestamp_with_time_zone(TiktokToken::UpdatedAt))
                .col(timestamp_with_time_zone_null(TiktokToken::DisconnectedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(TiktokToken::Table, TiktokToken::WorkspaceId)
                        .to(Workspace::Table, Workspace::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TiktokToken::Table, TiktokToken::ConnectedByUserId)
                        .to(AppUser::Table, AppUser::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tiktok_token_workspace_user")
                .table(TiktokToken::Table)
                .col(TiktokToken::WorkspaceId)
                .col(TiktokToken::TiktokUserKey)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TiktokAdAccount::Table)
                .col(pk_auto(TiktokAdAccount::Id))
                .col(integer(TiktokAdAccount::WorkspaceId))
                .col(string(TiktokAdAccount::AdvertiserId))
                .col(string(TiktokAdAccount::Name))
                .col(string_null(TiktokAdAccount::TiktokStatus))
                .col(string_null(TiktokAdAccount::Currency))
                .col(string_null(TiktokAdAccount::Timezone))
                .col(string_null(TiktokAdAccount::Company))
                .col(string_null(TiktokAdAccount::Country))
                // active | disconnected (no token reaches it; data kept)
                .col(string(TiktokAdAccount::SyncState))
                .col(integer(TiktokAdAccount::ImportedByUserId))
                .col(timestamp_with_time_zone(TiktokAdAccount::ImportedAt))
                .col(timestamp_with_time_zone(TiktokAdAccount::UpdatedAt))
                .col(timestamp_with_time_zone_null(TiktokAdAccount::LastSyncedAt))
                .col(timestamp_with_time_zone_null(TiktokAdAccount::NextSyncAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(TiktokAdAccount::Table, TiktokAdAccount::WorkspaceId)
                        .to(Workspace::Table, Workspace::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TiktokAdAccount::Table, TiktokAdAccount::ImportedByUserId)
                        .to(AppUser::Table, AppUser::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tiktok_ad_account_workspace_advertiser")
                .table(TiktokAdAccount::Table)
                .col(TiktokAdAccount::WorkspaceId)
                .col(TiktokAdAccount::AdvertiserId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TiktokTokenAccount::Table)
                .col(pk_auto(TiktokTokenAccount::Id))
                .col(integer(TiktokTokenAccount::TokenId))
                .col(integer(TiktokTokenAccount::AdAccountId))
                .col(timestamp_with_time_zone(TiktokTokenAccount::CreatedAt))
                .foreign_key(&mut fk(
                    (TiktokTokenAccount::Table, TiktokTokenAccount::TokenId),
                    (TiktokToken::Table, TiktokToken::Id),
                ))
                .foreign_key(&mut fk(
                    (TiktokTokenAccount::Table, TiktokTokenAccount::AdAccountId),
                    (TiktokAdAccount::Table, TiktokAdAccount::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tiktok_token_account_pair")
                .table(TiktokTokenAccount::Table)
                .col(TiktokTokenAccount::TokenId)
                .col(TiktokTokenAccount::AdAccountId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OauthState::Table)
                .col(pk_auto(OauthState::Id))
                // SHA-256 of the state: the state itself is never stored.
                .col(string_uniq(OauthState::StateHash))
                .col(integer(OauthState::WorkspaceId))
                .col(integer(OauthState::UserId))
                // connect | reconnect
                .col(string(OauthState::Purpose))
                .col(integer_null(OauthState::TokenId))
                .col(boolean(OauthState::SameWindow))
                .col(timestamp_with_time_zone(OauthState::ExpiresAt))
                .col(timestamp_with_time_zone_null(OauthState::UsedAt))
                .col(timestamp_with_time_zone(OauthState::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(OauthState::Table, OauthState::WorkspaceId)
                        .to(Workspace::Table, Workspace::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OauthState::Table, OauthState::UserId)
                        .to(AppUser::Table, AppUser::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TiktokPendingGrant::Table)
                .col(pk_auto(TiktokPendingGrant::Id))
                .col(integer(TiktokPendingGrant::WorkspaceId))
                .col(integer(TiktokPendingGrant::UserId))
                .col(string(TiktokPendingGrant::TiktokUserKey))
                .col(string_null(TiktokPendingGrant::TiktokDisplayName))
                .col(string_null(TiktokPendingGrant::TiktokEmail))
                .col(string(TiktokPendingGrant::KeyId))
                .col(blob_null(TiktokPendingGrant::AccessTokenEnc))
                .col(blob_null(TiktokPendingGrant::RefreshTokenEnc))
                .col(timestamp_with_time_zone_null(TiktokPendingGrant::AccessExpiresAt))
                .col(timestamp_with_time_zone_null(TiktokPendingGrant::RefreshExpiresAt))
                .col(text(TiktokPendingGrant::Scope))
                // Set by the import that consumed it, so a second click answers the same.
                .col(integer_null(TiktokPendingGrant::ImportedTokenId))
                .col(timestamp_with_time_zone(TiktokPendingGrant::ExpiresAt))
                .col(timestamp_with_time_zone(TiktokPendingGrant::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(TiktokPendingGrant::Table, TiktokPendingGrant::WorkspaceId)
                        .to(Workspace::Table, Workspace::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TiktokPendingGrant::Table, TiktokPendingGrant::UserId)
                        .to(AppUser::Table, AppUser::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SyncRun::Table)
                .col(pk_auto(SyncRun::Id))
                .col(integer(SyncRun::AdAccountId))
                // first | scheduled | manual
                .col(string(SyncRun::Trigger))
                // queued | running | succeeded | failed
                .col(string(SyncRun::Status))
                .col(string_null(SyncRun::Step))
                .col(integer(SyncRun::ProgressDone).default(0))
                .col(integer(SyncRun::ProgressTotal).default(0))
                .col(text_null(SyncRun::Counts))
                .col(integer(SyncRun::Requests).default(0))
                .col(integer(SyncRun::RateLimitWaits).default(0))
                .col(timestamp_with_time_zone_null(SyncRun::RetryAt))
                .col(string_null(SyncRun::ErrorKind))
                .col(text_null(SyncRun::ErrorMessage))
                .col(timestamp_with_time_zone(SyncRun::QueuedAt))
                .col(timestamp_with_time_zone_null(SyncRun::StartedAt))
                .col(timestamp_with_time_zone_null(SyncRun::LastProgressAt))
                .col(timestamp_with_time_zone_null(SyncRun::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SyncRun::Table, SyncRun::AdAccountId)
                        .to(TiktokAdAccount::Table, TiktokAdAccount::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sync_run_account_status")
                .table(SyncRun::Table)
                .col(SyncRun::AdAccountId)
                .col(SyncRun::Status)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SyncRun::Table.into_iden(),
            TiktokPendingGrant::Table.into_iden(),
            OauthState::Table.into_iden(),
            TiktokTokenAccount::Table.into_iden(),
            TiktokAdAccount::Table.into_iden(),
            TiktokToken::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
