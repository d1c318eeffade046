//! Reading fields the way TikTok sends them.
//!
//! TikTok documents ids as strings but some answers carry JSON numbers, and metrics arrive as
//! strings (`"20.00"`), numbers, or `"-"` for "not applicable". Each [`Read`] rule here accepts
//! all of them: ids always become `String`, metrics and money exact `Option<Decimal>` (read from
//! their text, never through a float) with `"-"` as `None`. [`record!`] declares a record with
//! one rule per field, so the records read as plain structs.

use rust_decimal::Decimal;
use serde::{de, de::DeserializeOwned, Deserialize, Deserializer};
use serde_json::Value;
use std::{marker::PhantomData, str::FromStr};

/// How one field is read from the value TikTok sent for it.
pub trait Read {
    /// The field's type in the record.
    type Out;
    /// What the record holds when the field is not sent; `None` makes the field required.
    fn absent() -> Option<Self::Out>;
    fn read<E: de::Error>(sent: Value) -> Result<Self::Out, E>;
}

/// A required id: string or number, always kept as a string.
pub enum Id {}
/// An id that may be missing, empty or of no id shape (then `None`).
pub enum OptId {}
/// A list of ids (null is an empty list).
pub enum Ids {}
/// Free text that TikTok sometimes sends as a number (or a bool) or omits.
pub enum Text {}
/// An exact decimal metric or amount (see [`parse_metric`]).
pub enum Metric {}
/// A whole number, from any form [`parse_metric`] reads (fractions are cut).
pub enum Int {}
/// A bool, also sent as `"true"`/`"1"` or a number.
pub enum Flag {}
/// A count (paging): 0 when missing or unreadable, clamped into `u32`.
pub enum Count {}
/// A required whole number (the envelope's `code`).
pub enum Code {}
/// serde's own strict decoding; the type's default when not sent.
pub struct AsIs<T>(PhantomData<T>);
/// serde's own strict decoding, and the field must be sent.
pub struct Required<T>(PhantomData<T>);

impl Read for Id {
    type Out = String;
    fn absent() -> Option<String> {
        None
    }
    fn read<E: de::Error>(sent: Value) -> Result<String, E> {
        value_to_id(sent).ok_or_else(|| E::custom("expected an id (string or number)"))
    }
}

impl Read for OptId {
    type Out = Option<String>;
    fn absent() -> Option<Self::Out> {
        Some(None)
    }
    fn read<E: de::Error>(sent: Value) -> Result<Self::Out, E> {
        Ok(value_to_id(sent))
    }
}

impl Read for Ids {
    type Out = Vec<String>;
    fn absent() -> Option<Self::Out> {
        Some(Vec::new())
    }
    fn read<E: de::Error>(sent: Value) -> Result<Self::Out, E> {
        match sent {
            Value::Array(items) => Ok(items.into_iter().filter_map(value_to_id).collect()),
            Value::Null => Ok(Vec::new()),
            _ => Err(E::custom("expected an array of ids")),
        }
    }
}

impl Read for Text {
    type Out = Option<String>;
    fn absent() -> Option<Self::Out> {
        Some(None)
    }
    fn read<E: de::Error>(sent: Value) -> Result<Self::Out, E> {
        Ok(match sent {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    }
}

impl Read for Metric {
    type Out = Option<Decimal>;
    fn absent() -> Option<Self::Out> {
        Some(None)
    }
    fn read<E: de::Error>(sent: Value) -> Result<Self::Out, E> {
        Ok(parse_metric(&sent))
    }
}

impl Read for Int {
    type Out = Option<i64>;
    fn absent() -> Option<Self::Out> {
        Some(None)
    }
    fn read<E: de::Error>(sent: Value) -> Result<Self::Out, E> {
        Ok(whole(&sent))
    }
}

impl Read for Flag {
    type Out = Option<bool>;
    fn absent() -> Option<Self::Out> {
        Some(None)
    }
    fn read<E: de::Error>(sent: Value) -> Result<Self::Out, E> {
        Ok(match sent {
            Value::Bool(b) => Some(b),
            Value::String(s) => match s.as_str() {
                "true" | "TRUE" | "1" => Some(true),
                "false" | "FALSE" | "0" => Some(false),
                _ => None,
            },
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            _ => None,
        })
    }
}

impl Read for Count {
    type Out = u32;
    fn absent() -> Option<u32> {
        Some(0)
    }
    fn read<E: de::Error>(sent: Value) -> Result<u32, E> {
        Ok(whole(&sent).map(|n| n.clamp(0, u32::MAX as i64) as u32).unwrap_or(0))
    }
}

impl Read for Code {
    type Out = i64;
    fn absent() -> Option<i64> {
        None
    }
    fn read<E: de::Error>(sent: Value) -> Result<i64, E> {
        whole(&sent).ok_or_else(|| E::custom("expected an integer"))
    }
}

impl<T: DeserializeOwned + Default> Read for AsIs<T> {
    type Out = T;
    fn absent() -> Option<T> {
        Some(T::default())
    }
    fn read<E: de::Error>(sent: Value) -> Result<T, E> {
        T::deserialize(sent).map_err(E::custom)
    }
}

impl<T: DeserializeOwned> Read for Required<T> {
    type Out = T;
    fn absent() -> Option<T> {
        None
    }
    fn read<E: de::Error>(sent: Value) -> Result<T, E> {
        T::deserialize(sent).map_err(E::custom)
    }
}

/// One field as sent (`None` when it was not), already read by `R`.
pub struct Field<R: Read>(Option<R::Out>);

impl<R: Read> Default for Field<R> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, R: Read> Deserialize<'de> for Field<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        R::read(Value::deserialize(d)?).map(|out| Self(Some(out)))
    }
}

