//! An advertiser's generated things, listed page by page: campaigns, ad groups and ads
//! (`*/get`), custom audiences, pixels and pixel event stats; plus the paged listing the
//! creative searches share.

use super::{
    super::{
        data::{mix, Generator, Key, Level},
        wire::*,
        Sandbox,
    },
    accounts::reachable,
};
use axum::{http::HeaderMap, response::Response};
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

/// Whether a status filter asks for deleted entities too.
fn wants_deleted(filtering: Option<&Map<String, Value>>) -> bool {
    filtering.is_some_and(|f| {
        f.get("primary_status").and_then(Value::as_str) == Some("STATUS_ALL")
            || f.get("secondary_status").and_then(Value::as_str).is_some_and(|s| s.ends_with("_STATUS_ALL"))
    })
}

impl Sandbox {
    /// `campaign/get/`, `adgroup/get/` and `ad/get/`: one page of the level's entities.
    pub(super) fn entities(&self, q: &Query, headers: &HeaderMap, level: Level) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let (page, size) = q.paging(1000, 10)?;
        let filtering = q.json_object("filtering")?;
        q.json_array("fields")?;
        let path = match level {
            Level::Campaign => "campaign/get/",
            Level::AdGroup => "adgroup/get/",
            _ => "ad/get/",
        };
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, path)?;
        let generator = world.generator(adv);
        let include_deleted = wants_deleted(filtering.as_ref());
        let prefix = match level {
            Level::Campaign => "CAMPAIGN",
            Level::AdGroup => "ADGROUP",
            _ => "AD",
        };
        // Entities a test deleted or removed, by id, on top of the generated ones.
        let listed = |k: &Key| {
            let id = generator.id(*k, &adv.id);
            !world.removed.contains(&id) && (include_deleted || !world.deleted.contains(&id))
        };
        let total = generator.keys(level, include_deleted).filter(|k| listed(k)).count() as u64;
        let list: Vec<Value> = generator
            .keys(level, include_deleted)
            .filter(|k| listed(k))
            .skip(usize::try_from((page as u64 - 1) * size as u64).unwrap_or(usize::MAX))
            .take(size as usize)
            .map(|k| {
                let mut entity = match level {
                    Level::Campaign => generator.campaign(&adv.id, k.c),
                    Level::AdGroup => generator.adgroup(&adv.id, k.c, k.g),
                    _ => generator.ad(&adv.id, k.c, k.g, k.a),
                };
                if world.deleted.contains(&generator.id(k, &adv.id)) {
                    entity["operation_status"] = json!("DELETE");
                    entity["secondary_status"] = json!(format!("{prefix}_STATUS_DELETE"));
                }
                entity
            })
            .collect();
        Ok(ok(json!({ "list": list, "page_info": page_info(page, size, total) })))
    }

    /// `dmp/custom_audience/list/`.
    pub(super) fn audiences(&self, q: &Query, headers: &HeaderMap, path: &str) -> Answer<Response> {
        self.library(q, headers, path, 100, 10, "list", |g| g.audience_count(), |g, i| g.audience(i))
    }

    /// `pixel/list/` (its rows travel under `pixels`).
    pub(super) fn pixels(&self, q: &Query, headers: &HeaderMap, path: &str) -> Answer<Response> {
        self.library(q, headers, path, 20, 10, "pixels", |g| g.pixel_count(), |g, i| g.pixel(i))
    }

    /// One page of an advertiser's generated items: `count` of them, the `i`-th built by `item`.
    #[expect(clippy::too_many_arguments, reason = "one generic handler serves four list endpoints")]
    pub(super) fn library(
        &self,
        q: &Query,
        headers: &HeaderMap,
        path: &str,
        max: u32,
        default: u32,
        list_key: &str,
        count: impl Fn(&Generator) -> u64,
        item: impl Fn(&Generator, u32) -> Value,
    ) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let (page, size) = q.paging(max, default)?;
        q.json_object("filtering")?;
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, path)?;
        let generator = world.generator(adv);
        let total = count(&generator);
        let start = (page as u64 - 1) * size as u64;
        let list: Vec<Value> = (start..total.min(start + size as u64)).map(|i| item(&generator, i as u32)).collect();
        Ok(ok(json!({ list_key: list, "page_info": page_info(page, size, total) })))
    }

    /// `pixel/event/stats/`: event counts per pixel over a span of at most 30 days.
    pub(super) fn pixel_stats(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let advertiser_id = q.required("advertiser_id")?.to_owned();
        let pixel_ids =
            q.string_array("pixel_ids")?.ok_or_else(|| param_error("pixel_ids: Missing data for required field."))?;
        if pixel_ids.is_empty() || pixel_ids.len() > 10 {
            return Err(param_error("pixel_ids: Length must be between 1 and 10."));
        }
        let range =
            q.json_object("date_range")?.ok_or_else(|| param_error("date_range: Missing data for required field."))?;
        let date = |k: &str| {
            range
                .get(k)
                .and_then(Value::as_str)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(|| param_error(format!("date_range.{k}: Not a valid date (YYYY-MM-DD).")))
        };
        let (start, end) = (date("start_date")?, date("end_date")?);
        if end < start || (end - start).num_days() >= 30 {
            return Err(param_error("date_range: The span must be between 1 and 30 days."));
        }
        let (world, grant) = self.authorized(headers)?;
        let adv = reachable(&world, &grant, &advertiser_id)?;
        self.check_path_qps(&advertiser_id, "pixel/event/stats/")?;
        let days = (end - start).num_days() as u64 + 1;
        let seed = world.generator(adv).seed;
        let list: Vec<Value> = pixel_ids
            .iter()
            .map(|id| {
                let stats: Vec<Value> = ["COMPLETE_PAYMENT", "ADD_TO_CART", "VIEW_CONTENT"]
                    .iter()
                    .enumerate()
                    .map(|(e, ty)| {
                        let n = (mix(&[seed, e as u64, id.len() as u64]) % 50 + 5) * days * (e as u64 + 1);
                        json!({"pixel_event_type": ty, "attributed_count": n / 2, "preview_count": 0, "total_count": n,
                               "browser_event_total_count": n * 2 / 3, "server_event_total_count": n / 3})
                    })
                    .collect();
                json!({"pixel_id": id, "statistics": stats})
            })
            .collect();
        Ok(ok(json!({ "list": list })))
    }
}
