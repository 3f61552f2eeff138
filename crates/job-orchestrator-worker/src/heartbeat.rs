//! Worker heartbeats: every few seconds a [`Heartbeat`] on core NATS subject
//! `workers.heartbeat.<worker_id>` saying what this process runs (per pool: running, capacity),
//! its version and when it started, so operators (job-orchestrator-api's `ListWorkers`) and a
//! scheduler can see the live workers.

use std::sync::Arc;
use std::time::Duration;

use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::heartbeat::{Heartbeat, PoolLoad};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One pool as the heartbeat reports it.
#[derive(Debug, Clone)]
pub struct PoolGauge {
    /// The job type.
    pub job_type: String,
    /// Jobs it runs now.
    pub running: Arc<AtomicUsize>,
    /// Its size.
    pub capacity: usize,
}

/// Publishes heartbeats on `subject` every `every` until `token` is cancelled.
pub async fn run(
    client: async_nats::Client,
    subject: String,
    worker_id: String,
    pools: Vec<PoolGauge>,
    every: Duration,
    token: CancellationToken,
) {
    let started_at = chrono::Utc::now().to_rfc3339();
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        let loads = pools
            .iter()
            .map(|pool| PoolLoad {
                job_type: pool.job_type.clone(),
                running: pool.running.load(Ordering::Relaxed) as u64,
                capacity: pool.capacity as u64,
            })
            .collect();
        let beat = Heartbeat::new(
            &worker_id,
            env!("CARGO_PKG_VERSION"),
            &started_at,
            loads,
            &chrono::Utc::now().to_rfc3339(),
        );
        let Ok(body) = serde_json::to_vec(&beat) else {
            continue;
        };
        if let Err(error) = client.publish(subject.clone(), body.into()).await {
            tracing::debug!(%error, "heartbeat not sent");
        }
    }
}
