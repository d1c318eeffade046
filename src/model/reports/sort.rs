//! What Ads Manager's rows are ordered by, and which sorts a table can show.

use super::{ColumnSet, Metric, Range};
use serde::{Deserialize, Serialize};

/// What Ads Manager's rows are ordered by: a column of the entity, or one of its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    Name,
    Advertiser,
    Status,
    Objective,
    Budget,
    Metric(Metric),
}

impl Default for SortKey {
    fn default() -> Self {
        SortKey::Metric(Metric::Spend)
    }
}

impl SortKey {
    const COLUMNS: [SortKey; 5] =
        [SortKey::Name, SortKey::Advertiser, SortKey::Status, SortKey::Objective, SortKey::Budget];

    pub fn key(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Advertiser => "advertiser",
            SortKey::Status => "status",
            SortKey::Objective => "objective",
            SortKey::Budget => "budget",
            SortKey::Metric(m) => m.key(),
        }
    }

    pub fn parse(key: &str) -> Option<SortKey> {
        Self::COLUMNS.into_iter().find(|s| s.key() == key).or_else(|| Metric::parse(key).map(SortKey::Metric))
    }

    /// The sort a table can show: a figure its columns leave out, or one of a single day only
    /// over a longer range, sorts by spend instead.
    pub fn shown(self, columns: ColumnSet, range: &Range) -> SortKey {
        match self {
            SortKey::Metric(m) if !columns.metrics().contains(&m) || (m.day_only() && !range.single_day()) => {
                SortKey::default()
            }
            sort => sort,
        }
    }

    /// Text columns read A→Z first; numbers largest first.
    pub fn descending_by_default(self) -> bool {
        !matches!(self, SortKey::Name | SortKey::Advertiser | SortKey::Status | SortKey::Objective)
    }
}
