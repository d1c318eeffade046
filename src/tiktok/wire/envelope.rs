//! What surrounds every answer: the envelope, its `data`, and the list-and-paging shape.

use super::lenient::{record, AsIs, Code, Count, OptId};
use crate::tiktok::error::TikTokError;
use serde::{de, de::DeserializeOwned, Deserialize, Deserializer, Serialize};
use serde_json::Value;

record! {
    /// `{"code", "message", "request_id", "data"}` around every answer; `data` is decoded apart,
    /// straight into the type the call expects.
    #[derive(Debug)]
    pub struct Envelope {
        pub code: i64 = Code,
        pub message: String = AsIs<String>,
        pub request_id: Option<String> = OptId,
    }
}

record! {
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
    pub struct PageInfo {
        pub page: u32 = Count,
        pub page_size: u32 = Count,
        pub total_number: u32 = Count,
        pub total_page: u32 = Count,
    }
}

/// An answer's `data`, straight from the body into its type (no JSON tree in between).
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, TikTokError> {
    #[derive(Deserialize)]
    struct Data<T> {
        data: Option<T>,
    }
    let shape = |e: serde_json::Error| TikTokError::bad_request(format!("unexpected answer shape: {e}"));
    let data: Data<T> = serde_json::from_slice(body).map_err(shape)?;
    match data.data {
        Some(data) => Ok(data),
        // No data at all: decode "nothing" (an empty list, say) if the type allows it.
        None => serde_json::from_value(Value::Object(Default::default())).map_err(shape),
    }
}

/// The answer with every NUL character taken out of its text. Postgres stores no NUL in text or
/// JSON, no TikTok field means anything by one, and a write the database refuses would only fail
/// again on every retry. A body without a `\u0000` escape (nearly every one) is passed as it is.
pub(crate) fn without_nul(body: Vec<u8>) -> Vec<u8> {
    const ESCAPED_NUL: &[u8] = b"\\u0000";
    if !body.windows(ESCAPED_NUL.len()).any(|w| w == ESCAPED_NUL) {
        return body;
    }
    // Not JSON: left for the envelope check to judge.
    let Ok(mut tree) = serde_json::from_slice::<Value>(&body) else { return body };
    strip_nul(&mut tree);
    serde_json::to_vec(&tree).unwrap_or(body)
}

fn strip_nul(value: &mut Value) {
    match value {
        Value::String(s) => s.retain(|c| c != '\0'),
        Value::Array(items) => items.iter_mut().for_each(strip_nul),
        Value::Object(fields) => {
            *fields = std::mem::take(fields)
                .into_iter()
                .map(|(mut key, mut v)| {
                    key.retain(|c| c != '\0');
                    strip_nul(&mut v);
                    (key, v)
                })
                .collect();
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A list answer: `list` (or `pixels`) and `page_info`.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
pub(crate) struct ListData<T> {
    #[serde(default = "Vec::new", alias = "pixels", deserialize_with = "null_as_empty")]
    pub(crate) list: Vec<T>,
    #[serde(default)]
    pub(crate) page_info: Option<PageInfo>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A record with the object TikTok sent, so fields the product does not read are kept too.
#[derive(Debug, Clone, PartialEq)]
pub struct WithRaw<T> {
    pub item: T,
    pub raw: Value,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for WithRaw<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(d)?;
        let item = T::deserialize(&raw).map_err(de::Error::custom)?;
        Ok(Self { item, raw })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_taken_out_of_every_text_and_key() {
        let body = br#"{"code":0,"data":{"list":[{"campaign_name":"Spring\u0000 sale","k\u0000":["a\u0000b"]}]}}"#;
        let clean: Value = serde_json::from_slice(&without_nul(body.to_vec())).unwrap();
        assert_eq!(clean["data"]["list"][0]["campaign_name"], "Spring sale");
        assert_eq!(clean["data"]["list"][0]["k"][0], "ab");
    }

    #[test]
    fn a_body_without_nul_is_passed_byte_for_byte() {
        let body = br#"{"code": 0, "data": {"spend": 1.10, "text": "a\\u0041"}}"#.to_vec();
        assert_eq!(without_nul(body.clone()), body);
        let not_json = b"<html>\\u0000</html>".to_vec();
        assert_eq!(without_nul(not_json.clone()), not_json);
    }
}
