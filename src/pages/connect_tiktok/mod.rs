//! `/connect/tiktok`: the workspace's TikTok connections, the Connect button, the advertiser
//! picker and the connector cards.

pub mod api;
mod cards;
mod picker;
pub mod popup;

use self::{
    api::connect_page,
    cards::ConnectionCards,
    picker::Picker,
    popup::{listen, open_popup, PopupEvent},
};
use super::layout::{may_manage_connections, MeResource};
use crate::model::{
    connect::{start_url, ConnectPageData, FirstSync, ImportSummary, ImportWatch, PickerSource, START_PATH},
    ids::{ConnectionId, GrantId},
    tone::Tone,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

/// A line at the top of the page: what just happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub tone: Tone,
    pub text: String,
}

/// Shared by the page's parts: bump `version` to reload the cards.
#[derive(Clone, Copy)]
pub struct PageCtx {
    pub version: RwSignal<u32>,
    pub notice: RwSignal<Option<Notice>>,
    pub popup_blocked: RwSignal<Option<String>>,
    /// "Imported N campaigns from TikTok", once a first sync this page watched has ended.
    pub toast: RwSignal<Option<String>>,
}

impl PageCtx {
    pub fn reload(&self) {
        self.version.update(|v| *v += 1);
    }

    pub fn say(&self, tone: Tone, text: impl Into<String>) {
        self.notice.set(Some(Notice { tone, text: text.into() }));
    }

    /// Opens the popup at `url`; when blocked, offers the same flow in this window.
    pub fn open(&self, url: &str) {
        if open_popup(url) {
            self.popup_blocked.set(None);
        } else {
            let same = if url.contains('?') { format!("{url}&window=same") } else { format!("{url}?window=same") };
            self.popup_blocked.set(Some(same));
        }
    }
}

#[component]
pub fn ConnectTikTokPage() -> impl IntoView {
    // Long: the page's view tree and the popup's messages share one context of signals.
    let me = expect_context::<MeResource>();
    let ctx = PageCtx {
        version: RwSignal::new(0),
        notice: RwSignal::new(None),
        popup_blocked: RwSignal::new(None),
        toast: RwSignal::new(None),
    };
    provide_context(ctx);
    let query = use_query_map();
    let picker_source = Memo::new(move |_| {
        let q = query.read();
        let id = |k: &str| q.get(k).and_then(|v| v.parse::<i32>().ok());
        id("grant")
            .map(|id| PickerSource::Grant(GrantId(id)))
            .or_else(|| id("manage").map(|id| PickerSource::Connection(ConnectionId(id))))
    });
    let navigate = use_navigate();
    let data = Resource::new(move || ctx.version.get(), |_| connect_page());
    watch_syncs(ctx, data);

    // Same-window reconnect lands here with ?reconnected=1.
    Effect::new(move |_| {
        if query.read().get("reconnected").is_some() {
            ctx.say(Tone::Ok, "TikTok is reconnected. Its advertiser accounts keep syncing.");
        }
    });
    listen({
        let navigate = navigate.clone();
        move |event| match event {
            PopupEvent::Authorized(grant) => {
                ctx.popup_blocked.set(None);
                navigate(&format!("/connect/tiktok?grant={grant}"), Default::default());
            }
            PopupEvent::Reconnected(_) => {
                ctx.say(Tone::Ok, "TikTok is reconnected. Its advertiser accounts keep syncing.");
                ctx.reload();
            }
        }
    });
    let on_imported = Callback::new({
        let navigate = navigate.clone();
        move |outcome: ImportSummary| {
            ctx.say(Tone::Ok, outcome.notice);
            ctx.reload();
            navigate("/connect/tiktok", Default::default());
        }
    });
    let on_cancel = Callback::new(move |_: ()| navigate("/connect/tiktok", Default::default()));

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
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let can_manage = may_manage_connections(me).await;
                    can_manage.then(|| view! {
                        <a class="button primary" href=start_url(true, None) rel="external" data-testid="connect-button"
                            on:click=move |ev| { ev.prevent_default(); ctx.open(START_PATH); }>
                            "Connect"
                        </a>
                    })
                })}
            </Suspense>
        </header>
        {move || ctx.notice.get().map(|n| view! {
            <p class=format!("notice {}", n.tone.class()) role="status" data-testid="notice">{n.text}</p>
        })}
        {move || ctx.toast.get().map(|text| view! {
            <div class="toast" role="status" data-testid="toast">
                {text}" "
                <button type="button" class="button link" aria-label="Dismiss" on:click=move |_| ctx.toast.set(None)>"×"</button>
            </div>
        })}
        {move || ctx.popup_blocked.get().map(|same_window| view! {
            <div class="notice warn" role="alert" data-testid="popup-blocked">
                <strong>"Pop-up blocked: allow pop-ups for this site"</strong>
                " — or "
                <a href=same_window rel="external">"continue in this window"</a>
                "."
            </div>
        })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can_manage = may_manage_connections(me).await;
                (!can_manage).then(|| view! {
                    <p class="notice" data-testid="read-only-notice">"A manager or above must connect TikTok."</p>
                })
            })}
        </Suspense>
        {move || picker_source.get().map(|source| view! { <Picker source on_done=on_imported on_cancel/> })}
        <Transition fallback=|| view! { <p class="muted">"Loading connections…"</p> }>
            {move || Suspend::new(async move {
                let can_manage = may_manage_connections(me).await;
                match data.await {
                    Ok(page) => view! { <ConnectionCards cards=page.connections can_manage/> }.into_any(),
                    Err(e) => view! { <p class="notice err" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// While anything syncs, reloads the cards every 2 seconds (a short poll), and says
/// **Imported N campaigns from TikTok** once the first syncs this page watched have all ended.
fn watch_syncs(ctx: PageCtx, data: Resource<Result<ConnectPageData, crate::error::AppError>>) {
    let busy = RwSignal::new(false);
    let import = StoredValue::new(ImportWatch::default());
    Effect::new(move |_| {
        let Some(Ok(page)) = data.get() else { return };
        let accounts = || page.connections.iter().flat_map(|c| c.accounts.iter());
        busy.set(accounts().any(|a| a.run.is_some() || a.first_sync == FirstSync::Pending));
        if let Some(said) = import.try_update_value(|w| w.observe(accounts())).flatten() {
            ctx.toast.set(Some(said));
        }
    });
    // Effects run in the browser only: the server renders once and never polls.
    Effect::new(move |_| {
        if busy.get() {
            if let Ok(handle) = set_interval_with_handle(move || ctx.reload(), std::time::Duration::from_secs(2)) {
                on_cleanup(move || handle.clear());
            }
        }
    });
}
