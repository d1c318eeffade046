//! TikTok's timeout penalty, as TikTok documents it: 10 request timeouts within 10 s lower the
//! app's limit to 5 requests a second for 5 minutes (20: to 1, 30: to none), and a request sent
//! again unchanged after 3 timeouts within 10 minutes is blocked for 10 minutes. A timeout here is
//! an answer the sandbox timed out: SYS_TIMEOUT (50002), a gateway timeout (504) or a hang.
//! Real time, like TikTok's own: the app's clock may be a test's.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::{json, Value};
use std::{
    collections::{HashMap, VecDeque},
    num::NonZeroU32,
    time::{Duration, Instant},
};

const BURST_WINDOW: Duration = Duration::from_secs(10);
const LOWERED_FOR: Duration = Duration::from_secs(5 * 60);
const REPEAT_WINDOW: Duration = Duration::from_secs(10 * 60);
const BLOCKED_FOR: Duration = Duration::from_secs(10 * 60);
const REPEATS_BLOCKED: usize = 3;

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Over the lowered limit (requests a second).
    Lowered(u32),
    /// This very request timed out too often.
    Blocked,
}

#[derive(Default)]
pub struct Penalty {
    recent: VecDeque<Instant>,
    /// The most timeouts seen within one 10 s window.
    worst_burst: usize,
    lowered: Option<(Instant, u32, DefaultDirectRateLimiter)>,
    lowered_times: u32,
    by_request: HashMap<String, VecDeque<Instant>>,
    blocked: HashMap<String, Instant>,
    blocked_times: u32,
}

fn trim(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
        times.pop_front();
    }
}

impl Penalty {
    /// Whether `request` may be answered now.
    pub fn check(&mut self, request: &str, now: Instant) -> Result<(), Refusal> {
        if self.blocked.get(request).is_some_and(|until| *until > now) {
            return Err(Refusal::Blocked);
        }
        if let Some((until, qps, limiter)) = &self.lowered {
            if *until > now && (*qps == 0 || limiter.check().is_err()) {
                return Err(Refusal::Lowered(*qps));
            }
        }
        Ok(())
    }

    /// `request` timed out: counted towards the burst and towards its own repeats.
    pub fn timed_out(&mut self, request: &str, now: Instant) {
        trim(&mut self.recent, now, BURST_WINDOW);
        self.recent.push_back(now);
        self.worst_burst = self.worst_burst.max(self.recent.len());
        let qps = match self.recent.len() {
            n if n >= 30 => Some(0),
            n if n >= 20 => Some(1),
            n if n >= 10 => Some(5),
            _ => None,
        };
        if let Some(qps) = qps {
            if self.lowered.as_ref().is_none_or(|(until, lowered, _)| *until <= now || qps < *lowered) {
                let limiter =
                    RateLimiter::direct(Quota::per_second(NonZeroU32::new(qps.max(1)).unwrap_or(NonZeroU32::MIN)));
                self.lowered = Some((now + LOWERED_FOR, qps, limiter));
                self.lowered_times += 1;
            }
        }
        let repeats = self.by_request.entry(request.to_owned()).or_default();
        trim(repeats, now, REPEAT_WINDOW);
        repeats.push_back(now);
        if repeats.len() >= REPEATS_BLOCKED {
            self.blocked.insert(request.to_owned(), now + BLOCKED_FOR);
            self.blocked_times += 1;
        }
    }

    /// What the penalty did, for the control endpoint's counts.
    pub fn report(&self) -> Value {
        json!({
            "worst_burst": self.worst_burst,
            "lowered": self.lowered_times,
            "blocked": self.blocked_times,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_timeouts_within_ten_seconds_lower_the_limit_and_nine_do_not() {
        let (mut p, t0) = (Penalty::default(), Instant::now());
        for i in 0..9 {
            p.timed_out(&format!("r{i}"), t0 + Duration::from_millis(i * 1000));
        }
        assert!(p.check("other", t0 + Duration::from_secs(9)).is_ok());
        p.timed_out("r9", t0 + Duration::from_millis(9500));
        assert_eq!(p.report()["lowered"], 1);
        let refused = (0..10).filter(|_| p.check("other", t0 + Duration::from_secs(10)).is_err()).count();
        assert!(refused >= 4, "five a second at most: {refused} of 10 refused");
    }

    #[test]
    fn timeouts_spread_over_more_than_ten_seconds_do_not() {
        let (mut p, t0) = (Penalty::default(), Instant::now());
        for i in 0..20 {
            p.timed_out(&format!("r{i}"), t0 + Duration::from_secs(i * 2));
        }
        assert_eq!(p.report()["lowered"], 0);
        assert_eq!(p.report()["worst_burst"], 5);
    }

    #[test]
    fn a_request_that_timed_out_three_times_is_blocked_and_others_are_not() {
        let (mut p, t0) = (Penalty::default(), Instant::now());
        for i in 0..3 {
            p.timed_out("same", t0 + Duration::from_secs(i * 60));
        }
        assert_eq!(p.check("same", t0 + Duration::from_secs(200)), Err(Refusal::Blocked));
        assert!(p.check("different", t0 + Duration::from_secs(200)).is_ok());
        assert!(p.check("same", t0 + Duration::from_secs(120 + 601)).is_ok(), "ten minutes later it is not");
    }
}
