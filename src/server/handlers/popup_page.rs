//! The pages the OAuth popup shows: success (tells the opener, then closes) or an error that
//! stays on screen. Plain HTML with one static script (`/oauth-popup.js`): the popup must work
//! before the app's bundle loads, and under a script policy that allows no inline code.

use crate::error::page::{document, escape};
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

/// Tells the page that opened the popup, then closes. Without an opener it goes to `next`.
pub fn success(title: &str, text: &str, msg: &str, next: &str) -> Response {
    let body = format!(
        r#"<div data-popup data-message="{msg}" data-next="{next}"><h1>{title}</h1><p>{text}</p>
<p><a class="button primary" href="{next}">Continue</a></p></div><script src="/oauth-popup.js"></script>"#,
        title = escape(title),
        text = escape(text),
        msg = escape(msg),
        next = escape(next),
    );
    Html(document(title, "callback", &body)).into_response()
}

/// An error that stays open: what happened, and a way to try again or close.
pub fn failure(status: StatusCode, title: &str, text: &str, retry: &str) -> Response {
    let body = format!(
        r#"<div data-popup><p class="error-status">!</p><h1>{title}</h1><p class="error-message" role="alert">{text}</p>
<p class="callback-actions"><a class="button primary" href="{retry}">Try again</a>
<button type="button" class="button" data-close>Close</button></p></div><script src="/oauth-popup.js"></script>"#,
        title = escape(title),
        text = escape(text),
        retry = escape(retry),
    );
    (status, Html(document(title, "callback", &body))).into_response()
}
