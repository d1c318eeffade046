//! The daily rows' summable parts, and how every figure people read comes from their sums: a
//! part itself, or a ratio of two summed parts (never an average of TikTok's daily ratios).
//! The SQL that sums and sorts and the words on the page both read [`formula`].

use crate::model::{
    format::{count, money},
    reports::{Metric, Unit},
};
use sea_orm::{DbErr, FromQueryResult, QueryResult};
use strum::{EnumCount, VariantArray};

/// A column of `tiktok_insight_daily` that adds up over days and objects; its name
/// (`watched_2s`) names its sum in a statement's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray, strum::EnumCount)]
#[strum(serialize_all = "snake_case")]
pub enum Part {
    Spend,
    Impressions,
    Clicks,
    Reach,
    Conversions,
    Results,
    Purchases,
    PurchaseValue,
    VideoPlays,
    #[strum(serialize = "watched_2s")]
    Watched2s,
    #[strum(serialize = "watched_6s")]
    Watched6s,
    P25,
    P50,
    P75,
    P100,
    /// Milliseconds watched: a day's average play (TikTok gives hundredths of a second) times its
    /// plays; in milliseconds so a year of a large account's views stays far inside 64 bits.
    WatchTime,
    ProfileVisits,
    Likes,
    Comments,
    Shares,
    Follows,
}

pub const PARTS: usize = Part::COUNT;

impl Part {
    pub fn alias(self) -> &'static str {
        self.into()
    }

    /// What is summed, over the daily rows aliased `i`.
    pub fn summed(self) -> &'static str {
        match self {
            Part::Spend => "i.spend_micros",
            Part::Impressions => "i.impressions",
            Part::Clicks => "i.clicks",
            Part::Reach => "i.reach",
            Part::Conversions => "i.conversions",
            Part::Results => "i.results",
            Part::Purchases => "i.purchases",
            Part::PurchaseValue => "i.purchase_value_micros",
            Part::VideoPlays => "i.video_plays",
            Part::Watched2s => "i.video_watched_2s",
            Part::Watched6s => "i.video_watched_6s",
            Part::P25 => "i.video_views_p25",
            Part::P50 => "i.video_views_p50",
            Part::P75 => "i.video_views_p75",
            Part::P100 => "i.video_views_p100",
            // Guarded: rows stored before figures were bounded must not overflow the product.
            Part::WatchTime => {
                "CASE WHEN i.average_video_play_micros BETWEEN -86400000000 AND 86400000000 \
                 AND i.video_plays BETWEEN 0 AND 100000000000 THEN i.average_video_play_micros / 1000 * i.video_plays END"
            }
            Part::ProfileVisits => "i.profile_visits",
            Part::Likes => "i.likes",
            Part::Comments => "i.comments",
            Part::Shares => "i.shares",
            Part::Follows => "i.follows",
        }
    }

    /// What TikTok always reports: an object without rows in the range delivered 0.
    pub fn zero_without_rows(self) -> bool {
        matches!(self, Part::Spend | Part::Impressions | Part::Clicks | Part::Conversions)
    }
}

/// How a figure comes from the sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formula {
    Sum(Part),
    /// `num × scale ÷ den`, none without a denominator.
    Ratio {
        num: Part,
        den: Part,
        scale: i64,
    },
}

impl Formula {
    pub fn parts(self) -> Vec<Part> {
        match self {
            Formula::Sum(p) => vec![p],
            Formula::Ratio { num, den, .. } => vec![num, den],
        }
    }
}

pub fn formula(m: Metric) -> Formula {
    let ratio = |num, den, scale| Formula::Ratio { num, den, scale };
    match m {
        Metric::Spend => Formula::Sum(Part::Spend),
        Metric::Impressions => Formula::Sum(Part::Impressions),
        Metric::Clicks => Formula::Sum(Part::Clicks),
        Metric::Ctr => ratio(Part::Clicks, Part::Impressions, 100),
        Metric::Cpc => ratio(Part::Spend, Part::Clicks, 1),
        Metric::Cpm => ratio(Part::Spend, Part::Impressions, 1000),
        Metric::Reach => Formula::Sum(Part::Reach),
        Metric::Frequency => ratio(Part::Impressions, Part::Reach, 1),
        Metric::CostPer1000Reached => ratio(Part::Spend, Part::Reach, 1000),
        Metric::Conversions => Formula::Sum(Part::Conversions),
        Metric::CostPerConversion => ratio(Part::Spend, Part::Conversions, 1),
        Metric::ConversionRate => ratio(Part::Conversions, Part::Clicks, 100),
        Metric::Results => Formula::Sum(Part::Results),
        Metric::CostPerResult => ratio(Part::Spend, Part::Results, 1),
        Metric::ResultRate => ratio(Part::Results, Part::Impressions, 100),
        Metric::Purchases => Formula::Sum(Part::Purchases),
        Metric::PurchaseValue => Formula::Sum(Part::PurchaseValue),
        Metric::ValuePerPurchase => ratio(Part::PurchaseValue, Part::Purchases, 1),
        Metric::Roas => ratio(Part::PurchaseValue, Part::Spend, 1),
        Metric::VideoPlays => Formula::Sum(Part::VideoPlays),
        Metric::Watched2s => Formula::Sum(Part::Watched2s),
        Metric::Watched6s => Formula::Sum(Part::Watched6s),
        Metric::ViewsP25 => Formula::Sum(Part::P25),
        Metric::ViewsP50 => Formula::Sum(Part::P50),
        Metric::ViewsP75 => Formula::Sum(Part::P75),
        Metric::ViewsP100 => Formula::Sum(Part::P100),
        // Milliseconds × 1000 ÷ plays: seconds in millionths, as the other figures are kept.
        Metric::AverageWatch => ratio(Part::WatchTime, Part::VideoPlays, 1000),
        Metric::ProfileVisits => Formula::Sum(Part::ProfileVisits),
        Metric::Likes => Formula::Sum(Part::Likes),
        Metric::Comments => Formula::Sum(Part::Comments),
        Metric::Shares => Formula::Sum(Part::Shares),
        Metric::Follows => Formula::Sum(Part::Follows),
    }
}

