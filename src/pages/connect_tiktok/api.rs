//! What the TikTok page asks the server: server functions over the connect flow. Each one
//! authorizes, calls the service and returns; the page data is built in `connect::view`.

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
        Ok(service()?.overview(&user).await?.into())
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/picker", input = server_fn::codec::Json)]
pub async fn load_picker(source: PickerSource) -> Result<PickerData, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        Ok(service()?.picker(&user, source).await?.into())
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/import", input = server_fn::codec::Json)]
pub async fn import_selected(source: PickerSource, advertiser_ids: Vec<String>) -> Result<ImportSummary, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        Ok(service()?.import(&user, source, advertiser_ids).await?.into())
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/import-available", input = server_fn::codec::Json)]
pub async fn import_available(connection_id: ConnectionId) -> Result<ImportSummary, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        Ok(view::imported_available(service()?.import_available(&user, connection_id).await?))
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/sync-now", input = server_fn::codec::Json)]
pub async fn sync_now(connection_id: ConnectionId) -> Result<SyncNowSummary, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        Ok(view::sync_queued(engine()?.sync_now(&user, connection_id).await?))
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/retry-sync", input = server_fn::codec::Json)]
pub async fn retry_sync(account_id: AccountId) -> Result<(), AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        Ok(engine()?.retry(&user, account_id).await?)
    })
    .await
}

#[leptos::server(prefix = "/api", endpoint = "tiktok/disconnect", input = server_fn::codec::Json)]
pub async fn disconnect(connection_id: ConnectionId) -> Result<DisconnectSummary, AppError> {
    use self::ssr::*;
    respond(async {
        let user = authorize(Capability::ManageConnections).await?;
        Ok(service()?.disconnect(&user, connection_id).await?.into())
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    pub use crate::{
        auth::authorize,
        connect::{view, ConnectService},
        error::respond,
        roles::Capability,
        sync::SyncEngine,
    };

    pub fn service() -> Result<ConnectService, AppError> {
        crate::error::from_context()
    }

    pub fn engine() -> Result<SyncEngine, AppError> {
        crate::error::from_context()
    }
}
