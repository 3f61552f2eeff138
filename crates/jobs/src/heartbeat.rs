//! Worker heartbeats: the one JSON message a worker publishes every few seconds on core NATS
//! subject `<prefix>workers.heartbeat.<worker_id>` (what it runs per pool, its version, when it
//! started), and the subjects it goes on. The worker sends it; the API keeps the recent ones
//! to answer `ListWorkers`. Core NATS, not JetStream: a missed beat is simply replaced by the
//! next.

use exobrain_common::nats::NatsConfig;
use serde::{Deserialize, Serialize};

/// One heartbeat of a worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The worker's id (also the last token of the subject).
    pub worker_id: String,
    /// The worker binary's version.
    pub version: String,
    /// RFC 3339: when the worker process started.
    pub started_at: String,
    /// Jobs running now, over every pool.
    pub running: u64,
    /// Jobs it may run at once, over every pool.
    pub capacity: u64,
    /// Per job type.
    pub pools: Vec<PoolLoad>,
    /// RFC 3339: when this beat was sent.
    pub emitted_at: String,
}

/// One pool of a worker as a heartbeat reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolLoad {
    /// The job type the pool runs.
    pub job_type: String,
    /// Jobs it runs now.
    pub running: u64,
    /// Its size.
    pub capacity: u64,
}

impl Heartbeat {
    /// A beat of `worker_id` with `pools`; the totals are summed from them.
    pub fn new(
        worker_id: &str,
        version: &str,
        started_at: &str,
        pools: Vec<PoolLoad>,
        emitted_at: &str,
    ) -> Self {
        Self {
            worker_id: worker_id.to_owned(),
            version: version.to_owned(),
            started_at: started_at.to_owned(),
            running: pools.iter().map(|pool| pool.running).sum(),
            capacity: pools.iter().map(|pool| pool.capacity).sum(),
            pools,
            emitted_at: emitted_at.to_owned(),
        }
    }
}

/// The subject `worker_id`'s heartbeats go on.
pub fn subject(nats: &NatsConfig, worker_id: &str) -> String {
    nats.subject(&format!("workers.heartbeat.{worker_id}"))
}

/// The subject matching every worker's heartbeats.
pub fn every_worker(nats: &NatsConfig) -> String {
    nats.subject("workers.heartbeat.*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_the_sums_of_the_pools() {
        let pool = |job_type: &str, running, capacity| PoolLoad {
            job_type: job_type.to_owned(),
            running,
            capacity,
        };
        let beat = Heartbeat::new(
            "w1",
            "0.1.0",
            "2026-01-01T00:00:00Z",
            vec![pool("a", 1, 2), pool("b", 0, 4)],
            "2026-01-01T00:00:05Z",
        );
        assert_eq!((beat.running, beat.capacity), (1, 6));
        let json = serde_json::to_value(&beat).expect("json");
        assert_eq!(json["pools"][1]["capacity"], 4);
        assert_eq!(
            serde_json::from_value::<Heartbeat>(json).expect("back"),
            beat
        );
    }
}
