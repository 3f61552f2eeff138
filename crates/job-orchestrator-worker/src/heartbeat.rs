//! Worker heartbeats: every few seconds a JSON message on core NATS subject
//! `workers.heartbeat.<worker_id>` saying what this process runs (per pool: running, capacity),
//! its version and when it started, so operators and a scheduler can see the live workers.

use std::sync::Arc;
use std::time::Duration;

use exobrain_common::shutdown::CancellationToken;
use serde_json::json;
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
        let pools: Vec<_> = pools
            .iter()
            .map(|pool| {
                let running = pool.running.load(Ordering::Relaxed);
                json!({ "job_type": pool.job_type, "running": running, "capacity": pool.capacity })
            })
            .collect();
        let running: u64 = pools
            .iter()
            .filter_map(|pool| pool["running"].as_u64())
            .sum();
        let capacity: u64 = pools
            .iter()
            .filter_map(|pool| pool["capacity"].as_u64())
            .sum();
        let body = json!({
            "worker_id": worker_id, "version": env!("CARGO_PKG_VERSION"), "started_at": started_at,
            "running": running, "capacity": capacity, "pools": pools,
            "emitted_at": chrono::Utc::now().to_rfc3339(),
        });
        if let Err(error) = client
            .publish(subject.clone(), body.to_string().into())
            .await
        {
            tracing::debug!(%error, "heartbeat not sent");
        }
    }
}
