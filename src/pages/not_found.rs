use leptos::prelude::*;
use leptos_meta::Title;

/// The in-app 404: says what happened and offers a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <main class="error-page">
            <p class="error-status">"404"</p>
            <h1>"Page not found"</h1>
            <p class="error-message">"There is no page at this address."</p>
            <p><a class="button" href="/connect/tiktok">"Back to Wevion"</a></p>
        </main>
    }
}