/// The parts the figures `metrics` need.
pub fn parts_of(metrics: impl IntoIterator<Item = Metric>) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for p in metrics.into_iter().flat_map(|m| formula(m).parts()) {
        if !parts.contains(&p) {
            parts.push(p);
        }
    }
    parts
}

/// Summed parts (money and seconds in millionths); `None` where no day had a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums(pub [Option<i64>; PARTS]);

impl Sums {
    pub fn get(&self, p: Part) -> Option<i64> {
        self.0[p as usize]
    }

    pub fn set(&mut self, p: Part, v: Option<i64>) {
        self.0[p as usize] = v;
    }

    /// Nothing delivered: 0 for what TikTok always reports, no value for the rest.
    pub fn nothing_delivered() -> Self {
        let mut sums = Sums::default();
        for p in Part::VARIANTS.iter().copied().filter(|p| p.zero_without_rows()) {
            sums.set(p, Some(0));
        }
        sums
    }

    /// Both sums added part by part: a part either has is kept; one past 64 bits is no figure.
    pub fn plus(&self, other: &Sums) -> Sums {
        let mut sum = Sums::default();
        for &p in Part::VARIANTS {
            sum.set(
                p,
                match (self.get(p), other.get(p)) {
                    (Some(a), Some(b)) => a.checked_add(b),
                    (a, b) => a.or(b),
                },
            );
        }
        sum
    }

    /// What `self` holds beyond `part` (a whole and some of its parts), part by part. Only parts
    /// both have: one the parts lack (TikTok splits no likes by age) is no figure, never the
    /// whole's; reach has no remainder (a person is counted once per line).
    pub fn minus(&self, part: &Sums) -> Sums {
        let mut rest = Sums::default();
        for &p in Part::VARIANTS.iter().filter(|p| **p != Part::Reach) {
            rest.set(
                p,
                match (self.get(p), part.get(p)) {
                    (Some(a), Some(b)) => a.checked_sub(b),
                    _ => None,
                },
            );
        }
        rest
    }

    /// Spend, 0 when none.
    pub fn spend_micros(&self) -> i64 {
        self.get(Part::Spend).unwrap_or(0)
    }

    /// Figure `m` as a number in its unit (money in millionths, seconds in millionths,
    /// percentages as percent); `None` where the sums cannot give it, or for a figure of one
    /// day only (`one_day` false).
    pub fn value(&self, m: Metric, one_day: bool) -> Option<f64> {
        if m.day_only() && !one_day {
            return None;
        }
        match formula(m) {
            Formula::Sum(p) => self.get(p).map(|v| v as f64),
            Formula::Ratio { num, den, scale } => {
                let (n, d) = (self.get(num)?, self.get(den)?);
                (d > 0).then(|| n as f64 * scale as f64 / d as f64)
            }
        }
    }

    /// Figure `m` in words (no currency: the page adds it); `None` as for [`Sums::value`].
    pub fn text(&self, m: Metric, one_day: bool) -> Option<String> {
        if m.day_only() && !one_day {
            return None;
        }
        // Checked: a ratio too large for 64 bits is no figure, never a wrapped one.
        let exact = |num: i64, den: i64, scale: i64| {
            (den > 0).then(|| i64::try_from(i128::from(num) * i128::from(scale) / i128::from(den)).ok()).flatten()
        };
        let n = match formula(m) {
            Formula::Sum(p) => self.get(p)?,
            Formula::Ratio { num, den, scale } => match m.unit() {
                Unit::Money | Unit::Seconds => exact(self.get(num)?, self.get(den)?, scale)?,
                _ => return self.value(m, one_day).map(|v| two_places(m, v)),
            },
        };
        Some(match m.unit() {
            Unit::Money => money(n),
            Unit::Seconds => format!("{:.2}", n as f64 / 1_000_000.0),
            Unit::Count => count(n),
            Unit::Percent | Unit::Times => two_places(m, n as f64),
        })
    }
}

