//! What the TikTok page asks the server: server functions over the connect flow. Their bodies
//! turn the flow's domain results into page data and choose the words.

use crate::{error::AppError, model::connect::*};

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

#[leptos::server(prefix = "/api", endpoint = "tiktok/disconnect", input = server_fn::codec::Json)]
pub async fn disconnect(connection_id: i32) -> Result<DisconnectSummary, AppError> {
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
    pub use super::super::words::{connect_error, display_time};
    pub use crate::{
        auth::authorize,
        connect::{ConnectService, ConnectionOverview, ImportOutcome},
        error::respond,
        roles::Capability,
    };
    use crate::{error::AppError, model::connect::*};

    pub const FALLBACK_NAME: &str = "TikTok account";

    pub fn service() -> Result<ConnectService, AppError> {
        leptos::prelude::use_context::<ConnectService>()
            .ok_or_else(|| AppError::internal("ConnectService missing from the server function context"))
    }

    pub fn card(c: ConnectionOverview) -> ConnectionCard {
        let accounts = c
            .accounts
            .into_iter()
            .map(|a| AccountRow {
                sync_label: match (a.disconnected, a.last_synced_at, a.sync_pending) {
                    (true, _, _) => "Disconnected".into(),
                    (false, None, _) => "Waiting for first sync".into(),
                    (false, Some(at), true) => format!("Syncing · last synced {}", display_time(at)),
                    (false, Some(at), false) => format!("Last synced {}", display_time(at)),
                },
                shared: a.access_paths > 1,
                advertiser_id: a.advertiser_id,
                name: a.name,
                tiktok_status: a.tiktok_status,
            })
            .collect();
        ConnectionCard {
            id: c.id,
            tiktok_name: c.tiktok_name.unwrap_or_else(|| FALLBACK_NAME.into()),
            connected_by: c.connected_by.unwrap_or_else(|| "a former member".into()),
            connected_at: display_time(c.connected_at),
            needs_reconnect: c.needs_reconnect,
            auth_error: c.auth_error,
            auth_error_at: c.auth_error_at.map(display_time),
            auth_warning: c.auth_warning,
            auth_warning_at: c.auth_warning_at.map(display_time),
            accounts,
        }
    }
}
