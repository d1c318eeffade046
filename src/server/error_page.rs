//! The plain error page for routes outside the Leptos router (OAuth, 403s from handlers).

use axum::http::StatusCode;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A complete HTML page saying what happened; `message` is already safe to show a person.
pub fn render(status: StatusCode, message: &str) -> String {
    let title = match status.as_u16() {
        401 => "Please sign in",
        403 => "Not allowed",
        404 => "Page not found",
        429 => "Too many attempts",
        400..=499 => "That did not work",
        _ => "Something went wrong",
    };
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Wevion</title><link rel="stylesheet" href="/pkg/wevion.css"></head>
<body><main class="error-page"><p class="error-status">{code}</p><h1>{title}</h1><p class="error-message">{message}</p>
<p><a class="button" href="/connect/tiktok">Back to Wevion</a></p></main></body></html>"#,
        code = status.as_u16(),
        title = title,
        message = escape(message),
    )
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
