//! The pages the OAuth popup shows: success (tells the opener, then closes) or an error that
//! stays on screen. Plain HTML: the popup must work even before the app's bundle loads.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Wevion</title><link rel="stylesheet" href="/pkg/wevion.css"></head>
<body><main class="callback">{body}</main></body></html>"#,
        title = escape(title)
    )
}

/// The message the opener listens for: `wevion:tiktok:<event>:<id>`.
pub fn message(event: &str, id: i32) -> String {
    format!("wevion:tiktok:{event}:{id}")
}

/// Tells the page that opened the popup (postMessage to our own origin, BroadcastChannel as a
/// fallback), then closes. Without an opener it goes to `next` in this window.
pub fn success(title: &str, text: &str, msg: &str, next: &str) -> Response {
    let body = format!(
        r#"<h1>{title}</h1><p>{text}</p><p><a class="button primary" href="{next}">Continue</a></p>
<script>
(function () {{
  var msg = "{msg}", next = "{next}";
  var opener = null;
  try {{ opener = window.opener && !window.opener.closed ? window.opener : null; }} catch (e) {{}}
  if (opener) {{ try {{ opener.postMessage(msg, window.location.origin); }} catch (e) {{}} }}
  try {{ var bc = new BroadcastChannel("wevion-tiktok"); bc.postMessage(msg); bc.close(); }} catch (e) {{}}
  if (opener) {{ window.close(); }} else {{ window.location.replace(next); }}
}})();
</script>"#,
        title = escape(title),
        text = escape(text),
        msg = escape(msg),
        next = escape(next),
    );
    Html(page(title, &body)).into_response()
}

/// An error that stays open: what happened, and a way to try again or close.
pub fn failure(status: StatusCode, title: &str, text: &str, retry: &str) -> Response {
    let body = format!(
        r#"<p class="error-status">!</p><h1>{title}</h1><p class="error-message" role="alert">{text}</p>
<p class="callback-actions"><a class="button primary" href="{retry}">Try again</a>
<button type="button" class="button" onclick="window.opener ? window.close() : (window.location.href = '/connect/tiktok')">Close</button></p>"#,
        title = escape(title),
        text = escape(text),
        retry = escape(retry),
    );
    (status, Html(page(title, &body))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_event_and_the_id() {
        assert_eq!(message("authorized", 7), "wevion:tiktok:authorized:7");
    }
}
