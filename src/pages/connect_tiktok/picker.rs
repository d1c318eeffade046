//! The advertiser picker: tick the accounts to import (or, for an existing connection, the ones
//! to keep syncing), then **Import selected**.

use super::{
    api::{import_selected, load_picker},
    PageCtx,
};
use crate::{
    error::ErrorCode,
    model::connect::{
        is_pending_review, start_url, status_label, ImportSummary, PickerAdvertiser, PickerSource, PENDING_REVIEW_HELP,
        START_PATH,
    },
};
use leptos::prelude::*;
use std::collections::BTreeSet;

#[component]
pub fn Picker(source: PickerSource, on_done: Callback<ImportSummary>, on_cancel: Callback<()>) -> impl IntoView {
    let data = Resource::new(move || source, load_picker);
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let import = Action::new(move |ids: &Vec<String>| {
        let ids = ids.clone();
        async move { import_selected(source, ids).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = import.value().get() {
            on_done.run(outcome);
        }
    });
    let title = match source {
        PickerSource::Grant(_) => "Choose advertiser accounts to import",
        PickerSource::Connection(_) => "Manage advertiser accounts",
    };
    view! {
        <section class="picker" aria-labelledby="picker-title" data-testid="picker">
            <h2 id="picker-title">{title}</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading advertiser accounts from TikTok…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) if d.advertisers.is_empty() => view! { <NoAdvertisers on_cancel/> }.into_any(),
                        Ok(d) => {
                            // Pre-tick what this connection already syncs (Manage accounts).
                            selected.set(d.advertisers.iter().filter(|a| a.linked_here).map(|a| a.advertiser_id.clone()).collect());
                            view! { <PickerList tiktok_name=d.tiktok_name advertisers=d.advertisers selected import on_cancel/> }.into_any()
                        }
                        Err(e) => {
                            // Retrying cannot fix these; a rejected token is fixed by Reconnect on the card.
                            let done = matches!(e.code, ErrorCode::Conflict | ErrorCode::NotFound | ErrorCode::NeedsReconnect);
                            if e.code == ErrorCode::NeedsReconnect {
                                // The card turns yellow: show it.
                                expect_context::<PageCtx>().reload();
                            }
                            view! {
                                <p class="notice err" role="alert">{e.message}</p>
                                <div class="picker-actions">
                                    {(!done).then(|| view! {
                                        <button type="button" class="button" on:click=move |_| data.refetch()>"Retry"</button>
                                    })}
                                    <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Close"</button>
                                </div>
                            }
                            .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn NoAdvertisers(on_cancel: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<PageCtx>();
    view! {
        <div class="empty-state" data-testid="no-advertisers">
            <h2>"No advertiser accounts found"</h2>
            <p>"This TikTok account cannot reach any advertiser account. Usually that is one of two things:"</p>
            <ul class="causes">
                <li>
                    <strong>"A personal TikTok account was used"</strong>
                    " instead of TikTok For Business. Sign up for TikTok For Business at ads.tiktok.com, then connect again."
                </li>
                <li>
                    <strong>"No role on any advertiser account"</strong>
                    " in Business Center. Ask a Business Center admin to add you under Members → roles, then connect again."
                </li>
            </ul>
            <div class="picker-actions">
                <a class="button primary" href=start_url(true, None) rel="external"
                    on:click=move |ev| { ev.prevent_default(); ctx.open(START_PATH); }>
                    "Try again"
                </a>
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Close"</button>
            </div>
        </div>
    }
}

#[component]
fn PickerList(
    tiktok_name: String,
    advertisers: Vec<PickerAdvertiser>,
    selected: RwSignal<BTreeSet<String>>,
    import: Action<Vec<String>, Result<ImportSummary, crate::error::AppError>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let all: BTreeSet<String> = advertisers.iter().map(|a| a.advertiser_id.clone()).collect();
    let all_ticked = {
        let all = all.clone();
        move || selected.with(|s| *s == all)
    };
    let error = move || import.value().get().and_then(Result::err).map(|e| e.message);
    let rows = advertisers
        .into_iter()
        .map(|a| {
            let id = a.advertiser_id.clone();
            let checked = {
                let id = id.clone();
                move || selected.with(|s| s.contains(&id))
            };
            let toggle = {
                let id = id.clone();
                move |_| {
                    selected.update(|s| {
                        if !s.remove(&id) {
                            s.insert(id.clone());
                        }
                    })
                }
            };
            let pending = is_pending_review(a.status.as_deref());
            let badge_class = if pending { "badge warn" } else if a.status.as_deref() == Some("STATUS_ENABLE") { "badge ok" } else { "badge" };
            let input_id = format!("adv-{id}");
            view! {
                <li class="picker-row">
                    <input type="checkbox" id=input_id.clone() prop:checked=checked on:change=toggle/>
                    <label for=input_id>
                        <span class="picker-name">{a.name.clone()}</span>
                        <span class="muted mono">{format!("ID {}", a.advertiser_id)}</span>
                        <span class="muted">
                            {[a.currency.clone(), a.timezone.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")}
                        </span>
                    </label>
                    <span class=badge_class>{status_label(a.status.as_deref())}</span>
                    {a.imported_elsewhere.then(|| view! {
                        <span class="badge info" title="A teammate's connection already imports it; this adds a second access path.">
                            "Already imported"
                        </span>
                    })}
                    {a.linked_here.then(|| view! { <span class="badge ok">"Syncing"</span> })}
                    {pending.then(|| view! { <p class="pending-help">{PENDING_REVIEW_HELP}</p> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{format!("Advertiser accounts {tiktok_name} can reach on TikTok:")}</p>
        <label class="select-all">
            <input type="checkbox" prop:checked=all_ticked.clone()
                on:change=move |_| { if all_ticked() { selected.set(BTreeSet::new()) } else { selected.set(all.clone()) } }/>
            "Select all"
        </label>
        <ul class="picker-list">{rows}</ul>
        <Show when=move || error().is_some()>
            <p class="notice err" role="alert">{error}</p>
        </Show>
        <div class="picker-actions">
            <button type="button" class="button primary"
                disabled=move || selected.with(BTreeSet::is_empty) || import.pending().get()
                on:click=move |_| { import.dispatch(selected.get().into_iter().collect()); }>
                {move || if import.pending().get() { "Importing…" } else { "Import selected" }}
            </button>
            <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
        </div>
    }
}
