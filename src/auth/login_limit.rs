//! Login attempts are limited per email address and per client address, so neither one
//! account nor one attacker can try passwords quickly.

use axum::http::HeaderMap;
use governor::{
    clock::{Clock, DefaultClock},
    middleware::NoOpMiddleware,
    state::keyed::DefaultKeyedStateStore,
    Quota, RateLimiter,
};
use std::{net::IpAddr, num::NonZeroU32};

type Keyed<K, C> = RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Past this many remembered keys, idle ones are dropped at once rather than at the next sweep.
const MAX_KEYS: usize = 100_000;

/// Generic over governor's clock so tests can move its time.
pub struct LoginLimiter<C: Clock = DefaultClock> {
    per_email: Keyed<String, C>,
    per_ip: Keyed<IpAddr, C>,
}

impl Default for LoginLimiter {
    /// 10 attempts per email, then one every 6 s; 30 per address, then two a second.
    fn default() -> Self {
        Self::new(10, 10, 30, 120)
    }
}

impl LoginLimiter {
    pub fn new(email_burst: u32, email_per_minute: u32, ip_burst: u32, ip_per_minute: u32) -> Self {
        Self::with_clock(email_burst, email_per_minute, ip_burst, ip_per_minute, DefaultClock::default())
    }
}

impl<C: Clock + Clone> LoginLimiter<C> {
    pub fn with_clock(email_burst: u32, email_per_minute: u32, ip_burst: u32, ip_per_minute: u32, clock: C) -> Self {
        let quota = |burst: u32, per_minute: u32| {
            Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("max(1) is non-zero"))
                .allow_burst(NonZeroU32::new(burst.max(1)).expect("max(1) is non-zero"))
        };
        Self {
            per_email: RateLimiter::new(
                quota(email_burst, email_per_minute),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            per_ip: RateLimiter::new(quota(ip_burst, ip_per_minute), DefaultKeyedStateStore::default(), clock),
        }
    }

    /// Counts one attempt; false when either budget is spent.
    pub fn check(&self, email: &str, ip: Option<IpAddr>) -> bool {
        if self.per_email.len() + self.per_ip.len() > MAX_KEYS {
            self.forget_idle();
        }
        let ip_ok = ip.is_none_or(|ip| self.per_ip.check_key(&ip).is_ok());
        ip_ok && self.per_email.check_key(&email.to_owned()).is_ok()
    }

    /// Forgets keys whose budget has refilled: they behave exactly like unseen ones.
    pub fn forget_idle(&self) {
        self.per_email.retain_recent();
        self.per_email.shrink_to_fit();
        self.per_ip.retain_recent();
        self.per_ip.shrink_to_fit();
    }

    pub fn remembered(&self) -> usize {
        self.per_email.len() + self.per_ip.len()
    }
}

/// The client address a trusted proxy wrote into `header`: the right-most entry, the one our
/// own proxy appended (entries to its left came from the client and prove nothing).
pub fn forwarded_ip(headers: &HeaderMap, header: &str) -> Option<IpAddr> {
    let value = headers.get_all(header).iter().filter_map(|v| v.to_str().ok()).next_back()?;
    value.rsplit(',').map(str::trim).find(|s| !s.is_empty())?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_refused_after_its_burst_of_attempts() {
        let limiter = LoginLimiter::new(3, 1, 100, 100);
        for _ in 0..3 {
            assert!(limiter.check("a@x.test", None));
        }
        assert!(!limiter.check("a@x.test", None));
        assert!(limiter.check("b@x.test", None), "other accounts are unaffected");
    }

    #[test]
    fn one_address_cannot_spray_many_emails() {
        let limiter = LoginLimiter::new(100, 100, 2, 1);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(limiter.check("a@x.test", Some(ip)));
        assert!(limiter.check("b@x.test", Some(ip)));
        assert!(!limiter.check("c@x.test", Some(ip)));
    }

    #[test]
    fn idle_keys_are_forgotten_and_limited_ones_are_kept() {
        let clock = governor::clock::FakeRelativeClock::default();
        let limiter = LoginLimiter::with_clock(1, 1, 100, 100, clock.clone());
        limiter.check("idle@x.test", None);
        limiter.forget_idle();
        assert_eq!(limiter.remembered(), 1, "a spent budget is remembered");
        clock.advance(std::time::Duration::from_secs(121));
        limiter.forget_idle();
        assert_eq!(limiter.remembered(), 0, "a refilled budget needs no memory");
    }

    #[test]
    fn the_right_most_forwarded_address_is_the_one_our_proxy_saw() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        assert_eq!(forwarded_ip(&headers, "x-forwarded-for"), Some("203.0.113.9".parse().unwrap()));
        headers.insert("x-real-ip", "garbage".parse().unwrap());
        assert_eq!(forwarded_ip(&headers, "x-real-ip"), None);
        assert_eq!(forwarded_ip(&headers, "x-missing"), None);
    }
}
