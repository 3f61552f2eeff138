//! Background upkeep of a worker process: renewing the leases of its running attempts,
//! the lease monitor that makes a dead worker's jobs eligible again (every worker runs it; the
//! store's row locks keep them from handling a job twice), and the consumer backlog gauges.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer;
use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::store::JobStore;

use super::lifecycle::Lifecycle;
use crate::metrics;

/// Jobs one monitor round handles at most.
const EXPIRE_ROUND: i64 = 500;

/// Renews leases and expires dead ones every quarter of `lease` until `token` is cancelled.
pub async fn leases(
    lifecycle: Arc<Lifecycle>,
    store: JobStore,
    lease: Duration,
    token: CancellationToken,
) {
    let mut tick = tokio::time::interval(lease / 4);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(error) = lifecycle.renew_leases().await {
            tracing::warn!(%error, "cannot renew leases");
        }
        loop {
            match store.expire_leases(EXPIRE_ROUND).await {
                Ok(expired) => {
                    if !expired.is_empty() {
                        tracing::info!(
                            count = expired.len(),
                            "made jobs of a dead worker eligible again"
                        );
                        metrics::leases_expired(expired.len());
                    }
                    if (expired.len() as i64) < EXPIRE_ROUND {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "lease monitor failed");
                    break;
                }
            }
        }
    }
}

/// Publishes each pool's backlog as gauges every few seconds until `token` is cancelled.
pub async fn backlog(mut consumers: Vec<(String, PullConsumer)>, token: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        for (job_type, consumer) in &mut consumers {
            match consumer.info().await {
                Ok(info) => metrics::backlog(job_type, info.num_pending, info.num_ack_pending),
                Err(error) => tracing::debug!(%error, %job_type, "cannot read consumer info"),
            }
        }
    }
}
