//! The ways TikTok splits a day's results that the product keeps: who saw the ads by age and
//! gender, by platform, by country. Stored by name (`tiktok_insight_breakdown.breakdown`) and
//! carried in run cursors and URLs by the same names.

use super::{Chart, Metric};
#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
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

    pub fn parse(key: &str) -> Option<Breakdown> {
        key.parse().ok()
    }

    /// In words, for the card and the pages.
    pub fn label(self) -> &'static str {
        match self {
            Breakdown::AgeGender => "age and gender",
            Breakdown::Platform => "platform",
            Breakdown::Country => "country",
        }
    }

    /// Its tab on a page.
    pub fn title(self) -> &'static str {
        match self {
            Breakdown::AgeGender => "Age & gender",
            Breakdown::Platform => "Platform",
            Breakdown::Country => "Country",
        }
    }
}

/// What Ads Manager's campaign table is broken down by (`breakdown=`), as TikTok Ads Manager's
/// Breakdown control: each campaign's line splits into one per value.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Dimension {
    Age,
    Gender,
    Country,
    Platform,
}

impl Dimension {
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn parse(key: &str) -> Option<Dimension> {
        key.parse().ok()
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::Age => "Age",
            Dimension::Gender => "Gender",
            Dimension::Country => "Country",
            Dimension::Platform => "Platform",
        }
    }

    /// The stored breakdown its values are summed from (age and gender come together).
    pub fn breakdown(self) -> Breakdown {
        match self {
            Dimension::Age | Dimension::Gender => Breakdown::AgeGender,
            Dimension::Country => Breakdown::Country,
            Dimension::Platform => Breakdown::Platform,
        }
    }
}

/// What a campaign page's Breakdowns section shows, as its URL says (`audience=`,
/// `audience_metric=`): the breakdown, and the figure its chart draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceView {
    pub by: Breakdown,
    pub metric: Metric,
}

impl Default for AudienceView {
    fn default() -> Self {
        Self { by: Breakdown::AgeGender, metric: Metric::Spend }
    }
}

impl AudienceView {
    pub fn from_url(by: Option<&str>, metric: Option<&str>) -> Self {
        Self {
            by: by.and_then(Breakdown::parse).unwrap_or(Breakdown::AgeGender),
            metric: metric.and_then(Metric::parse).unwrap_or(Metric::Spend),
        }
    }

    /// Its query pairs, defaults left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if self.by != Breakdown::AgeGender {
            pairs.push(("audience", self.by.key().to_owned()));
        }
        if self.metric != Metric::Spend {
            pairs.push(("audience_metric", self.metric.key().to_owned()));
        }
        pairs
    }
}

/// A link among several, one of them the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Its key in the URL (`country`, `spend`).
    pub key: String,
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// A campaign's results split by who saw its ads, for the range shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownSection {
    pub view: AudienceView,
    /// Age & gender, platform, country.
    pub tabs: Vec<Choice>,
    /// The figures the chart can draw.
    pub metrics: Vec<Choice>,
    /// `None` when no split rows are stored for these days.
    pub chart: Option<Chart>,
    /// Said under the chart: what is missing and why.
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sections_choice_survives_its_url_and_nonsense_falls_back() {
        let view = AudienceView { by: Breakdown::Country, metric: Metric::Results };
        let pairs = view.pairs();
        let get = |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| v.as_str());
        assert_eq!(AudienceView::from_url(get("audience"), get("audience_metric")), view);
        assert!(AudienceView::default().pairs().is_empty(), "the default says nothing in the URL");
        assert_eq!(AudienceView::from_url(Some("shoe_size"), Some("vibes")), AudienceView::default());
    }

    #[test]
    fn a_dimension_is_summed_from_its_stored_breakdown() {
        assert_eq!(Dimension::parse("gender").map(Dimension::breakdown), Some(Breakdown::AgeGender));
        assert_eq!(Dimension::Country.key(), "country");
        assert_eq!(Dimension::parse("shoe_size"), None);
    }

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
