//! What Ads Manager asks the server: one table for the state in its URL.

use crate::{error::AppError, model::reports::*};

#[leptos::server(prefix = "/api", endpoint = "ads/table", input = server_fn::codec::Json)]
pub async fn load_ads_table(query: AdsQuery) -> Result<AdsTable, AppError> {
    use crate::{
        auth::authorize,
        error::{from_context, respond},
        reports::ReportsService,
        roles::Capability,
    };
    respond(async move {
        let user = authorize(Capability::View).await?;
        let reports: ReportsService = from_context()?;
        reports.ads_view(user.workspace_id, query).await
    })
    .await
}
