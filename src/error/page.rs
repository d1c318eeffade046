//! Plain HTML pages for answers outside the Leptos router (OAuth popups, refusals from
//! handlers and middleware). They must work before, or without, the app's bundle.

use axum::http::StatusCode;

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A whole HTML document around `body` (already escaped). `class` names the `<main>`.
pub fn document(title: &str, class: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Wevion</title><link rel="stylesheet" href="/pkg/wevion.css"></head>
<body><main class="{class}">{body}</main></body></html>"#,
        title = escape(title),
    )
}

/// A page saying what happened; `message` is already safe to show a person.
pub fn render(status: StatusCode, message: &str) -> String {
    let title = match status.as_u16() {
        401 => "Please sign in",
        403 => "Not allowed",
        404 => "Page not found",
        429 => "Too many attempts",
        503 => "Temporarily unavailable",
        400..=499 => "That did not work",
        _ => "Something went wrong",
    };
    let body = format!(
        r#"<p class="error-status">{code}</p><h1>{title}</h1><p class="error-message">{message}</p>
<p><a class="button" href="/connect/tiktok">Back to Wevion</a></p>"#,
        code = status.as_u16(),
        message = escape(message),
    );
    document(title, "error-page", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_page_escapes_its_message() {
        let html = render(StatusCode::FORBIDDEN, "<script>x</script>");
        assert!(html.contains("Not allowed"));
        assert!(!html.contains("<script>x"));
    }
}
