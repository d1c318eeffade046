//! What the token endpoints and the user's own endpoints answer.

use super::lenient::{record, AsIs, Id, Ids, Int, OptId, Required, Text};
use serde::Serialize;
use serde_json::Value;

record! {
    /// `oauth2/access_token/` and `oauth2/refresh_token/`.
    #[derive(Debug)]
    pub(crate) struct TokenData {
        pub access_token: String = Required<String>,
        pub advertiser_ids: Vec<String> = Ids,
        pub scope: Value = AsIs<Value>,
        pub expires_in: Option<i64> = Int,
        pub refresh_token: Option<String> = AsIs<Option<String>>,
        pub refresh_token_expires_in: Option<i64> = Int,
    }
}

record! {
    /// `oauth2/revoke_token/`: the advertisers the token no longer reaches.
    #[derive(Debug)]
    pub(crate) struct Revoked {
        pub advertiser_ids: Vec<String> = Ids,
    }
}

record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct UserInfo {
        pub core_user_id: Option<String> = OptId,
        pub display_name: Option<String> = Text,
        pub email: Option<String> = Text,
    }
}

record! {
    /// One advertiser that authorized the app (`oauth2/advertiser/get/`).
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct AdvertiserRef {
        pub advertiser_id: String = Id,
        pub advertiser_name: Option<String> = Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn advertiser_ids_are_strings_whether_sent_as_strings_or_numbers() {
        let t: TokenData = serde_json::from_value(json!({"access_token": "x", "advertiser_ids": [1, "2"]})).unwrap();
        assert_eq!(t.advertiser_ids, vec!["1", "2"]);
        assert!(serde_json::from_value::<TokenData>(json!({"advertiser_ids": []})).is_err(), "no token, no grant");
    }
}
