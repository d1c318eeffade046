//! TikTok's statuses of the campaigns, ad groups and ads the reports list.

use serde::{Deserialize, Serialize};

/// TikTok's switch on a campaign, ad group or ad (its `operation_status`), stored as TikTok's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationStatus {
    Enable,
    Disable,
    Delete,
}

impl OperationStatus {
    pub const ALL: [OperationStatus; 3] = [OperationStatus::Enable, OperationStatus::Disable, OperationStatus::Delete];

    /// TikTok's code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            OperationStatus::Enable => "ENABLE",
            OperationStatus::Disable => "DISABLE",
            OperationStatus::Delete => "DELETE",
        }
    }

    pub fn parse(code: &str) -> Option<OperationStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}
