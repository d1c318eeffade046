//! The creative library: image and video search (`file/*/ad/search`) and info by id
//! (`file/*/ad/info`), with picture links into the sandbox's own media route.

use super::{
    super::{wire::*, Sandbox, MOUNT},
    accounts::reachable,
};
use axum::{http::HeaderMap, response::Response};
use serde_json::{json, Value};

/// Where this sandbox serves creative images, as its caller reached it (like TikTok's CDN
/// links, they are absolute).
fn media_base(headers: &HeaderMap) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}{MOUNT}/media")
}

impl Sandbox {
    /// `file/image/ad/search/`.
    pub(super) fn image_search(&self, q: &Query, headers: &HeaderMap, path: &str) -> Answer<Response> {
        self.library(
            q,
            headers,
            path,
            1000,
            20,
            "list",
            |g| g.creative_count(),
            |g, i| g.image(i, &media_base(headers)),
        )
    }

    /// `file/video/ad/search/`.
    pub(super) fn video_search(&self, q: &Query, headers: &HeaderMap, path: &str) -> Answer<Response> {
        self.library(
            q,
            headers,
            path,
            1000,
            20,
            "list",
            |g| g.creative_count(),
            |g, i| g.video(i, &media_base(headers)),
        )
    }

    /// `file/image/ad/info/` and `file/video/ad/info/`: the listed ids that exist, up to `max`
    /// of them. `prefix` tells the two apart (`v10033g` is a video id).
    pub(super) fn creative_info(
        &self,
        q: &Query,
        headers: &HeaderMap,
        path: &str,
        name: &str,
        max: usize,
        prefix: &str,
    ) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let ids =
            q.string_array(name)?.ok_or_else(|| param_error(format!("{name}: Missing data for required field.")))?;
        if ids.is_empty() || ids.len() > max {
            return Err(param_error(format!("{name}: Length must be between 1 and {max}.")));
        }
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, path)?;
        let g = world.generator(adv);
        let list: Vec<Value> = ids
            .iter()
            .filter_map(|id| {
                let i: u32 = id.strip_prefix(prefix)?.get(3..)?.trim_start_matches('-').parse().ok()?;
                let media = media_base(headers);
                let v = if prefix == "v10033g" { g.video(i, &media) } else { g.image(i, &media) };
                (v.get(if prefix == "v10033g" { "video_id" } else { "image_id" }) == Some(&Value::String(id.clone()))
                    && (i as u64) < g.creative_count())
                .then_some(v)
            })
            .collect();
        Ok(ok(json!({ "list": list })))
    }
}
