//! `/connect/tiktok`: the workspace's TikTok connections.

use super::layout::MeResource;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ConnectTikTokPage() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <Title text="TikTok"/>
        <header class="page-header">
            <div>
                <h1>"TikTok For Business"</h1>
                <p class="muted">
                    "Connect the TikTok For Business accounts your team runs ads from. Campaigns, ad groups, ads, "
                    "creatives, audiences, pixels and the last 90 days of results are imported and kept up to date every 15 minutes."
                </p>
            </div>
        </header>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can_manage = me.await.map(|m| m.role.can_manage_connections()).unwrap_or(false);
                if can_manage {
                    view! {
                        <section class="connect-area" data-testid="connect-area">
                            <div class="empty-state">
                                <h2>"No TikTok accounts connected yet"</h2>
                                <p>
                                    "TikTok For Business is where your advertiser accounts live. Sign in with the "
                                    "TikTok user that has a role on them, then choose which to import."
                                </p>
                            </div>
                        </section>
                    }
                    .into_any()
                } else {
                    view! {
                        <p class="notice" data-testid="read-only-notice">"A manager or above must connect TikTok."</p>
                    }
                    .into_any()
                }
            })}
        </Suspense>
    }
}
