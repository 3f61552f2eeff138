//! The live workers: the API subscribes to every worker's heartbeat (core NATS
//! `workers.heartbeat.*`) and keeps the last beat of each, forgetting a worker whose beats
//! stopped for `JOB_WORKER_EXPIRY_SECONDS`. `ListWorkers` answers from it. What one API
//! process knows is what it heard since it started, so a worker shows up with its next beat.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::heartbeat::Heartbeat;
use futures::StreamExt;

/// Default of `JOB_WORKER_EXPIRY_SECONDS`: six of the workers' default five-second beats.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(30);

/// A worker's last beat and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenWorker {
    /// The last heartbeat.
    pub heartbeat: Heartbeat,
    /// When it arrived (this process's clock).
    pub last_seen_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Seen {
    worker: SeenWorker,
    at: Instant,
}

/// The workers heard from recently, cheap to clone.
#[derive(Debug, Clone)]
pub struct LiveWorkers {
    seen: Arc<Mutex<HashMap<String, Seen>>>,
    expiry: Duration,
}

impl LiveWorkers {
    /// An empty registry forgetting workers silent for `expiry`.
    pub fn new(expiry: Duration) -> Self {
        Self {
            seen: Arc::default(),
            expiry,
        }
    }

    /// Records `heartbeat` as arrived now.
    pub fn record(&self, heartbeat: Heartbeat) {
        let seen = Seen {
            worker: SeenWorker {
                heartbeat,
                last_seen_at: Utc::now(),
            },
            at: Instant::now(),
        };
        let mut workers = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        workers.insert(seen.worker.heartbeat.worker_id.clone(), seen);
    }

    /// The workers heard from within the expiry, by worker id; the others are forgotten.
    pub fn live(&self) -> Vec<SeenWorker> {
        let mut workers = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        workers.retain(|_, seen| seen.at.elapsed() < self.expiry);
        let mut live: Vec<SeenWorker> = workers.values().map(|seen| seen.worker.clone()).collect();
        live.sort_by(|a, b| a.heartbeat.worker_id.cmp(&b.heartbeat.worker_id));
        live
    }

    /// Subscribes to `subject` (every worker's heartbeats) and records each beat until
    /// `shutdown`; a beat that is not a [`Heartbeat`] is logged and skipped.
    pub async fn follow(
        self,
        client: async_nats::Client,
        subject: String,
        shutdown: CancellationToken,
    ) {
        let mut beats = match client.subscribe(subject.clone()).await {
            Ok(beats) => beats,
            Err(error) => {
                tracing::warn!(%error, %subject, "cannot follow worker heartbeats");
                return;
            }
        };
        loop {
            let beat = tokio::select! {
                _ = shutdown.cancelled() => return,
                beat = beats.next() => beat,
            };
            let Some(beat) = beat else { return };
            match serde_json::from_slice::<Heartbeat>(&beat.payload) {
                Ok(heartbeat) => self.record(heartbeat),
                Err(error) => {
                    tracing::debug!(%error, subject = %beat.subject, "unreadable heartbeat skipped");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(worker_id: &str) -> Heartbeat {
        Heartbeat::new(
            worker_id,
            "1",
            "2026-01-01T00:00:00Z",
            Vec::new(),
            "2026-01-01T00:00:00Z",
        )
    }

    #[test]
    fn the_last_beat_of_each_worker_is_kept_in_id_order() {
        let workers = LiveWorkers::new(Duration::from_secs(60));
        workers.record(beat("b"));
        workers.record(beat("a"));
        workers.record(beat("b"));
        let ids: Vec<String> = workers
            .live()
            .into_iter()
            .map(|w| w.heartbeat.worker_id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn a_silent_worker_is_forgotten_after_the_expiry() {
        let workers = LiveWorkers::new(Duration::from_millis(1));
        workers.record(beat("a"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(workers.live().is_empty());
    }
}
