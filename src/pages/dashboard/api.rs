//! What the Dashboard asks the server: totals, charts and top campaigns for the state in its URL.

use crate::{error::AppError, model::reports::*};

#[leptos::server(prefix = "/api", endpoint = "dashboard", input = server_fn::codec::Json)]
pub async fn load_dashboard(query: DashboardQuery) -> Result<Dashboard, AppError> {
    use crate::{
        auth::authorize,
        error::{from_context, respond},
        reports::ReportsService,
        roles::Capability,
    };
    respond(async move {
        let user = authorize(Capability::View).await?;
        let reports: ReportsService = from_context()?;
        reports.dashboard_view(user.workspace_id, query).await
    })
    .await
}
