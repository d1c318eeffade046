//! Ids that cross from the pages into the services, each its own type so a connection's id can
//! never be passed where an ad account's is meant. On the wire they are the bare number.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl From<$name> for i32 {
            fn from(id: $name) -> i32 {
                id.0
            }
        }

        #[cfg(feature = "ssr")]
        impl From<$name> for sea_orm::Value {
            fn from(id: $name) -> sea_orm::Value {
                id.0.into()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A connected TikTok user in a workspace (`tiktok_connection.id`).
    ConnectionId
);
id_type!(
    /// An advertiser account in a workspace (`tiktok_ad_account.id`).
    AccountId
);
id_type!(
    /// A finished authorization waiting for its advertisers to be picked (`tiktok_pending_grant.id`).
    GrantId
);
id_type!(
    /// One sync of one ad account (`sync_run.id`).
    RunId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_the_bare_number_on_the_wire() {
        assert_eq!(serde_json::to_string(&ConnectionId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<AccountId>("12").unwrap(), AccountId(12));
    }
}
