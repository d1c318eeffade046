//! Workspace roles and the one rule that decides what each may do. The UI asks it to decide
//! which controls to show; every server check asks it again ([`Role::may`]).

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use strum::VariantArray;

/// A member's role in a workspace. The declaration order is the privilege order.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Mediabuyer,
    Manager,
    Admin,
    Owner,
    SuperAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether this role may do `what`.
    pub fn may(self, what: Capability) -> bool {
        self >= what.least_role()
    }

    /// Connect, import, reconnect, disconnect and sync need a manager or above.
    pub fn can_manage_connections(self) -> bool {
        self.may(Capability::ManageConnections)
    }
}

/// What a member may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Capability {
    /// See the connections, the synced data and the dashboards.
    View,
    /// Connect, import, reconnect, disconnect, manage accounts, sync now.
    ManageConnections,
}

impl Capability {
    /// The least role that has this capability.
    pub fn least_role(self) -> Role {
        match self {
            Capability::View => Role::Mediabuyer,
            Capability::ManageConnections => Role::Manager,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::VARIANTS.iter().copied().find(|r| r.as_str() == s).ok_or_else(|| {
            format!("unknown role `{s}` (expected one of mediabuyer, manager, admin, owner, super_admin)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_from_mediabuyer_to_super_admin() {
        assert!(Role::Mediabuyer < Role::Manager);
        assert!(Role::Manager < Role::Admin);
        assert!(Role::Admin < Role::Owner);
        assert!(Role::Owner < Role::SuperAdmin);
    }

    #[test]
    fn mediabuyer_cannot_manage_connections() {
        assert!(!Role::Mediabuyer.can_manage_connections());
    }

    #[test]
    fn manager_and_above_can_manage_connections() {
        for role in [Role::Manager, Role::Admin, Role::Owner, Role::SuperAdmin] {
            assert!(role.can_manage_connections(), "{role} should manage connections");
        }
    }

    #[test]
    fn everyone_may_view() {
        assert!(Role::VARIANTS.iter().all(|r| r.may(Capability::View)));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for &role in Role::VARIANTS {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("boss".parse::<Role>().is_err());
    }
}
