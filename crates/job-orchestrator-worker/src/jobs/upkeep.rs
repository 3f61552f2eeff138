//! Background upkeep of a worker process: renewing the leases of its running attempts,
//! stopping the handlers whose lease lapsed, the lease monitor that makes a dead worker's jobs
//! eligible again (every worker runs it; the store's row locks keep them from handling a job
//! twice), and the consumer backlog gauges.
//!
//! The monitor expires leases only once it has reached the database for a whole lease
//! without a failure. After an outage of PostgreSQL every lease looks expired, although the
//! workers that hold them were only waiting to renew them or to record an outcome; the pause
//! gives them a lease to do so before any job is taken from them.

use std::sync::Arc;
use std::time::{Duration, Instant};

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
    // Since when the database has answered every call; `None` right after a failure.
    let mut reachable_since = None;
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(error) = lifecycle.renew_leases().await {
            tracing::warn!(%error, "cannot renew leases");
            reachable_since = None;
            continue;
        }
        let since = *reachable_since.get_or_insert_with(Instant::now);
        if since.elapsed() < lease {
            continue;
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
                    reachable_since = None;
                    break;
                }
            }
        }
    }
}

/// Stops the handlers whose lease lapsed (see [`Lifecycle::stop_lapsed`]) until `token` is
/// cancelled. It runs apart from the renewals, which may hang while the database is
/// unreachable, and checks every tenth of `lease`.
pub async fn lapsed_leases(lifecycle: Arc<Lifecycle>, lease: Duration, token: CancellationToken) {
    let mut tick = tokio::time::interval((lease / 10).max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        lifecycle.stop_lapsed();
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
