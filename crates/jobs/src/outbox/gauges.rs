//! Gauges of the outbox, sampled every few seconds by every process that runs a relay:
//! `jobs_outbox_depth` (rows, i.e. committed transactions, waiting to be published),
//! `jobs_outbox_oldest_age_seconds` (age of the oldest of them; 0 when none wait) and
//! `jobs_outbox_parked` (rows given up on, kept for operators). A depth or an age that keeps
//! growing means messages are not reaching JetStream.

use std::time::Duration;

use exobrain_common::shutdown::CancellationToken;
use sqlx::PgPool;

/// How often the gauges are sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// Samples the gauges every [`SAMPLE_EVERY`] until `token` is cancelled; a failed sample is
/// logged and the gauges keep their last values.
pub async fn run(pool: PgPool, token: CancellationToken) {
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        match sample(&pool).await {
            Ok((depth, oldest, parked)) => {
                metrics::gauge!("jobs_outbox_depth").set(depth as f64);
                metrics::gauge!("jobs_outbox_oldest_age_seconds").set(oldest);
                metrics::gauge!("jobs_outbox_parked").set(parked as f64);
            }
            Err(error) => tracing::debug!(%error, "cannot sample the outbox gauges"),
        }
    }
}

/// (rows waiting, age of the oldest in seconds, rows parked).
async fn sample(pool: &PgPool) -> Result<(i64, f64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE parked_at IS NULL),
                COALESCE(EXTRACT(EPOCH FROM NOW() - min(created_at) FILTER (WHERE parked_at IS NULL)), 0)::float8,
                count(*) FILTER (WHERE parked_at IS NOT NULL)
         FROM orchestrator_outbox_batches",
    )
    .fetch_one(pool)
    .await
}
