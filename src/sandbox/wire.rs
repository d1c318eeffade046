//! TikTok's envelope and parameter rules as the sandbox enforces them.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use rand::Rng;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// TikTok's refusal of a request: HTTP 200 with a non-zero code (see [`fail`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: i64,
    pub message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        Json(json!({"code": self.code, "message": self.message, "request_id": request_id(), "data": {}}))
            .into_response()
    }
}

/// A step of a handler: its value, or the refusal that ends the request.
pub type Answer<T> = Result<T, Refusal>;

pub fn request_id() -> String {
    let now = chrono::Utc::now().format("%Y%m%d%H%M%S");
    format!("{now}{:014}", rand::thread_rng().gen_range(0..100_000_000_000_000u64))
}

pub fn ok(data: Value) -> Response {
    Json(json!({"code": 0, "message": "OK", "request_id": request_id(), "data": data})).into_response()
}

/// TikTok answers errors with HTTP 200 and a non-zero code.
pub fn fail(code: i64, message: impl Into<String>) -> Refusal {
    Refusal { code, message: message.into() }
}

pub fn gateway_timeout() -> Response {
    (
        StatusCode::GATEWAY_TIMEOUT,
        [("content-type", "text/html")],
        "<html><body><h1>504 Gateway Time-out</h1></body></html>",
    )
        .into_response()
}

pub fn param_error(message: impl Into<String>) -> Refusal {
    fail(40002, message)
}

pub struct Query(pub HashMap<String, String>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|s| !s.is_empty())
    }

    pub fn required(&self, name: &str) -> Answer<&str> {
        self.get(name).ok_or_else(|| param_error(format!("{name}: Missing data for required field.")))
    }

    /// Arrays travel as JSON text; a bare string is TikTok's 40002.
    pub fn json_array(&self, name: &str) -> Answer<Option<Vec<Value>>> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        match serde_json::from_str::<Value>(raw) {
            Ok(Value::Array(items)) => Ok(Some(items)),
            _ => Err(param_error(format!("{name}: Field must be set to array"))),
        }
    }

    pub fn json_object(&self, name: &str) -> Answer<Option<Map<String, Value>>> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => Ok(Some(map)),
            _ => Err(param_error(format!("{name}: Field must be set to object"))),
        }
    }

    pub fn string_array(&self, name: &str) -> Answer<Option<Vec<String>>> {
        let Some(items) = self.json_array(name)? else { return Ok(None) };
        items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(param_error(format!("{name}: Items must be strings"))),
            })
            .collect::<Answer<Vec<_>>>()
            .map(Some)
    }

    /// `page` ≥ 1 and `page_size` within the endpoint's range.
    pub fn paging(&self, max: u32, default: u32) -> Answer<(u32, u32)> {
        let number = |name: &str, default: u32| -> Answer<u32> {
            match self.get(name) {
                None => Ok(default),
                Some(raw) => raw.parse::<u32>().map_err(|_| param_error(format!("{name}: Not a valid integer."))),
            }
        };
        let page = number("page", 1)?;
        let size = number("page_size", default)?;
        if page < 1 {
            return Err(param_error("page: Must be greater than or equal to 1."));
        }
        if !(1..=max).contains(&size) {
            return Err(param_error(format!("page_size: Must be between 1 and {max}.")));
        }
        Ok((page, size))
    }
}

pub fn page_info(page: u32, size: u32, total: u64) -> Value {
    json!({"page": page, "page_size": size, "total_number": total, "total_page": total.div_ceil(size as u64)})
}

/// Reads a JSON body for the POST endpoints.
pub fn body_object(body: &[u8]) -> Answer<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(param_error("The request body must be a JSON object.")),
    }
}

pub fn body_str<'a>(body: &'a Map<String, Value>, name: &str) -> Answer<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| param_error(format!("{name}: Missing data for required field.")))
}
