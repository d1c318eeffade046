//! The ways TikTok splits a day's results that the product keeps: who saw the ads by age and
//! gender, by platform, by country. Stored by name (`tiktok_insight_breakdown.breakdown`) and
//! carried in run cursors and URLs by the same names.

#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::VariantArray,
)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(StringLen::None)"))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Breakdown {
    /// TikTok's AUDIENCE report by `age` and `gender` together.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "age_gender"))]
    AgeGender,
    /// TikTok's AUDIENCE report by `platform`.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "platform"))]
    Platform,
    /// TikTok's BASIC report by `country_code`, which carries reach and frequency.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "country"))]
    Country,
}

impl Breakdown {
    pub fn key(self) -> &'static str {
        self.into()
    }

    /// In words, for the card and the pages.
    pub fn label(self) -> &'static str {
        match self {
            Breakdown::AgeGender => "age and gender",
            Breakdown::Platform => "platform",
            Breakdown::Country => "country",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breakdown_keeps_one_name_in_cursors_and_urls() {
        assert_eq!(Breakdown::AgeGender.key(), "age_gender");
        assert_eq!(serde_json::to_value(Breakdown::Country).unwrap(), "country");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_breakdown_is_stored_by_the_same_name() {
        use sea_orm::ActiveEnum;
        use strum::VariantArray;
        for b in Breakdown::VARIANTS {
            assert_eq!(b.to_value(), b.key());
        }
    }
}
