//! Creative pictures: what TikTok's CDN would serve for an image or a video cover, drawn as a
//! small SVG so Ads Manager shows a thumbnail without the internet.

use axum::{
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

pub async fn picture(Path(file): Path<String>) -> Response {
    let Some(id) = file
        .strip_suffix(".svg")
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let hue = id.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 360;
    let kind = if id.starts_with('v') { "▶" } else { "▦" };
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90 120"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},70%,62%)"/><stop offset="1" stop-color="hsl({},70%,42%)"/></linearGradient></defs><rect width="90" height="120" fill="url(#g)"/><text x="45" y="68" font-size="28" text-anchor="middle" fill="#fff">{kind}</text></svg>"##,
        (hue + 40) % 360
    );
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], svg).into_response()
}
