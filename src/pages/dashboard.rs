use leptos::prelude::*;
use leptos_meta::Title;

/// The dashboard arrives with the sync engine; until then it says so plainly.
#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <div class="empty-state">
            <h2>"No ad data yet"</h2>
            <p>"Spend, impressions, clicks and conversions for the last 90 days appear here after the first sync."</p>
            <a class="button" href="/connect/tiktok">"Go to TikTok connections"</a>
        </div>
    }
}