fn two_places(m: Metric, v: f64) -> String {
    match m.unit() {
        Unit::Percent => format!("{v:.2}%"),
        _ => format!("{v:.2}"),
    }
}

impl FromQueryResult for Sums {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let mut sums = Sums::default();
        for &p in Part::VARIANTS {
            sums.set(p, crate::db::wide_sum::read(res, pre, p.alias())?);
        }
        Ok(sums)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(pairs: &[(Part, i64)]) -> Sums {
        let mut s = Sums::default();
        for (p, v) in pairs {
            s.set(*p, Some(*v));
        }
        s
    }

    #[test]
    fn ratios_come_from_summed_parts() {
        let s = sums(&[
            (Part::Spend, 30_000_000),
            (Part::Impressions, 2_000),
            (Part::Clicks, 40),
            (Part::PurchaseValue, 75_000_000),
        ]);
        assert_eq!(s.text(Metric::Ctr, false).as_deref(), Some("2.00%"));
        assert_eq!(s.text(Metric::Cpc, false).as_deref(), Some("0.75"));
        assert_eq!(s.text(Metric::Cpm, false).as_deref(), Some("15.00"));
        assert_eq!(s.text(Metric::Roas, false).as_deref(), Some("2.50"));
    }

    #[test]
    fn a_figure_tiktok_gave_no_value_for_has_none_never_zero() {
        let s = sums(&[(Part::Spend, 30_000_000), (Part::Clicks, 40)]);
        assert_eq!(s.text(Metric::Purchases, false), None);
        assert_eq!(s.text(Metric::ValuePerPurchase, false), None);
        assert_eq!(s.text(Metric::Roas, false), None);
        assert_eq!(sums(&[(Part::Clicks, 0)]).text(Metric::Cpc, false), None, "no clicks, no cost per click");
    }

    #[test]
    fn reach_is_shown_for_one_day_only() {
        let s = sums(&[(Part::Impressions, 300), (Part::Reach, 200)]);
        assert_eq!(s.text(Metric::Frequency, true).as_deref(), Some("1.50"));
        assert_eq!(s.text(Metric::Reach, false), None, "a range's reach is not the sum of its days");
    }

    #[test]
    fn average_watch_time_is_watched_seconds_over_plays() {
        let s = sums(&[(Part::WatchTime, 7_500), (Part::VideoPlays, 3)]);
        assert_eq!(s.text(Metric::AverageWatch, false).as_deref(), Some("2.50"));
    }

    #[test]
    fn sums_add_part_by_part_keeping_what_either_has() {
        let a = sums(&[(Part::Spend, 5), (Part::Clicks, 1)]);
        let b = sums(&[(Part::Spend, 7), (Part::Reach, 3)]);
        let both = a.plus(&b);
        assert_eq!(
            (both.get(Part::Spend), both.get(Part::Clicks), both.get(Part::Reach)),
            (Some(12), Some(1), Some(3))
        );
        assert_eq!(both.get(Part::Likes), None, "neither had likes");
        assert_eq!(sums(&[(Part::Spend, i64::MAX)]).plus(&a).get(Part::Spend), None, "past 64 bits: no figure");
    }

    #[test]
    fn what_a_whole_holds_beyond_its_parts_is_only_of_the_parts_both_have() {
        let whole =
            sums(&[(Part::Spend, 10), (Part::Clicks, 0), (Part::Likes, 4), (Part::Reach, 9), (Part::Results, 1)]);
        let parts = sums(&[(Part::Spend, 12), (Part::Clicks, 0), (Part::Reach, 5), (Part::Results, i64::MIN)]);
        let rest = whole.minus(&parts);
        assert_eq!((rest.get(Part::Spend), rest.get(Part::Clicks)), (Some(-2), Some(0)), "below zero is kept");
        assert_eq!(rest.get(Part::Likes), None, "the parts have no likes: no figure, not the whole's");
        assert_eq!(rest.get(Part::Reach), None, "reach is never a remainder");
        assert_eq!(rest.get(Part::Results), None, "past 64 bits: no figure");
        assert_eq!(rest.get(Part::Impressions), None, "neither has it");
    }

    #[test]
    fn every_part_has_its_own_alias() {
        let aliases: std::collections::HashSet<&str> = Part::VARIANTS.iter().map(|p| p.alias()).collect();
        assert_eq!(aliases.len(), PARTS);
        assert!(Part::VARIANTS.iter().enumerate().all(|(i, p)| *p as usize == i));
    }
}
