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
