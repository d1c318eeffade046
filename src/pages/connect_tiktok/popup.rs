//! The browser side of the OAuth popup: open it synchronously on click (browsers block late
//! popups), and hear back from it through `postMessage` or a `BroadcastChannel`.

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

/// What the callback page tells us, as `wevion:tiktok:<event>:<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupEvent {
    Authorized(i32),
    Reconnected(i32),
}

const PREFIX: &str = "wevion:tiktok:";

impl PopupEvent {
    /// What the callback page posts (the server builds it, the page parses it).
    pub fn message(self) -> String {
        match self {
            Self::Authorized(id) => format!("{PREFIX}authorized:{id}"),
            Self::Reconnected(id) => format!("{PREFIX}reconnected:{id}"),
        }
    }

    pub fn parse(message: &str) -> Option<Self> {
        let rest = message.strip_prefix(PREFIX)?;
        let (event, id) = rest.split_once(':')?;
        let id = id.parse().ok()?;
        match event {
            "authorized" => Some(Self::Authorized(id)),
            "reconnected" => Some(Self::Reconnected(id)),
            _ => None,
        }
    }
}

/// Opens `url` in the TikTok popup. False when the browser blocked it.
pub fn open_popup(url: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        matches!(
            window().open_with_url_and_target_and_features(url, "wevion-tiktok", "popup,width=520,height=720"),
            Ok(Some(_))
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = url;
        false
    }
}

/// Calls `on_event` for every message from the popup, for as long as the page lives.
pub fn listen(on_event: impl Fn(PopupEvent) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        let from_window = on_event.clone();
        let handle = window_event_listener(leptos::ev::message, move |ev: web_sys::MessageEvent| {
            // Only our own origin may speak for the popup.
            let ours = window().location().origin().ok();
            if ours.as_deref() != Some(ev.origin().as_str()) {
                return;
            }
            if let Some(event) = ev.data().as_string().as_deref().and_then(PopupEvent::parse) {
                from_window(event);
            }
        });
        on_cleanup(move || handle.remove());
        if let Ok(channel) = web_sys::BroadcastChannel::new("wevion-tiktok") {
            let closure = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(event) = ev.data().as_string().as_deref().and_then(PopupEvent::parse) {
                    on_event(event);
                }
            });
            channel.set_onmessage(Some(closure.as_ref().unchecked_ref()));
            closure.forget();
            let channel = send_wrapper::SendWrapper::new(channel);
            on_cleanup(move || channel.close());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = on_event;
    }
}

#[cfg(test)]
mod tests {
    use super::PopupEvent;

    #[test]
    fn popup_messages_parse_and_strangers_do_not() {
        assert_eq!(PopupEvent::parse("wevion:tiktok:authorized:12"), Some(PopupEvent::Authorized(12)));
        assert_eq!(PopupEvent::parse("wevion:tiktok:reconnected:3"), Some(PopupEvent::Reconnected(3)));
        assert_eq!(PopupEvent::parse("wevion:tiktok:authorized:x"), None);
        assert_eq!(PopupEvent::parse("hello"), None);
    }

    #[test]
    fn messages_name_the_event_and_the_id_and_read_back() {
        assert_eq!(PopupEvent::Authorized(7).message(), "wevion:tiktok:authorized:7");
        for event in [PopupEvent::Authorized(7), PopupEvent::Reconnected(3)] {
            assert_eq!(PopupEvent::parse(&event.message()), Some(event));
        }
    }
}
