//! The signed-in shell: sidebar navigation, the member and workspace, sign out.

#[cfg(feature = "ssr")]
use crate::{auth::authorize, error::respond, roles::Capability};
use crate::{error::AppError, roles::Role};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use serde::{Deserialize, Serialize};

/// The signed-in member as the browser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub workspace_name: String,
    pub role: Role,
}

#[server(prefix = "/api", endpoint = "me")]
pub async fn get_me() -> Result<Me, AppError> {
    respond(async {
        let user = authorize(Capability::View).await?;
        Ok(Me { email: user.email, workspace_name: user.workspace_name, role: user.role })
    })
    .await
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    respond(async {
        let parts = use_context::<axum::http::request::Parts>()
            .ok_or_else(|| AppError::internal("request parts missing from the server function context"))?;
        let session = parts
            .extensions
            .get::<tower_sessions::Session>()
            .ok_or_else(|| AppError::internal("the session layer is missing in front of logout"))?;
        session.flush().await.map_err(crate::auth::session_store::session_error)?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The current member, shared with the pages below the layout.
pub type MeResource = Resource<Result<Me, AppError>>;

/// Whether the current member may connect, import and sync: the one check the pages make to
/// show those controls (every server function asks the role again).
pub async fn may_manage_connections(me: MeResource) -> bool {
    me.await.is_ok_and(|m| m.role.can_manage_connections())
}

#[component]
pub fn AppLayout() -> impl IntoView {
    let me: MeResource = Resource::new_blocking(|| (), |_| get_me());
    provide_context(me);
    let logout = ServerAction::<Logout>::new();
    view! {
        <div class="layout">
            <aside class="sidebar">
                <div class="brand">"Wevion"</div>
                <nav aria-label="Main">
                    <p class="nav-heading">"Connect"</p>
                    <A href="/connect/tiktok">"TikTok"</A>
                    <p class="nav-heading">"Analyse"</p>
                    <A href="/ads">"Ads Manager"</A>
                    <A href="/dashboard">"Dashboard"</A>
                </nav>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.ok().map(|me| view! {
                            <div class="who">
                                <p class="who-email" data-testid="user-email">{me.email}</p>
                                <p class="who-workspace" data-testid="workspace-name">{me.workspace_name}</p>
                                <p class="badge neutral" data-testid="user-role">{me.role.as_str()}</p>
                            </div>
                        })
                    })}
                </Suspense>
                <ActionForm action=logout>
                    <button type="submit" class="button link">"Sign out"</button>
                </ActionForm>
            </aside>
            <main class="content">
                <Outlet/>
            </main>
        </div>
    }
}
