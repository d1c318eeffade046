use leptos::prelude::*;
use leptos_meta::Title;

/// Ads Manager arrives with the sync engine; until then it says so plainly.
#[component]
pub fn AdsManagerPage() -> impl IntoView {
    view! {
        <Title text="Ads Manager"/>
        <h1>"Ads Manager"</h1>
        <div class="empty-state">
            <h2>"No campaigns to show yet"</h2>
            <p>"Campaigns, ad groups and ads appear here once a TikTok advertiser account has been imported and synced."</p>
            <a class="button" href="/connect/tiktok">"Go to TikTok connections"</a>
        </div>
    }
}
