//! The wire parser against arbitrary answers: whatever a TikTok (or something posing as it)
//! sends, decoding and shaping end in a value or an error, never a panic.

use super::wire::*;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Field names TikTok uses, so generated objects reach the decoders' interesting paths.
const KEYS: &[&str] = &[
    "code",
    "message",
    "request_id",
    "data",
    "list",
    "pixels",
    "page_info",
    "page",
    "page_size",
    "total_page",
    "total_number",
    "access_token",
    "refresh_token",
    "expires_in",
    "refresh_token_expires_in",
    "advertiser_ids",
    "scope",
    "advertiser_id",
    "advertiser_name",
    "name",
    "status",
    "currency",
    "timezone",
    "display_timezone",
    "campaign_id",
    "campaign_name",
    "adgroup_id",
    "ad_id",
    "budget",
    "budget_mode",
    "objective_type",
    "operation_status",
    "secondary_status",
    "bid_price",
    "image_ids",
    "video_id",
    "width",
    "height",
    "url",
    "dimensions",
    "metrics",
    "stat_time_day",
    "spend",
    "impressions",
    "clicks",
    "conversion",
    "ctr",
    "cpc",
    "cpm",
    "cost_per_conversion",
    "reach",
    "pixel_id",
    "pixel_code",
    "events",
    "event_type",
    "core_user_id",
    "display_name",
    "email",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        // Numbers as TikTok sends them (strings, dashes, huge and odd forms) and free text.
        prop::sample::select(vec![
            "-",
            "",
            "0",
            "1.5",
            "-2",
            "1e400",
            "1e23",
            "9999999999999999999999999999",
            "NaN",
            "2026-11-25",
            "2026-11-25 00:00:00",
            "2026-02-30",
            "0000-00-00",
            "[]",
            "{}",
            "7000000000000000001",
        ])
        .prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 64, 8, |inner| {
        let key = prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), "[a-z_]{1,8}"];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..10)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every shape the client decodes an answer's `data` into, then shapes further.
fn decode_everything(body: &[u8]) {
    let _ = serde_json::from_slice::<Envelope>(body);
    let _ = decode::<TokenData>(body);
    let _ = decode::<UserInfo>(body);
    let _ = decode::<ListData<AdvertiserRef>>(body);
    let _ = decode::<ListData<AdvertiserInfo>>(body);
    let _ = decode::<ListData<WithRaw<Campaign>>>(body);
    let _ = decode::<ListData<WithRaw<AdGroup>>>(body);
    let _ = decode::<ListData<WithRaw<Ad>>>(body);
    let _ = decode::<ListData<WithRaw<Image>>>(body);
    let _ = decode::<ListData<WithRaw<Video>>>(body);
    let _ = decode::<ListData<WithRaw<Audience>>>(body);
    let _ = decode::<ListData<WithRaw<Pixel>>>(body);
    let _ = decode::<ListData<PixelStats>>(body);
    for level in [DataLevel::Advertiser, DataLevel::Campaign, DataLevel::AdGroup, DataLevel::Ad] {
        if let Ok(rows) = decode::<ListData<RawReportRow>>(body) {
            for row in rows.list {
                let _ = row.into_row(level);
            }
        }
        if let Ok(rows) = decode::<ListData<RawReportRow>>(body) {
            for row in rows.list {
                let _ = row.into_total(level);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_json_answer_decodes_or_errs_without_panicking(data in json(), code in any::<i64>()) {
        let envelope = serde_json::json!({"code": code, "message": "m", "request_id": "r", "data": data.clone()});
        decode_everything(envelope.to_string().as_bytes());
        let list = serde_json::json!({"code": 0, "data": {"list": [data.clone(), data.clone()], "page_info": data.clone()}});
        decode_everything(list.to_string().as_bytes());
        decode_everything(data.to_string().as_bytes());
    }

    #[test]
    fn any_bytes_decode_or_err_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_everything(&bytes);
    }
}
