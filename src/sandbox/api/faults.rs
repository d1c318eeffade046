//! Injected faults: what a test can arm for a path, the queue that hands them out, and how a
//! fault shapes the answer to the request it meets.

use super::super::{wire::*, world::World, Sandbox};
use axum::{
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde_json::Value;

/// "The next `count` requests to `path` go wrong this way".
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Fault {
    pub path: String,
    #[serde(default)]
    pub kind: FaultKind,
    /// For [`FaultKind::Error`]: the code TikTok answers (504: a non-JSON gateway timeout).
    #[serde(default)]
    pub code: i64,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub message: Option<String>,
    /// For [`FaultKind::Hang`]: how long the answer takes.
    #[serde(default)]
    pub millis: u64,
    /// Only requests for this page of a list meet the fault (any page when unset).
    #[serde(default)]
    pub page: Option<u32>,
    /// Only report requests from a day before this one meet the fault (any when unset), so an
    /// old stretch of history can fail for good while recent days answer.
    #[serde(default)]
    pub before: Option<chrono::NaiveDate>,
    /// Only report requests with this among their `dimensions` meet the fault (any when unset),
    /// so one breakdown can fail while the daily rows answer.
    #[serde(default)]
    pub dimension: Option<String>,
    /// Only requests for this advertiser meet the fault (any when unset), so a test's fault is
    /// not spent by other accounts syncing meanwhile.
    #[serde(default)]
    pub advertiser_id: Option<String>,
    /// For [`FaultKind::Figure`]: the metric and the value every row of the page says.
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

/// What a fault does to the request it meets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// TikTok's error envelope with `code` (HTTP 200), or a gateway timeout for 504.
    #[default]
    Error,
    /// HTTP 200 whose body is cut off mid-JSON.
    MalformedJson,
    /// The page lists each of its rows twice.
    DuplicateRows,
    /// The page comes back with no rows, its `page_info` unchanged (more pages may follow).
    EmptyPage,
    /// Every row of a report page says a day no calendar has: none can be read.
    UnreadableRows,
    /// Every row of a report page says `value` for `metric` (a figure no column can keep, say).
    Figure,
    /// The page is answered, then the advertiser gains a campaign (with its ad groups and
    /// ads), so the next page's `page_info` counts more rows.
    RowsAdded,
    /// The answer comes after `millis`, past a client's timeout.
    Hang,
    /// The request is done at once, its answer sent only after `millis` (a late reply to
    /// something TikTok has already done, a refresh say).
    LateAnswer,
    /// The token's user revokes the app's authorization just before the answer.
    RevokeUser,
    /// The advertiser leaves every Business Center just before the answer.
    RemoveAdvertiser,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// Whether TikTok counts the answer as a request timeout.
    pub fn times_out(&self) -> bool {
        match self.kind {
            FaultKind::Error => matches!(self.code, 50002 | 504),
            FaultKind::Hang => true,
            _ => false,
        }
    }
}

impl World {
    /// Takes one matching fault, if any is armed for this path (and the request's page of its
    /// list, a report from its start day, with its dimensions).
    pub fn take_fault(&mut self, path: &str, query: &Query) -> Option<Fault> {
        let page: Option<u32> = query.get("page").and_then(|p| p.parse().ok());
        let start = query.get("start_date").and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let dimensions = query.string_array("dimensions").ok().flatten().unwrap_or_default();
        let i = self.faults.iter().position(|f| {
            f.path.trim_matches('/') == path.trim_matches('/')
                && f.count > 0
                && f.page.is_none_or(|p| Some(p) == page)
                && f.before.is_none_or(|before| start.is_some_and(|s| s < before))
                && f.dimension.as_ref().is_none_or(|d| dimensions.contains(d))
                && f.advertiser_id.as_deref().is_none_or(|a| query.get("advertiser_id") == Some(a))
        })?;
        self.faults[i].count -= 1;
        let fault = self.faults[i].clone();
        if self.faults[i].count == 0 {
            self.faults.remove(i);
        }
        Some(fault)
    }
}

const MAX_HANG_MS: u64 = 120_000;

/// The answer to a request that met `fault`; `answer` is what the request would get without it.
pub(super) async fn shape(
    sandbox: &Sandbox,
    fault: Fault,
    query: &Query,
    headers: &HeaderMap,
    answer: impl Fn(&Sandbox) -> Response,
) -> Response {
    // Long: one short arm per kind of fault.
    match fault.kind {
        FaultKind::Error => match fault.code {
            504 => gateway_timeout(),
            code => fail(code, fault.message.unwrap_or_else(|| default_message(code).to_string())).into_response(),
        },
        FaultKind::Hang => {
            tokio::time::sleep(std::time::Duration::from_millis(fault.millis.min(MAX_HANG_MS))).await;
            answer(sandbox)
        }
        FaultKind::LateAnswer => {
            let answered = answer(sandbox);
            tokio::time::sleep(std::time::Duration::from_millis(fault.millis.min(MAX_HANG_MS))).await;
            answered
        }
        FaultKind::MalformedJson => {
            let body = r#"{"code": 0, "message": "OK", "data": {"list": [{"campaign_id": "1"#;
            ([("content-type", "application/json")], body).into_response()
        }
        FaultKind::DuplicateRows => {
            // Every list in the page (`list`, `pixels`, …), each row twice.
            rewrite_data(answer(sandbox), |data| {
                if let Some(fields) = data.as_object_mut() {
                    for rows in fields.values_mut() {
                        if let Value::Array(rows) = rows {
                            *rows = rows.iter().flat_map(|r| [r.clone(), r.clone()]).collect();
                        }
                    }
                }
            })
            .await
        }
        FaultKind::EmptyPage => {
            rewrite_data(answer(sandbox), |data| {
                if let Some(fields) = data.as_object_mut() {
                    for rows in fields.values_mut() {
                        if let Value::Array(rows) = rows {
                            rows.clear();
                        }
                    }
                }
            })
            .await
        }
        FaultKind::UnreadableRows => {
            rewrite_data(answer(sandbox), |data| {
                for row in data.get_mut("list").and_then(Value::as_array_mut).into_iter().flatten() {
                    if let Some(dimensions) = row.get_mut("dimensions").and_then(Value::as_object_mut) {
                        dimensions.insert("stat_time_day".into(), Value::from("2026-02-31 00:00:00"));
                    }
                }
            })
            .await
        }
        FaultKind::Figure => {
            let (metric, value) = (fault.metric.unwrap_or_default(), fault.value.unwrap_or_default());
            rewrite_data(answer(sandbox), |data| {
                for row in data.get_mut("list").and_then(Value::as_array_mut).into_iter().flatten() {
                    if let Some(metrics) = row.get_mut("metrics").and_then(Value::as_object_mut) {
                        metrics.insert(metric.clone(), Value::from(value.clone()));
                    }
                }
            })
            .await
        }
        FaultKind::RowsAdded => {
            let answered = answer(sandbox);
            if let Some(advertiser_id) = query.get("advertiser_id") {
                sandbox.world().add_campaign(advertiser_id);
            }
            answered
        }
        FaultKind::RevokeUser => {
            if let Some(user_id) = sandbox.bearer_user(headers) {
                sandbox.world().revoke_user(&user_id);
            }
            answer(sandbox)
        }
        FaultKind::RemoveAdvertiser => {
            if let Some(advertiser_id) = query.get("advertiser_id") {
                sandbox.world().remove_advertiser(advertiser_id);
            }
            answer(sandbox)
        }
    }
}

/// The same answer with its `data` changed (for faults that corrupt a good page).
async fn rewrite_data(response: Response, change: impl FnOnce(&mut Value)) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    let Ok(mut envelope) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    if let Some(data) = envelope.get_mut("data") {
        change(data);
    }
    axum::Json(envelope).into_response()
}

