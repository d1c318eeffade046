//! How much report work one instance takes on at once, so no tenant's export or query can hold
//! everyone else's pages: exports have a few slots, shared fairly between workspaces and each
//! bounded in time; report queries that are worked out (not answered from the cache) take a
//! turn, the heavy ones (every ad or ad group, or more than a quarter's days) at most half of
//! them, so a drill-down always finds one.

use crate::clock::Clock;
use chrono::{DateTime, Utc};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

/// The limits, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct ReportLimits {
    pub exports_at_once: usize,
    /// How long one export may take from its first line to its last, however its client reads.
    pub export_time_limit: Duration,
    pub queries_at_once: usize,
}

/// How long a light query waits for a turn before it is told to try again.
const QUERY_WAIT: Duration = Duration::from_secs(2);

struct Held {
    id: u64,
    workspace_id: i32,
    until: DateTime<Utc>,
    cut: CancellationToken,
}

#[derive(Default)]
struct Slots {
    held: Vec<Held>,
    next_id: u64,
}

/// Export slots: a workspace may take the last free one only when it holds none, so two slow
/// downloads (of one workspace or two) never keep a third workspace from exporting; an export
/// past its time limit is cut when anyone next asks for a slot, or at its next line.
#[derive(Clone)]
pub struct ExportSlots {
    clock: Arc<dyn Clock>,
    slots: usize,
    limit: chrono::Duration,
    state: Arc<Mutex<Slots>>,
}

/// One export's slot, given back when dropped.
pub struct ExportTurn {
    id: u64,
    pub until: DateTime<Utc>,
    /// Cancelled when the export is cut for its time.
    pub cut: CancellationToken,
    state: Arc<Mutex<Slots>>,
}

impl Drop for ExportTurn {
    fn drop(&mut self) {
        let mut slots = self.state.lock().unwrap_or_else(|p| p.into_inner());
        slots.held.retain(|h| h.id != self.id);
    }
}

impl ExportSlots {
    pub fn new(clock: Arc<dyn Clock>, limits: &ReportLimits) -> Self {
        let limit = chrono::Duration::from_std(limits.export_time_limit).unwrap_or(chrono::Duration::minutes(10));
        Self { clock, slots: limits.exports_at_once.max(1), limit, state: Arc::default() }
    }

    /// A slot for an export of `workspace_id`, when one is free to it.
    pub fn take(&self, workspace_id: i32) -> Option<ExportTurn> {
        let now = self.clock.now();
        // A panic elsewhere while holding the lock leaves plain data: keep using it.
        let mut slots = self.state.lock().unwrap_or_else(|p| p.into_inner());
        slots.held.retain(|h| {
            let overdue = h.until <= now;
            if overdue {
                tracing::warn!(workspace.id = h.workspace_id, "an export reached its time limit; it ends");
                h.cut.cancel();
            }
            !overdue
        });
        let free = self.slots.saturating_sub(slots.held.len());
        let holds = slots.held.iter().any(|h| h.workspace_id == workspace_id);
        if free == 0 || (free == 1 && holds && self.slots > 1) {
            return None;
        }
        slots.next_id += 1;
        let (id, cut, until) = (slots.next_id, CancellationToken::new(), now + self.limit);
        slots.held.push(Held { id, workspace_id, until, cut: cut.clone() });
        Some(ExportTurn { id, until, cut, state: self.state.clone() })
    }

    /// Whether an export holding `turn` has run past its time.
    pub fn overdue(&self, turn: &ExportTurn) -> bool {
        turn.cut.is_cancelled() || self.clock.now() >= turn.until
    }

    /// How long `turn` has left, for a timer that cuts an export stuck before its next line.
    pub fn left(&self, turn: &ExportTurn) -> Duration {
        (turn.until - self.clock.now()).to_std().unwrap_or_default()
    }
}

/// Turns for report queries worked out in the database.
#[derive(Clone)]
pub struct QueryGate {
    all: Arc<Semaphore>,
    heavy: Arc<Semaphore>,
}

/// Every turn is taken: try again in a moment.
#[derive(Debug)]
pub struct Busy;

/// A query's turn, held while it runs.
pub struct QueryTurn {
    _all: OwnedSemaphorePermit,
    _heavy: Option<OwnedSemaphorePermit>,
}

impl QueryGate {
    pub fn new(limits: &ReportLimits) -> Self {
        let all = limits.queries_at_once.max(2);
        Self { all: Arc::new(Semaphore::new(all)), heavy: Arc::new(Semaphore::new(all / 2)) }
    }

    /// A turn for a query; a heavy one is refused at once when half the turns are heavy
    /// already, and any query waits at most a moment for a free turn.
    pub async fn enter(&self, heavy: bool) -> Result<QueryTurn, Busy> {
        let heavy_turn = match heavy {
            true => Some(self.heavy.clone().try_acquire_owned().map_err(|_| Busy)?),
            false => None,
        };
        match tokio::time::timeout(QUERY_WAIT, self.all.clone().acquire_owned()).await {
            Ok(Ok(all)) => Ok(QueryTurn { _all: all, _heavy: heavy_turn }),
            _ => Err(Busy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn limits(exports: usize) -> ReportLimits {
        ReportLimits { exports_at_once: exports, export_time_limit: Duration::from_secs(600), queries_at_once: 4 }
    }

    #[test]
    fn the_last_free_slot_goes_only_to_a_workspace_holding_none() {
        let slots = ExportSlots::new(Arc::new(ManualClock::starting_now()), &limits(3));
        let a1 = slots.take(1).expect("a first slot");
        let a2 = slots.take(1).expect("a second while two are free");
        assert!(slots.take(1).is_none(), "not the last one");
        let b = slots.take(2).expect("another workspace gets the last");
        assert!(slots.take(3).is_none(), "all taken");
        drop(a1);
        assert!(slots.take(1).is_none(), "one free again, and workspace 1 still holds one");
        let c = slots.take(3).expect("but a third workspace may take it");
        drop((a2, b, c));
    }

    #[test]
    fn an_export_past_its_time_is_cut_when_a_slot_is_asked_for() {
        let clock = Arc::new(ManualClock::starting_now());
        let slots = ExportSlots::new(clock.clone(), &limits(1));
        let slow = slots.take(1).expect("a slot");
        assert!(slots.take(2).is_none());
        assert!(!slots.overdue(&slow));
        clock.advance(chrono::Duration::minutes(10));
        assert!(slots.overdue(&slow), "past its time");
        let next = slots.take(2).expect("the overdue export gave its slot up");
        assert!(slow.cut.is_cancelled(), "and was told to end");
        drop(slow);
        assert!(slots.take(3).is_none(), "dropping the cut turn frees nothing twice");
        drop(next);
    }

    #[tokio::test]
    async fn heavy_queries_take_at_most_half_the_turns_and_a_light_one_still_gets_in() {
        let gate = QueryGate::new(&limits(1));
        let h1 = gate.enter(true).await.expect("a heavy turn");
        let h2 = gate.enter(true).await.expect("a second heavy turn");
        assert!(gate.enter(true).await.is_err(), "a third heavy query is refused at once");
        let light = gate.enter(false).await.expect("a light query gets in");
        drop((h1, h2, light));
    }
}
