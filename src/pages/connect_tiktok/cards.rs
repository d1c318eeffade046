//! Connector cards: one per connected TikTok user, with its ad accounts, their sync state and
//! a menu. Auth problems (Reconnect), sync errors, permission gaps, data-check findings and
//! rate-limit waits each have their own line.

use super::{
    api::{disconnect, import_available, retry_sync, sync_now},
    PageCtx,
};
use crate::error::AppError;
use crate::model::connect::{
    is_pending_review, start_url, status_label, AccountRow, CardAuth, ConnectionCard, DisconnectSummary, RunNotice,
    Said, SyncNowSummary, PENDING_REVIEW_HELP,
};
use crate::model::ids::ConnectionId;
use crate::model::tone::Tone;
use leptos::prelude::*;
use std::future::Future;

#[component]
pub fn ConnectionCards(cards: Vec<ConnectionCard>, can_manage: bool) -> impl IntoView {
    if cards.is_empty() {
        return view! {
            <div class="empty-state" data-testid="connections-empty">
                <h2>"No TikTok accounts connected yet"</h2>
                <p>
                    "TikTok For Business is where your advertiser accounts live. "
                    {if can_manage {
                        "Click Connect and sign in with the TikTok user that has a role on them, then choose which to import."
                    } else {
                        "A manager or above can connect them; you will see them here."
                    }}
                </p>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="cards">
            {cards.into_iter().map(|card| view! { <Card card can_manage/> }).collect_view()}
        </div>
    }
    .into_any()
}

#[component]
fn Card(card: ConnectionCard, can_manage: bool) -> impl IntoView {
    let ctx = expect_context::<PageCtx>();
    let id = card.id;
    let confirming = RwSignal::new(false);
    let name = card.tiktok_name.clone();
    let disconnect_action = said_action(disconnect, |done| done.notice);
    let sync_now_action = said_action(sync_now, |done| done.notice);
    let import_action = said_action(import_available, |done| done.notice);
    let reconnect_url = start_url(false, Some(id));
    let needs_reconnect = card.auth.needs_reconnect();
    let (badge_class, badge_text) = match card.auth {
        CardAuth::Reconnect { .. } => ("badge warn", "Reconnect"),
        CardAuth::Connected { .. } => ("badge ok", "Connected"),
    };
    let (evidence, warning) = match card.auth.clone() {
        CardAuth::Reconnect { evidence } => (evidence, None),
        CardAuth::Connected { warning } => (None, warning),
    };
    let with_time = |s: &Said| format!("{}{}", s.text, s.at.as_ref().map(|t| format!(" ({t})")).unwrap_or_default());
    view! {
        <article id=format!("connection-{id}") class=if needs_reconnect { "card card-warn" } else { "card" } data-testid="connection-card">
            <header class="card-header">
                <div>
                    <h2 class="card-title">{card.tiktok_name.clone()}" "<span class=badge_class data-testid="card-status">{badge_text}</span></h2>
                    <p class="muted">
                        {format!("Connected by {} on {} · ", card.connected_by, card.connected_at)}
                        <span data-testid="advertiser-count">{card.accounts_label.clone()}</span>
                    </p>
                </div>
                {can_manage.then(|| view! {
                    <CardMenu id reconnect_url=reconnect_url.clone() needs_reconnect sync_now=sync_now_action confirming/>
                })}
            </header>
            {needs_reconnect.then(|| {
                let reconnect_url = reconnect_url.clone();
                view! {
                    <div class="notice warn" data-testid="reconnect-needed">
                        <p><strong>"TikTok no longer accepts this connection's token."</strong>" Reconnect to resume syncing."</p>
                        {evidence.clone().map(|e| view! {
                            <p class="muted">{format!("Latest error{}: {}", e.at.map(|t| format!(" ({t})")).unwrap_or_default(), e.text)}</p>
                        })}
                        {can_manage.then(|| view! {
                            <button type="button" class="button primary" on:click=move |_| ctx.open(&reconnect_url)>"Reconnect"</button>
                        })}
                    </div>
                }
            })}
            {warning.as_ref().map(|w| view! {
                <p class="notice" data-testid="auth-warning">
                    {with_time(w)}
                </p>
            })}
            {card.available_line.clone().map(|line| view! {
                <div class="notice" data-testid="available-advertisers">
                    <p><strong>{line.headline}</strong>{line.names}</p>
                    {can_manage.then(|| view! {
                        <button type="button" class="button primary" disabled=move || import_action.pending().get()
                            on:click=move |_| { import_action.dispatch(id); }>
                            {line.button}
                        </button>
                    })}
                </div>
            })}
            <Show when=move || confirming.get()>
                <ConfirmDisconnect id name=name.clone() disconnect=disconnect_action confirming/>
            </Show>
            <ul class="accounts">
                {card.accounts.into_iter().map(|a| view! { <Account a can_manage/> }).collect_view()}
            </ul>
        </article>
    }
}

/// The card's menu: Reconnect, Sync now, Manage accounts, Disconnect (which asks first).
#[component]
fn CardMenu(
    id: ConnectionId,
    reconnect_url: String,
    needs_reconnect: bool,
    sync_now: Action<ConnectionId, Result<SyncNowSummary, AppError>>,
    confirming: RwSignal<bool>,
) -> impl IntoView {
    let ctx = expect_context::<PageCtx>();
    let menu_open = RwSignal::new(false);
    view! {
        <div class="menu">
            <button type="button" class="button" aria-label="Connection menu" aria-haspopup="menu"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|o| *o = !*o)>
                "⋯"
            </button>
            <Show when=move || menu_open.get()>
                <div class="menu-items" role="menu">
                    <button type="button" role="menuitem"
                        on:click={
                            let reconnect_url = reconnect_url.clone();
                            move |_| { menu_open.set(false); ctx.open(&reconnect_url); }
                        }>
                        "Reconnect"
                    </button>
                    <button type="button" role="menuitem" disabled=needs_reconnect
                        on:click=move |_| { menu_open.set(false); sync_now.dispatch(id); }>
                        "Sync now"
                    </button>
                    <a role="menuitem" href=format!("/connect/tiktok?manage={id}") on:click=move |_| menu_open.set(false)>
                        "Manage accounts"
                    </a>
                    <button type="button" role="menuitem" class="danger"
                        on:click=move |_| { menu_open.set(false); confirming.set(true); }>
                        "Disconnect"
                    </button>
                </div>
            </Show>
        </div>
    }
}

