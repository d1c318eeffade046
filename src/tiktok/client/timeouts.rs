//! TikTok punishes timeouts app-wide: 10 within 10 s lower the app's limit (to 5 requests a second
//! for 5 minutes, then 1, then none), and a request resent unchanged after 3 timeouts within 10
//! minutes is blocked for 10 minutes. So each request's timeouts are remembered for 10 minutes
//! (by this instance), and one that timed out twice is not sent again until the older of the two
//! is 10 minutes old: a call retries a timeout at most once, and the sync asks for less instead
//! (half the window). The watch also counts the timeouts of the last 10 s — this instance's, and
//! the other instances' as their beats report them (a few seconds late) — and from [`SLOW_AT`] on
//! holds every call back until the oldest has left the window, far below TikTok's threshold.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        atomic::{AtomicU32, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

/// TikTok's window for counting timeouts.
pub const WINDOW: Duration = Duration::from_secs(10);
/// Timeouts within the window (app-wide) from which every call waits: well under TikTok's 10,
/// with room for the calls already in flight when the last one came.
pub const SLOW_AT: u32 = 4;
/// TikTok's window for counting one request's timeouts.
pub const HOLD_BACK: Duration = Duration::from_secs(10 * 60);
/// A request's timeouts within [`HOLD_BACK`] after which it is not sent again.
const REPEATS: usize = 2;

/// A request as TikTok tells "the same request" apart: a digest of its method, path, query, body
/// and token (the query may hold the app secret, the header a token: only the digest is kept).
pub(super) type Fingerprint = [u8; 32];

pub(super) fn fingerprint(parts: &[&str]) -> Fingerprint {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize().into()
}

#[derive(Default)]
pub(super) struct TimeoutWatch {
    mine: Mutex<VecDeque<Instant>>,
    /// The other instances' counts, as of their last beats.
    others: AtomicU32,
    /// Each request's timeouts within [`HOLD_BACK`].
    by_request: Mutex<HashMap<Fingerprint, VecDeque<Instant>>>,
}

impl TimeoutWatch {
    fn trimmed(&self, now: Instant) -> std::sync::MutexGuard<'_, VecDeque<Instant>> {
        let mut mine = self.mine.lock().unwrap_or_else(|p| p.into_inner());
        while mine.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            mine.pop_front();
        }
        mine
    }

    /// Counts a timeout at `now`; how long every call should now hold back, if at all.
    pub(super) fn record(&self, now: Instant) -> Option<Duration> {
        let mut mine = self.trimmed(now);
        mine.push_back(now);
        let app_wide =
            u32::try_from(mine.len()).unwrap_or(u32::MAX).saturating_add(self.others.load(Ordering::Relaxed));
        if app_wide < SLOW_AT {
            return None;
        }
        // Until this instance's oldest timeout leaves the window (a whole window when the
        // others' make up the count).
        let oldest = mine.front().copied().unwrap_or(now);
        Some(WINDOW.saturating_sub(now.duration_since(oldest)).max(Duration::from_secs(1)))
    }

    /// This instance's timeouts within the window, for its beat.
    pub(super) fn recent(&self, now: Instant) -> u32 {
        u32::try_from(self.trimmed(now).len()).unwrap_or(u32::MAX)
    }

    /// Counts a timeout of `request` at `now` (beside [`TimeoutWatch::record`]).
    pub(super) fn request_timed_out(&self, request: Fingerprint, now: Instant) {
        let mut all = self.by_request.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < HOLD_BACK));
        let times = all.entry(request).or_default();
        times.push_back(now);
        while times.len() > REPEATS {
            times.pop_front();
        }
    }

    /// How long `request` is still held back: until the older of its last two timeouts is
    /// [`HOLD_BACK`] old.
    pub(super) fn held_back(&self, request: &Fingerprint, now: Instant) -> Option<Duration> {
        let all = self.by_request.lock().unwrap_or_else(|p| p.into_inner());
        let times = all.get(request).filter(|t| t.len() >= REPEATS)?;
        let older = *times.front()?;
        HOLD_BACK.checked_sub(now.duration_since(older)).filter(|d| !d.is_zero())
    }

    /// The other instances' timeouts within the window, from their beats.
    pub(super) fn set_others(&self, n: u32) {
        self.others.store(n, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_slow_down_at_the_fourth_timeout_within_ten_seconds_until_the_first_leaves() {
        let (watch, t0) = (TimeoutWatch::default(), Instant::now());
        assert_eq!(watch.record(t0), None);
        assert_eq!(watch.record(t0 + Duration::from_secs(1)), None);
        assert_eq!(watch.record(t0 + Duration::from_secs(2)), None);
        assert_eq!(watch.record(t0 + Duration::from_secs(3)), Some(Duration::from_secs(7)));
        assert_eq!(watch.recent(t0 + Duration::from_secs(10)), 3, "the first has left the window");
    }

    #[test]
    fn a_request_that_timed_out_twice_within_ten_minutes_is_held_back_and_others_are_not() {
        let (watch, t0) = (TimeoutWatch::default(), Instant::now());
        let (same, other) = (fingerprint(&["GET", "report/integrated/get/", "a"]), fingerprint(&["GET", "x", "a"]));
        watch.request_timed_out(same, t0);
        assert_eq!(watch.held_back(&same, t0), None, "one timeout: it may be sent again");
        watch.request_timed_out(same, t0 + Duration::from_secs(120));
        assert_eq!(watch.held_back(&same, t0 + Duration::from_secs(180)), Some(Duration::from_secs(420)));
        assert_eq!(watch.held_back(&other, t0), None);
        assert_eq!(watch.held_back(&same, t0 + HOLD_BACK), None, "ten minutes after the older one");
    }

    #[test]
    fn the_other_instances_timeouts_count_too() {
        let (watch, t0) = (TimeoutWatch::default(), Instant::now());
        watch.set_others(3);
        assert_eq!(watch.record(t0), Some(WINDOW), "a whole window when the others make up the count");
        watch.set_others(0);
        assert_eq!(watch.record(t0 + Duration::from_secs(11)), None, "and they count only while they say so");
    }
}
