//! TikTok's statuses of the campaigns, ad groups and ads the reports list.

use serde::{Deserialize, Serialize};

/// TikTok's switch on a campaign, ad group or ad (its `operation_status`), stored as TikTok's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationStatus {
    Enable,
    Disable,
    Delete,
}

impl OperationStatus {
    /// TikTok's code, as stored.
    pub fn code(self) -> &'static str {
        self.into()
    }

    pub fn parse(code: &str) -> Option<OperationStatus> {
        code.parse().ok()
    }
}
