//! One name for a connected TikTok user: "connection" (`tiktok_connection`, its access paths
//! `tiktok_access_path`). Ciphertexts gain a format (2: bound to workspace, TikTok user and
//! column) and connections a token generation, so a write never replaces a newer token. A
//! pending grant is claimed by `imported_at` instead of a placeholder id. The database itself
//! allows at most one queued or running sync per ad account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TiktokToken {
    Table,
}

#[derive(DeriveIden)]
enum TiktokTokenAccount {
    Table,
    TokenId,
}

#[derive(DeriveIden)]
enum TiktokConnection {
    Table,
    WorkspaceId,
    TiktokUserKey,
    TokenFormat,
    TokenGeneration,
    AuthWarning,
    AuthWarningAt,
}

#[derive(DeriveIden)]
enum TiktokAccessPath {
    Table,
    ConnectionId,
    AdAccountId,
}

#[derive(DeriveIden)]
enum OauthState {
    Table,
    TokenId,
    ConnectionId,
}

#[derive(DeriveIden)]
enum TiktokPendingGrant {
    Table,
    ImportedTokenId,
    ImportedConnectionId,
    ImportedAt,
    TokenFormat,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("tiktok_token_workspace_user").table(TiktokToken::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("tiktok_token_account_pair").table(TiktokTokenAccount::Table).to_owned())
            .await?;
        m.rename_table(Table::rename().table(TiktokToken::Table, TiktokConnection::Table).to_owned()).await?;
        m.rename_table(Table::rename().table(TiktokTokenAccount::Table, TiktokAccessPath::Table).to_owned()).await?;
        let alter = |table: TableAlterStatement| async move { m.alter_table(table).await };
        alter(
            Table::alter()
                .table(TiktokAccessPath::Table)
                .rename_column(TiktokTokenAccount::TokenId, TiktokAccessPath::ConnectionId)
                .to_owned(),
        )
        .await?;
        alter(
            Table::alter()
                .table(OauthState::Table)
                .rename_column(OauthState::TokenId, OauthState::ConnectionId)
                .to_owned(),
        )
        .await?;
        alter(
            Table::alter()
                .table(TiktokPendingGrant::Table)
                .rename_column(TiktokPendingGrant::ImportedTokenId, TiktokPendingGrant::ImportedConnectionId)
                .to_owned(),
        )
        .await?;
        alter(
            Table::alter()
                .table(TiktokPendingGrant::Table)
                .add_column(timestamp_with_time_zone_null(TiktokPendingGrant::ImportedAt))
                .to_owned(),
        )
        .await?;
        // Rows written before this migration hold format-1 ciphertexts.
        alter(
            Table::alter()
                .table(TiktokPendingGrant::Table)
                .add_column(small_integer(TiktokPendingGrant::TokenFormat).default(1))
                .to_owned(),
        )
        .await?;
        alter(
            Table::alter()
                .table(TiktokConnection::Table)
                .add_column(small_integer(TiktokConnection::TokenFormat).default(1))
                .to_owned(),
        )
        .await?;
        alter(
            Table::alter()
                .table(TiktokConnection::Table)
                .add_column(integer(TiktokConnection::TokenGeneration).default(0))
                .to_owned(),
        )
        .await?;
        // A refresh that failed for a while (TikTok down): shown apart from Reconnect.
        alter(
            Table::alter()
                .table(TiktokConnection::Table)
                .add_column(text_null(TiktokConnection::AuthWarning))
                .to_owned(),
        )
        .await?;
        alter(
            Table::alter()
                .table(TiktokConnection::Table)
                .add_column(timestamp_with_time_zone_null(TiktokConnection::AuthWarningAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tiktok_connection_workspace_user")
                .table(TiktokConnection::Table)
                .col(TiktokConnection::WorkspaceId)
                .col(TiktokConnection::TiktokUserKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("tiktok_access_path_pair")
                .table(TiktokAccessPath::Table)
                .col(TiktokAccessPath::ConnectionId)
                .col(TiktokAccessPath::AdAccountId)
                .unique()
                .to_owned(),
        )
        .await?;
        // The queue's invariant lives in the database: one queued or running run per account.
        // Earlier versions queued by check-then-insert and may have left two; the newest stays.
        m.get_connection()
            .execute_unprepared(
                "UPDATE sync_run SET status = 'cancelled', error_kind = 'superseded', \
                 error_message = 'Replaced by a newer run of the same account.' \
                 WHERE status IN ('queued', 'running') AND id NOT IN \
                 (SELECT MAX(id) FROM sync_run WHERE status IN ('queued', 'running') GROUP BY ad_account_id)",
            )
            .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX sync_run_one_active ON sync_run (ad_account_id) WHERE status IN ('queued', 'running')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("DROP INDEX sync_run_one_active").await?;
        m.drop_index(Index::drop().name("tiktok_access_path_pair").table(TiktokAccessPath::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("tiktok_connection_workspace_user").table(TiktokConnection::Table).to_owned())
            .await?;
        for column in [
            TiktokConnection::AuthWarningAt,
            TiktokConnection::AuthWarning,
            TiktokConnection::TokenGeneration,
            TiktokConnection::TokenFormat,
        ] {
            m.alter_table(Table::alter().table(TiktokConnection::Table).drop_column(column).to_owned()).await?;
        }
        for column in [TiktokPendingGrant::TokenFormat, TiktokPendingGrant::ImportedAt] {
            m.alter_table(Table::alter().table(TiktokPendingGrant::Table).drop_column(column).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(TiktokPendingGrant::Table)
                .rename_column(TiktokPendingGrant::ImportedConnectionId, TiktokPendingGrant::ImportedTokenId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OauthState::Table)
                .rename_column(OauthState::ConnectionId, OauthState::TokenId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(TiktokAccessPath::Table)
                .rename_column(TiktokAccessPath::ConnectionId, TiktokTokenAccount::TokenId)
                .to_owned(),
        )
        .await?;
        m.rename_table(Table::rename().table(TiktokAccessPath::Table, TiktokTokenAccount::Table).to_owned()).await?;
        m.rename_table(Table::rename().table(TiktokConnection::Table, TiktokToken::Table).to_owned()).await
    }
}
