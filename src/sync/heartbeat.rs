//! The heartbeat: keeps a run's lease while a call waits on TikTok (a rate limit, a slow
//! answer), and tells the run when the lease is gone.

use super::SyncEngine;
use crate::{db::run_queue::Lease, tiktok::TikTokClient};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

impl SyncEngine {
    /// Keeps the lease while the run waits on TikTok, and says when it waits on a rate limit:
    /// it looks every 2 s, and writes when the lease is a third through or the wait changed.
    pub(super) async fn heartbeat(self, lease: Lease, client: TikTokClient, lost: CancellationToken) {
        let renew_every = (self.settings.lease / 3).max(Duration::from_millis(200));
        let look_every = renew_every.min(Duration::from_secs(2));
        let (mut since_renewal, mut shown_wait) = (Duration::ZERO, None);
        loop {
            tokio::time::sleep(look_every).await;
            since_renewal += look_every;
            let waiting = client.paused_until();
            // Minutes are what the card shows; a wait moving by seconds is not news.
            let wait_key = waiting.map(|t| t.timestamp() / 30);
            if since_renewal < renew_every && wait_key == shown_wait {
                continue;
            }
            match self.queue.beat(&lease, waiting).await {
                Ok(false) => {
                    lost.cancel();
                    return;
                }
                Ok(true) => {
                    since_renewal = Duration::ZERO;
                    shown_wait = wait_key;
                }
                // The database is away: the next page write will say whether the run is still ours.
                Err(e) => tracing::warn!(error = %e, "sync heartbeat could not reach the database"),
            }
        }
    }
}

/// Stops the heartbeat when the run's task ends, however it ends.
pub(super) struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
