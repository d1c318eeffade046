//! What the TikTok page asks the server: server functions over the connect flow. Their bodies
//! turn the flow's domain results into page data and choose the words.

use crate::{
    error::AppError,
    model::{
        connect::*,
        ids::{AccountId, ConnectionId},
    },
};

#[leptos::server(prefix = "/api", endpoint = "tiktok/connections")]
pub async fn connect_page() -> Result<ConnectPageData, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::View).await?;
        let overview = service()?.overview(&user).await.map_err(connect_error)?;
        Ok(ConnectPageData { connections: overview.into_iter().map(card).collect() })
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/picker", input = server_fn::codec::Json)]
pub async fn load_picker(source: PickerSource) -> Result<PickerData, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        let view = service()?.picker(&user, source).await.map_err(connect_error)?;
        Ok(PickerData {
            source: view.source,
            tiktok_name: view.tiktok_name.unwrap_or_else(|| FALLBACK_NAME.into()),
            advertisers: view
                .advertisers
                .into_iter()
                .map(|a| PickerAdvertiser {
                    name: a.info.name.clone().unwrap_or_else(|| format!("Advertiser {}", a.info.advertiser_id)),
                    status: a.info.status,
                    currency: a.info.currency,
                    timezone: a.info.display_timezone.or(a.info.timezone),
                    imported_elsewhere: a.imported_elsewhere,
                    linked_here: a.linked_here,
                    advertiser_id: a.info.advertiser_id,
                })
                .collect(),
        })
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/import", input = server_fn::codec::Json)]
pub async fn import_selected(source: PickerSource, advertiser_ids: Vec<String>) -> Result<ImportSummary, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        Ok(match service()?.import(&user, source, advertiser_ids).await.map_err(connect_error)? {
            ImportOutcome::Imported { connection_id, imported, stopped } => {
                ImportSummary { connection_id, imported, stopped }
            }
            ImportOutcome::AlreadyImported { connection_id } => {
                ImportSummary { connection_id, imported: 0, stopped: 0 }
            }
        })
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/import-available", input = server_fn::codec::Json)]
pub async fn import_available(connection_id: ConnectionId) -> Result<ImportSummary, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        Ok(match service()?.import_available(&user, connection_id).await.map_err(connect_error)? {
            ImportOutcome::Imported { connection_id, imported, stopped } => {
                ImportSummary { connection_id, imported, stopped }
            }
            ImportOutcome::AlreadyImported { connection_id } => {
                ImportSummary { connection_id, imported: 0, stopped: 0 }
            }
        })
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/sync-now", input = server_fn::codec::Json)]
pub async fn sync_now(connection_id: ConnectionId) -> Result<SyncNowSummary, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        let queued = engine()?.sync_now(&user, connection_id).await.map_err(sync_error)?;
        Ok(SyncNowSummary { queued })
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/retry-sync", input = server_fn::codec::Json)]
pub async fn retry_sync(account_id: AccountId) -> Result<(), AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        engine()?.retry(&user, account_id).await.map_err(sync_error)
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/disconnect", input = server_fn::codec::Json)]
pub async fn disconnect(connection_id: ConnectionId) -> Result<DisconnectSummary, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        let done = service()?.disconnect(&user, connection_id).await.map_err(connect_error)?;
        Ok(DisconnectSummary {
            revoked_at_tiktok: done.revoked_at_tiktok,
            accounts_disconnected: done.accounts_disconnected,
        })
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    pub use super::super::words::{card, connect_error, sync_error, FALLBACK_NAME};
    use crate::error::AppError;
    pub use crate::{
        auth::authorize,
        connect::{ConnectService, ImportOutcome},
        error::respond,
        roles::Capability,
        sync::SyncEngine,
    };

    pub fn service() -> Result<ConnectService, AppError> {
        leptos::prelude::use_context::<ConnectService>()
            .ok_or_else(|| AppError::internal("ConnectService missing from the server function context"))
    }

    pub fn engine() -> Result<SyncEngine, AppError> {
        leptos::prelude::use_context::<SyncEngine>()
            .ok_or_else(|| AppError::internal("SyncEngine missing from the server function context"))
    }
}
