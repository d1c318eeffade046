//! The Leptos application: the HTML shell, the router and the signed-in layout.

use crate::pages::{
    ads_manager::AdsManagerPage, connect_tiktok::ConnectTikTokPage, dashboard::DashboardPage, layout::AppLayout,
    login::LoginPage, not_found::NotFound,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Redirect, Route, Router, Routes},
    path,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.ico"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // End-to-end tests wait for this marker: a page that never hydrates still renders on the
    // server, and only this shows the difference.
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/wevion.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Wevion".to_string() } else { format!("{text} · Wevion") }/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=LoginPage/>
                <ParentRoute path=path!("") view=AppLayout>
                    <Route path=path!("") view=|| view! { <Redirect path="/connect/tiktok"/> }/>
                    <Route path=path!("connect/tiktok") view=ConnectTikTokPage/>
                    <Route path=path!("ads") view=AdsManagerPage/>
                    <Route path=path!("ads-manager") view=|| view! { <Redirect path="/ads"/> }/>
                    <Route path=path!("dashboard") view=DashboardPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