/// Asks before Disconnect, saying what it does.
#[component]
fn ConfirmDisconnect(
    id: ConnectionId,
    name: String,
    disconnect: Action<ConnectionId, Result<DisconnectSummary, AppError>>,
    confirming: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="notice err confirm" role="alertdialog" aria-label="Confirm disconnect">
            <p>
                {format!("Disconnect {name}? ")}
                "Wevion revokes its token at TikTok and deletes it. Advertiser accounts that no other connection reaches stop syncing; their data is kept."
            </p>
            <button type="button" class="button danger" disabled=move || disconnect.pending().get()
                on:click=move |_| { disconnect.dispatch(id); }>
                "Yes, disconnect"
            </button>
            <button type="button" class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
        </div>
    }
}

/// A card's or a row's action: calls `call` with the id, then says what `said` makes of the
/// answer and reloads the cards, or says the error.
fn said_action<I, T, Fut>(call: fn(I) -> Fut, said: fn(T) -> String) -> Action<I, Result<T, AppError>>
where
    I: Copy + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let ctx = expect_context::<PageCtx>();
    let action = Action::new(move |id: &I| call(*id));
    Effect::new(move |_| match action.value().get() {
        Some(Ok(answer)) => {
            ctx.say(Tone::Ok, said(answer));
            ctx.reload();
        }
        Some(Err(e)) => ctx.say(Tone::Err, e.message),
        None => {}
    });
    action
}

#[component]
fn Account(a: AccountRow, can_manage: bool) -> impl IntoView {
    let pending = is_pending_review(a.tiktok_status.as_deref());
    let badge = if pending {
        "badge warn"
    } else if a.tiktok_status.as_deref() == Some("STATUS_ENABLE") {
        "badge ok"
    } else {
        "badge"
    };
    let retry = said_action(retry_sync, |()| "The stuck sync was stopped; a new one starts now.".to_owned());
    let id = a.id;
    view! {
        <li class="account" data-testid="account-row">
            <div class="account-line">
                <div>
                    <span class="account-name">{a.name}</span>
                    <span class="muted mono">{format!(" · ID {}", a.advertiser_id)}</span>
                    {a.shared.then(|| view! { <span class="badge info" title="Reachable through more than one connection">"2+ access paths"</span> })}
                </div>
                <div class="account-meta">
                    <span class=badge title=pending.then_some(PENDING_REVIEW_HELP)>{status_label(a.tiktok_status.as_deref())}</span>
                    <span class="muted" data-testid="sync-label">{a.sync_label}</span>
                </div>
            </div>
            {a.run.map(|run| {
                let p = run.progress;
                view! {
                    <div class="sync-progress" data-testid="sync-progress">
                        <progress max="100" value=p.percent.to_string() aria-label="Sync progress"></progress>
                        <span>{p.label}</span>
                    </div>
                    {match run.notice {
                        Some(RunNotice::Waiting(w)) => view! { <p class="notice" data-testid="rate-limit-wait">{w}</p> }.into_any(),
                        Some(RunNotice::Stuck) => view! {
                            <div class="notice warn" data-testid="sync-stuck">
                                <p><strong>"Sync stuck"</strong>": no progress for over an hour."</p>
                                {can_manage.then(|| view! {
                                    <button type="button" class="button" disabled=move || retry.pending().get()
                                        on:click=move |_| { retry.dispatch(id); }>"Retry"</button>
                                })}
                            </div>
                        }.into_any(),
                        None => ().into_any(),
                    }}
                }
            })}
            {a.sync_error.map(|e| view! { <p class="notice err" data-testid="sync-error">{format!("The last sync failed: {e}")}</p> })}
            {a.gaps.into_iter().map(|g| view! { <p class="notice warn" data-testid="permission-gap">{g}</p> }).collect_view()}
            {a.data_check.map(|d| view! { <p class="notice warn" data-testid="data-check">{d}</p> })}
            {a.counts.map(|c| view! { <p class="muted account-counts" data-testid="sync-counts">{c}</p> })}
        </li>
    }
}
