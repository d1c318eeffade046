//! What holds a call back before it is sent: this instance's share of TikTok's app-wide
//! requests per second, the background share of it, the per advertiser-and-path limit, and the
//! pause every task keeps after TikTok says the app is over its budget.

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::{
    num::NonZeroU32,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

/// The longest pause taken from another instance's word: its own are retry waits (at most
/// 30 s), so anything longer is clock skew and must not stall this app.
pub(super) const MAX_SHARED_PAUSE: Duration = Duration::from_secs(60);

/// The limits every clone of one client shares.
pub(super) struct Limits {
    app: Budget,
    /// The background budgets carved from the app budget, resized with it.
    background: Mutex<Vec<Arc<Budget>>>,
    path: DefaultKeyedRateLimiter<(String, &'static str)>,
    /// TikTok said the app is over its budget (40100), or its requests are timing out: every
    /// task waits until then, rather than each hammering on its own.
    paused_until: Mutex<Option<Instant>>,
    pub(super) timeouts: super::timeouts::TimeoutWatch,
}

impl Limits {
    pub(super) fn new(qps: u32, advertiser_path_qps: u32) -> Self {
        Self {
            app: Budget::new(qps),
            background: Mutex::default(),
            path: RateLimiter::keyed(per_second(advertiser_path_qps)),
            paused_until: Mutex::new(None),
            timeouts: Default::default(),
        }
    }

    /// A budget of `qps` for background work, split like the app budget and resized with it.
    pub(super) fn background(&self, qps: u32) -> Arc<Budget> {
        let budget = Arc::new(Budget::new(qps));
        let (mine, all) = self.app.share();
        budget.share_with(mine, all);
        self.background.lock().unwrap_or_else(|p| p.into_inner()).push(budget.clone());
        budget
    }

    pub(super) fn share_with(&self, mine: u32, all: u32) {
        self.app.share_with(mine, all);
        for budget in self.background.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            budget.share_with(mine, all);
        }
    }

    pub(super) fn per_second(&self) -> u32 {
        self.app.per_second()
    }

    /// How long every call is still held back, if it is.
    pub(super) fn paused_for(&self) -> Option<Duration> {
        let until = (*self.paused_until.lock().unwrap_or_else(|p| p.into_inner()))?;
        until.checked_duration_since(Instant::now())
    }

    /// Holds every call back for `wait` from now (a later pause already taken stays).
    pub(super) fn pause_for(&self, wait: Duration) {
        let mut until = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        let new = Instant::now() + wait;
        if until.is_none_or(|u| u < new) {
            *until = Some(new);
        }
    }

    /// Waits out the pause, then for the path limit, the background share and the app budget.
    pub(super) async fn wait_turn(&self, advertiser_id: Option<&str>, path: &'static str, background: Option<&Budget>) {
        while let Some(left) = self.paused_for().filter(|l| !l.is_zero()) {
            tokio::time::sleep(left).await;
        }
        if let Some(adv) = advertiser_id {
            self.path.until_key_ready(&(adv.to_owned(), path)).await;
        }
        if let Some(background) = background {
            background.limiter().until_ready().await;
        }
        self.app.limiter().until_ready().await;
        // A pause that began while this call waited its turn holds it too.
        while let Some(left) = self.paused_for().filter(|l| !l.is_zero()) {
            tokio::time::sleep(left).await;
        }
    }
}

/// A requests-per-second budget that several instances may split: `qps × mine ÷ all` each.
pub(super) struct Budget {
    qps: u32,
    /// This instance's shares, and all the live instances' shares together.
    share: Mutex<(u32, u32)>,
    limiter: RwLock<Arc<DefaultDirectRateLimiter>>,
}

impl Budget {
    fn new(qps: u32) -> Self {
        Self { qps, share: Mutex::new((1, 1)), limiter: RwLock::new(Arc::new(RateLimiter::direct(paced(qps)))) }
    }

    /// A limiter for a new share that starts empty: a fresh one would let a whole burst through
    /// each time the number of instances changes.
    fn drained(qps: u32) -> Arc<DefaultDirectRateLimiter> {
        let limiter = RateLimiter::direct(paced(qps));
        while limiter.check().is_ok() {}
        Arc::new(limiter)
    }

    fn limiter(&self) -> Arc<DefaultDirectRateLimiter> {
        self.limiter.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn share(&self) -> (u32, u32) {
        *self.share.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This instance's share when the instances serving the same TikTok app take `all` shares
    /// and this one `mine` of them (at least one request a second).
    fn share_with(&self, mine: u32, all: u32) {
        let new = (mine.max(1), all.max(mine).max(1));
        let mut limiter = self.limiter.write().unwrap_or_else(|p| p.into_inner());
        let mut share = self.share.lock().unwrap_or_else(|p| p.into_inner());
        if *share != new {
            *share = new;
            *limiter = Self::drained(Self::of(self.qps, new));
        }
    }

    fn of(qps: u32, (mine, all): (u32, u32)) -> u32 {
        (u64::from(qps) * u64::from(mine) / u64::from(all.max(1))).clamp(1, u64::from(u32::MAX)) as u32
    }

    fn per_second(&self) -> u32 {
        Self::of(self.qps, self.share())
    }
}

/// `n` per second, evenly spaced: TikTok counts the app's requests per second, and any burst
/// on top of the rate (after a lull, say) would put more than `n` into some second. Several
/// instances' shares add up to the app budget in every second only when none bursts.
fn paced(n: u32) -> Quota {
    Quota::per_second(NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")).allow_burst(NonZeroU32::MIN)
}

/// `n` per second with a burst of half that (the per-advertiser-and-path limit, where a short
/// burst across a run's pages is what TikTok allows).
fn per_second(n: u32) -> Quota {
    let nz = |v: u32| NonZeroU32::new(v.max(1)).expect("max(1) is non-zero");
    Quota::per_second(nz(n)).allow_burst(nz(n / 2))
}

#[cfg(test)]
mod tests {
    use super::Budget;

    /// Requests the budget lets through at once.
    fn burst(budget: &Budget) -> usize {
        let limiter = budget.limiter();
        (0..1000).take_while(|_| limiter.check().is_ok()).count()
    }

    #[test]
    fn an_instance_keeps_to_its_share_of_the_app_budget() {
        let budget = Budget::new(10);
        assert_eq!((budget.per_second(), burst(&budget)), (10, 1), "evenly spaced: no second gets more than 10");
        budget.share_with(1, 2);
        assert_eq!((budget.per_second(), burst(&budget)), (5, 0), "a new share starts without a burst");
        budget.share_with(4, 5);
        assert_eq!(budget.per_second(), 8, "a syncing instance beside a web-only one");
        budget.share_with(1, 20);
        assert_eq!(budget.per_second(), 1, "never less than one a second");
        budget.share_with(0, 0);
        assert_eq!(budget.per_second(), 10, "no count means this instance alone");
    }
}