impl<R: Read> Field<R> {
    /// The field's value, its default when not sent, or serde's "missing field" when required.
    pub fn take<E: de::Error>(self, name: &'static str) -> Result<R::Out, E> {
        match self.0 {
            Some(out) => Ok(out),
            None => R::absent().ok_or_else(|| E::missing_field(name)),
        }
    }
}

/// A record TikTok sends, declared once: the struct as callers read it, each field followed by
/// `= Rule` (a [`Read`]) saying how it is decoded. Field attributes go to both the struct and
/// its decoding, so `#[serde(alias = "...")]` works on records that also derive `Serialize`.
macro_rules! record {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty = $rule:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $ty, )*
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // The fields as sent, each read by its rule; any other field is skipped.
                #[derive(Default, serde::Deserialize)]
                #[serde(default)]
                struct Sent {
                    $( $(#[$fmeta])* $field: $crate::tiktok::wire::lenient::Field<$rule>, )*
                }
                let sent = Sent::deserialize(d)?;
                Ok($name { $( $field: sent.$field.take(stringify!($field))?, )* })
            }
        }
    };
}
pub(crate) use record;

fn value_to_id(v: Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(
            n.as_u64()
                .map(|u| u.to_string())
                .or_else(|| n.as_i64().map(|i| i.to_string()))
                .unwrap_or_else(|| n.to_string()),
        ),
        _ => None,
    }
}

/// Parses a metric exactly: numbers and numeric strings (`"1.5"`, `"12%"`, `"1,234"`, `"1e3"`);
/// `"-"`, `""`, null and anything else → None.
pub fn parse_metric(v: &Value) -> Option<Decimal> {
    let text = match v {
        // The number's own text: `20.5` stays 20.5, not the nearest float.
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().trim_end_matches('%').replace(',', ""),
        _ => return None,
    };
    if text.is_empty() || text == "-" {
        return None;
    }
    Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok()
}

fn whole(v: &Value) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    parse_metric(v).and_then(|d| d.trunc().to_i64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    record! {
        #[derive(Debug, PartialEq)]
        struct Probe {
            id: String = Id,
            other: Option<String> = OptId,
            text: Option<String> = Text,
            ids: Vec<String> = Ids,
            flag: Option<bool> = Flag,
            count: u32 = Count,
        }
    }

    #[test]
    fn metrics_parse_strings_numbers_and_dash_as_null() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(parse_metric(&json!("20.00")), Some(d("20.00")));
        assert_eq!(parse_metric(&json!(5830)), Some(d("5830")));
        assert_eq!(parse_metric(&json!("1.18%")), Some(d("1.18")));
        assert_eq!(parse_metric(&json!("1,234.5")), Some(d("1234.5")));
        assert_eq!(parse_metric(&json!(0.1)), Some(d("0.1")), "no float on the way");
        assert_eq!(parse_metric(&json!("-")), None);
        assert_eq!(parse_metric(&json!(null)), None);
        assert_eq!(parse_metric(&json!("n/a")), None);
    }

    #[test]
    fn each_rule_reads_what_tiktok_sends_and_defaults_what_it_omits() {
        let p: Probe = serde_json::from_value(json!({
            "id": 7, "other": "", "text": true, "ids": [1, "2", null], "flag": "0", "count": "-3", "extra": []
        }))
        .unwrap();
        let want = Probe {
            id: "7".into(),
            other: None,
            text: Some("true".into()),
            ids: vec!["1".into(), "2".into()],
            flag: Some(false),
            count: 0,
        };
        assert_eq!(p, want);
        let bare: Probe = serde_json::from_value(json!({"id": "x"})).unwrap();
        assert_eq!((bare.other, bare.text, bare.ids, bare.flag, bare.count), (None, None, vec![], None, 0));
    }

    #[test]
    fn a_required_field_missing_or_of_no_shape_is_an_error() {
        let missing = serde_json::from_value::<Probe>(json!({"text": "t"})).unwrap_err();
        assert!(missing.to_string().contains("missing field `id`"), "{missing}");
        let null = serde_json::from_value::<Probe>(json!({"id": null})).unwrap_err();
        assert!(null.to_string().contains("expected an id"), "{null}");
        assert!(serde_json::from_value::<Probe>(json!({"id": "x", "ids": "1"})).is_err());
    }
}