/// TikTok's own wording for the codes tests inject most, when the fault brings no message.
fn default_message(code: i64) -> &'static str {
    match code {
        40100 => "Due to too many requests, requests from App are temporarily restricted.",
        40133 => "Advertiser's QPS reaches QPS limit for current path, request is temporarily restricted.",
        40067 => "Your query is too large, please reduce the query size (e.g. fewer metrics or time range) and retry after a while.",
        40001 => "No permission to operate this resource.",
        40102 => "Access token has expired.",
        40105 => "Access token is invalid.",
        50000 | 50002 => "System error.",
        60001 => "The service is under maintenance.",
        _ => "Sandbox injected fault.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::SandboxSettings;

    fn query(pairs: &[(&str, &str)]) -> Query {
        Query(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_fault_meets_count_requests_to_its_path_then_leaves_the_queue() {
        let mut world = World::new(SandboxSettings::default(), vec![]);
        let fault: Fault =
            serde_json::from_value(serde_json::json!({"path": "/campaign/get", "code": 40100, "count": 2}))
                .expect("a fault");
        world.faults.push(fault);
        assert!(world.take_fault("ad/get/", &query(&[])).is_none());
        assert_eq!(world.take_fault("campaign/get/", &query(&[])).map(|f| f.code), Some(40100));
        assert_eq!(world.take_fault("campaign/get/", &query(&[("page", "3")])).map(|f| f.count), Some(0));
        assert!(world.take_fault("campaign/get/", &query(&[])).is_none());
        assert!(world.faults.is_empty());
    }

    #[test]
    fn a_fault_for_one_page_lets_the_other_pages_by() {
        let mut world = World::new(SandboxSettings::default(), vec![]);
        let fault: Fault =
            serde_json::from_value(serde_json::json!({"path": "campaign/get/", "kind": "empty_page", "page": 2}))
                .expect("a fault");
        world.faults.push(fault);
        assert!(world.take_fault("campaign/get/", &query(&[("page", "1")])).is_none());
        assert!(world.take_fault("campaign/get/", &query(&[])).is_none());
        assert_eq!(
            world.take_fault("campaign/get/", &query(&[("page", "2")])).map(|f| f.kind),
            Some(FaultKind::EmptyPage)
        );
    }

    #[test]
    fn a_fault_for_old_days_lets_recent_reports_by() {
        let mut world = World::new(SandboxSettings::default(), vec![]);
        let fault: Fault = serde_json::from_value(serde_json::json!(
            {"path": "report/integrated/get/", "code": 50000, "count": 5, "before": "2025-12-01"}
        ))
        .expect("a fault");
        world.faults.push(fault);
        assert!(world.take_fault("report/integrated/get/", &query(&[("start_date", "2025-12-01")])).is_none());
        assert!(world.take_fault("report/integrated/get/", &query(&[])).is_none());
        assert_eq!(
            world.take_fault("report/integrated/get/", &query(&[("start_date", "2025-11-02")])).map(|f| f.code),
            Some(50000)
        );
    }

    #[test]
    fn a_fault_for_a_dimension_lets_other_reports_by() {
        let mut world = World::new(SandboxSettings::default(), vec![]);
        let fault: Fault = serde_json::from_value(serde_json::json!(
            {"path": "report/integrated/get/", "code": 40002, "dimension": "age"}
        ))
        .expect("a fault");
        world.faults.push(fault);
        let daily = query(&[("dimensions", r#"["campaign_id","stat_time_day"]"#)]);
        assert!(world.take_fault("report/integrated/get/", &daily).is_none());
        let by_age = query(&[("dimensions", r#"["campaign_id","stat_time_day","age","gender"]"#)]);
        assert_eq!(world.take_fault("report/integrated/get/", &by_age).map(|f| f.code), Some(40002));
    }

    #[test]
    fn a_fault_for_one_advertiser_lets_the_others_by() {
        let mut world = World::new(SandboxSettings::default(), vec![]);
        let fault: Fault = serde_json::from_value(serde_json::json!(
            {"path": "campaign/get/", "code": 40100, "advertiser_id": "7000000000000000002"}
        ))
        .expect("a fault");
        world.faults.push(fault);
        assert!(world.take_fault("campaign/get/", &query(&[("advertiser_id", "7000000000000000001")])).is_none());
        let mine = query(&[("advertiser_id", "7000000000000000002")]);
        assert_eq!(world.take_fault("campaign/get/", &mine).map(|f| f.code), Some(40100));
    }
}
