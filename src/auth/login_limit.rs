//! Login attempts are limited per email address and per client address, so neither one
//! account nor one attacker can try passwords quickly.

use governor::{clock::DefaultClock, state::keyed::DefaultKeyedStateStore, Quota, RateLimiter};
use std::{net::IpAddr, num::NonZeroU32};

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

pub struct LoginLimiter {
    per_email: Keyed<String>,
    per_ip: Keyed<IpAddr>,
}

impl Default for LoginLimiter {
    /// 10 attempts per email, then one every 6 s; 30 per address, then two a second.
    fn default() -> Self {
        Self::new(10, 10, 30, 120)
    }
}

impl LoginLimiter {
    pub fn new(email_burst: u32, email_per_minute: u32, ip_burst: u32, ip_per_minute: u32) -> Self {
        let quota = |burst: u32, per_minute: u32| {
            Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("max(1) is non-zero"))
                .allow_burst(NonZeroU32::new(burst.max(1)).expect("max(1) is non-zero"))
        };
        Self {
            per_email: RateLimiter::keyed(quota(email_burst, email_per_minute)),
            per_ip: RateLimiter::keyed(quota(ip_burst, ip_per_minute)),
        }
    }

    /// Counts one attempt; false when either budget is spent.
    pub fn check(&self, email: &str, ip: Option<IpAddr>) -> bool {
        let ip_ok = ip.is_none_or(|ip| self.per_ip.check_key(&ip).is_ok());
        ip_ok && self.per_email.check_key(&email.to_owned()).is_ok()
    }
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
}
