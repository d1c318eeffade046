//! The levels of TikTok's reporting tree: an advertiser, its campaigns, their ad groups and their
//! ads. The daily results are stored per level (`tiktok_insight_daily.level`, TikTok's own word
//! for it), and Ads Manager lists the levels below the advertiser.

#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};

/// Serialized by name in stored run cursors, so the names stay as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(StringLen::None)"))]
pub enum Level {
    /// Ads Manager has no list of advertisers: a table query naming this level lists campaigns.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "advertiser"))]
    Advertiser,
    /// The top of Ads Manager.
    #[default]
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "campaign"))]
    Campaign,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "adgroup"))]
    AdGroup,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "ad"))]
    Ad,
}

impl Level {
    /// The level a table lists: its own, campaigns for the advertiser.
    pub fn listed(self) -> Level {
        match self {
            Level::Advertiser => Level::Campaign,
            other => other,
        }
    }

    /// The level a listed row drills down to, when there is one.
    pub fn below(self) -> Option<Level> {
        match self.listed() {
            Level::Advertiser | Level::Campaign => Some(Level::AdGroup),
            Level::AdGroup => Some(Level::Ad),
            Level::Ad => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_lists_campaigns_then_ad_groups_then_ads() {
        assert_eq!(Level::Advertiser.listed(), Level::Campaign);
        assert_eq!(Level::default().below(), Some(Level::AdGroup));
        assert_eq!(Level::AdGroup.below(), Some(Level::Ad));
        assert_eq!(Level::Ad.below(), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn levels_are_stored_as_tiktoks_words() {
        use sea_orm::ActiveEnum;
        assert_eq!(Level::AdGroup.to_value(), "adgroup");
        assert_eq!(Level::try_from_value(&"advertiser".to_owned()).unwrap(), Level::Advertiser);
    }
}
