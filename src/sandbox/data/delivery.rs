//! What an ad delivered on a day, in whole units (money in cents, watch time in milliseconds),
//! so that an ad group is exactly the sum of its ads, a campaign of its ad groups, a span of
//! its days; and TikTok's metrics as report rows carry them, ratios computed from those sums.

/// Additive delivery of an ad, or of everything under an entity, over a day or a span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub spend_cents: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    /// People reached, summed over ads and days (the sandbox does not dedupe people).
    pub reach: i64,
    pub results: i64,
    pub purchases: i64,
    pub purchase_value_cents: i64,
    pub video_plays: i64,
    pub watched_2s: i64,
    pub watched_6s: i64,
    pub p25: i64,
    pub p50: i64,
    pub p75: i64,
    pub p100: i64,
    pub watch_ms: i64,
    pub profile_visits: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub follows: i64,
}

impl Delivery {
    /// Every field, once: what adding and splitting walk over.
    fn fields_mut(&mut self) -> [&mut i64; 21] {
        let d = self;
        [
            &mut d.spend_cents,
            &mut d.impressions,
            &mut d.clicks,
            &mut d.conversions,
            &mut d.reach,
            &mut d.results,
            &mut d.purchases,
            &mut d.purchase_value_cents,
            &mut d.video_plays,
            &mut d.watched_2s,
            &mut d.watched_6s,
            &mut d.p25,
            &mut d.p50,
            &mut d.p75,
            &mut d.p100,
            &mut d.watch_ms,
            &mut d.profile_visits,
            &mut d.likes,
            &mut d.comments,
            &mut d.shares,
            &mut d.follows,
        ]
    }

    fn fields(mut self) -> [i64; 21] {
        self.fields_mut().map(|f| *f)
    }

    /// Splits every figure by `weights` (not all zero) so that the parts add up exactly: part `i`
    /// gets `⌊x·Wᵢ/W⌋ − ⌊x·Wᵢ₋₁/W⌋` of each figure `x`, `Wᵢ` the running sum of the weights.
    pub fn apportion(&self, weights: &[u64]) -> Vec<Delivery> {
        let whole = i128::from(weights.iter().sum::<u64>().max(1));
        let values = self.fields();
        let mut before = 0i128;
        weights
            .iter()
            .map(|w| {
                let after = before + i128::from(*w);
                let mut part = Delivery::default();
                for (p, x) in part.fields_mut().into_iter().zip(values) {
                    let x = i128::from(x);
                    *p = ((x * after).div_euclid(whole) - (x * before).div_euclid(whole)) as i64;
                }
                before = after;
                part
            })
            .collect()
    }
}

impl std::ops::AddAssign for Delivery {
    fn add_assign(&mut self, o: Delivery) {
        for (mine, theirs) in self.fields_mut().into_iter().zip(o.fields()) {
            *mine += theirs;
        }
    }
}

/// `cents` as TikTok writes money: `"20.00"`.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// `num / den × scale` to two decimals, `"-"` without a denominator, as TikTok sends ratios.
fn ratio(num: i64, den: i64, scale: f64) -> String {
    if den > 0 {
        format!("{:.2}", num as f64 / den as f64 * scale)
    } else {
        "-".into()
    }
}

impl Delivery {
    /// The value of metric `name` as a report row carries it; `None` for a name TikTok does not know.
    pub fn metric(&self, name: &str) -> Option<String> {
        let d = self;
        Some(match name {
            "spend" => money(d.spend_cents),
            "impressions" => d.impressions.to_string(),
            "clicks" => d.clicks.to_string(),
            "ctr" => ratio(d.clicks, d.impressions, 100.0),
            "cpc" => ratio(d.spend_cents, d.clicks, 0.01),
            "cpm" => ratio(d.spend_cents, d.impressions, 10.0),
            "reach" => d.reach.to_string(),
            "frequency" => ratio(d.impressions, d.reach, 1.0),
            "cost_per_1000_reached" => ratio(d.spend_cents, d.reach, 10.0),
            "conversion" => d.conversions.to_string(),
            "cost_per_conversion" => ratio(d.spend_cents, d.conversions, 0.01),
            "conversion_rate" => ratio(d.conversions, d.clicks, 100.0),
            "result" => d.results.to_string(),
            "cost_per_result" => ratio(d.spend_cents, d.results, 0.01),
            "result_rate" => ratio(d.results, d.impressions, 100.0),
            "complete_payment" => d.purchases.to_string(),
            "value_per_complete_payment" => ratio(d.purchase_value_cents, d.purchases, 0.01),
            "total_purchase_value" => money(d.purchase_value_cents),
            "video_play_actions" => d.video_plays.to_string(),
            "video_watched_2s" => d.watched_2s.to_string(),
            "video_watched_6s" => d.watched_6s.to_string(),
            "video_views_p25" => d.p25.to_string(),
            "video_views_p50" => d.p50.to_string(),
            "video_views_p75" => d.p75.to_string(),
            "video_views_p100" => d.p100.to_string(),
            "average_video_play" => ratio(d.watch_ms, d.video_plays, 0.001),
            "profile_visits" => d.profile_visits.to_string(),
            "likes" => d.likes.to_string(),
            "comments" => d.comments.to_string(),
            "shares" => d.shares.to_string(),
            "follows" => d.follows.to_string(),
            "secondary_goal_result" => "-".into(),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_come_from_the_sums_and_are_a_dash_without_a_denominator() {
        let d = Delivery { spend_cents: 1_000, impressions: 200, clicks: 3, ..Delivery::default() };
        assert_eq!(d.metric("ctr").as_deref(), Some("1.50"));
        assert_eq!(d.metric("cpc").as_deref(), Some("3.33"));
        assert_eq!(d.metric("cpm").as_deref(), Some("50.00"));
        assert_eq!(d.metric("cost_per_conversion").as_deref(), Some("-"));
        assert_eq!(d.metric("spend").as_deref(), Some("10.00"));
        let refunded = Delivery { spend_cents: -350, ..Delivery::default() };
        assert_eq!(refunded.metric("spend").as_deref(), Some("-3.50"));
        assert_eq!(d.metric("nonsense"), None);
    }

    #[test]
    fn apportioned_parts_add_up_to_the_whole_in_every_figure() {
        let d = Delivery { spend_cents: 1_001, impressions: 7, clicks: 3, watch_ms: 99_999, ..Delivery::default() };
        let parts = d.apportion(&[5, 0, 2, 9]);
        let mut sum = Delivery::default();
        parts.iter().for_each(|p| sum += *p);
        assert_eq!(sum, d);
        assert_eq!(parts[1], Delivery::default(), "a zero weight gets nothing");
        assert!(parts[3].spend_cents > parts[0].spend_cents, "shares follow the weights");
    }
}
