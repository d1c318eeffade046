//! How a badge, a notice or a change reads at a glance: its colour, chosen where the state is
//! decided and never from the words shown.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tone {
    /// Working, done, active.
    Ok,
    /// Nothing to act on (paused).
    Neutral,
    /// Needs a look.
    Warn,
    /// Failed, deleted.
    Err,
}

impl Tone {
    /// Its CSS class beside `badge` or `notice`.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Ok => "ok",
            Tone::Neutral => "neutral",
            Tone::Warn => "warn",
            Tone::Err => "err",
        }
    }
}

/// Which way a total moved, as its reader takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trend {
    Good,
    Bad,
    /// No change, nothing to compare, or a figure where up is neither (spend).
    Neutral,
}

impl Trend {
    /// Its CSS class beside `kpi-change`.
    pub fn class(self) -> &'static str {
        match self {
            Trend::Good => "good",
            Trend::Bad => "bad",
            Trend::Neutral => "neutral",
        }
    }
}
