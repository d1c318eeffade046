//! Who saw an ad and when: each ad's day split by age and gender, platform, country and hour with
//! TikTok's values, so that the buckets of any entity add up exactly to its daily row.

use super::{Delivery, Generator, Key};

/// TikTok's age buckets, as AUDIENCE reports name them.
pub const AGES: [&str; 6] = ["AGE_13_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"];
/// `NONE`: people whose gender TikTok does not know (a sliver of every audience).
pub const GENDERS: [&str; 3] = ["FEMALE", "MALE", "NONE"];
pub const PLATFORMS: [&str; 3] = ["ANDROID", "IOS", "PC"];
pub const COUNTRIES: [&str; 6] = ["US", "GB", "DE", "FR", "AU", "CA"];

/// Rough share of a day's delivery in each hour: quiet at night, busiest in the evening.
const HOURS: [u64; 24] =
    [30, 20, 14, 10, 8, 10, 18, 30, 40, 46, 50, 54, 58, 56, 54, 56, 60, 66, 74, 82, 86, 80, 64, 44];

/// The ways the sandbox splits a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Age,
    Gender,
    AgeGender,
    Platform,
    Country,
    Hour,
}

impl Breakdown {
    /// How many buckets a day splits into.
    pub fn len(self) -> usize {
        match self {
            Breakdown::Age => AGES.len(),
            Breakdown::Gender => GENDERS.len(),
            Breakdown::AgeGender => AGES.len() * GENDERS.len(),
            Breakdown::Platform => PLATFORMS.len(),
            Breakdown::Country => COUNTRIES.len(),
            Breakdown::Hour => HOURS.len(),
        }
    }

    /// The dimensions naming bucket `i` (the hour's is the caller's: it carries the day).
    pub fn dimensions(self, i: usize) -> Vec<(&'static str, &'static str)> {
        match self {
            Breakdown::Age => vec![("age", AGES[i])],
            Breakdown::Gender => vec![("gender", GENDERS[i])],
            Breakdown::AgeGender => vec![("age", AGES[i / GENDERS.len()]), ("gender", GENDERS[i % GENDERS.len()])],
            Breakdown::Platform => vec![("platform", PLATFORMS[i])],
            Breakdown::Country => vec![("country_code", COUNTRIES[i])],
            Breakdown::Hour => Vec::new(),
        }
    }
}

impl Generator {
    /// An entity's delivery on a day (days since the epoch), bucket by bucket: each of its ads'
    /// day apportioned by that ad's weights, so the buckets add up to [`Generator::delivery`].
    pub fn split(&self, key: Key, day: i64, by: Breakdown) -> Vec<Delivery> {
        // Age alone and gender alone are sums of the age × gender cells, as at TikTok.
        let cells = match by {
            Breakdown::Age | Breakdown::Gender => Breakdown::AgeGender,
            other => other,
        };
        let mut sums = vec![Delivery::default(); cells.len()];
        for ad in self.ads_under(key) {
            let parts = self.ad_day(ad, day).apportion(&self.weights(ad, day, cells));
            sums.iter_mut().zip(parts).for_each(|(sum, part)| *sum += part);
        }
        let mut folded = vec![Delivery::default(); by.len()];
        for (i, cell) in sums.into_iter().enumerate() {
            let at = match by {
                Breakdown::Age => i / GENDERS.len(),
                Breakdown::Gender => i % GENDERS.len(),
                _ => i,
            };
            folded[at] += cell;
        }
        folded
    }

    /// An ad's share of each bucket on a day: its own mix, moving a little from day to day.
    fn weights(&self, ad: Key, day: i64, by: Breakdown) -> Vec<u64> {
        let (c, g, a, d) = (ad.c as u64, ad.g as u64, ad.a as u64, day as u64);
        let lean = |kind: u64, i: usize, lo: u64, spread: u64| {
            let ad_mix = self.h(&[90, kind, c, g, a, i as u64]) % spread;
            let day_mix = self.h(&[91, kind, c, g, a, d, i as u64]) % 10;
            lo + ad_mix + day_mix
        };
        match by {
            Breakdown::AgeGender => {
                let ages: Vec<u64> = (0..AGES.len()).map(|i| lean(1, i, if i == 0 { 2 } else { 20 }, 60)).collect();
                let genders: Vec<u64> =
                    (0..GENDERS.len()).map(|i| if i == 2 { 1 } else { lean(2, i, 30, 40) }).collect();
                ages.iter().flat_map(|age| genders.iter().map(move |gender| age * gender)).collect()
            }
            Breakdown::Platform => vec![lean(3, 0, 40, 40), lean(3, 1, 30, 40), lean(3, 2, 2, 8)],
            Breakdown::Country => (0..COUNTRIES.len()).map(|i| lean(4, i, if i == 0 { 80 } else { 5 }, 30)).collect(),
            Breakdown::Hour => HOURS.iter().enumerate().map(|(i, base)| base * 10 + lean(5, i, 0, 40)).collect(),
            Breakdown::Age | Breakdown::Gender => unreachable!("split into age × gender cells first"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DataSizes, Level};
    use super::*;

    fn generator() -> Generator {
        Generator {
            seed: 3,
            index: 1,
            sizes: DataSizes { campaigns: 2, adgroups_per_campaign: 2, ads_per_adgroup: 3, days: 10 },
            late: None,
        }
    }

    #[test]
    fn every_breakdown_of_a_campaign_adds_up_to_its_day() {
        let g = generator();
        let campaign = g.key(Level::Campaign, 1);
        for by in [
            Breakdown::Age,
            Breakdown::Gender,
            Breakdown::AgeGender,
            Breakdown::Platform,
            Breakdown::Country,
            Breakdown::Hour,
        ] {
            let parts = g.split(campaign, 20_000, by);
            assert_eq!(parts.len(), by.len(), "{by:?}");
            let mut sum = Delivery::default();
            parts.iter().for_each(|p| sum += *p);
            assert_eq!(sum, g.delivery(campaign, 20_000), "{by:?}");
        }
    }

    #[test]
    fn age_alone_is_the_sum_of_its_genders() {
        let g = generator();
        let campaign = g.key(Level::Campaign, 0);
        let cells = g.split(campaign, 20_001, Breakdown::AgeGender);
        let ages = g.split(campaign, 20_001, Breakdown::Age);
        let mut first_age = Delivery::default();
        cells[..GENDERS.len()].iter().for_each(|c| first_age += *c);
        assert_eq!(ages[0], first_age);
        assert_eq!(Breakdown::AgeGender.dimensions(4), vec![("age", "AGE_18_24"), ("gender", "MALE")]);
    }
}
