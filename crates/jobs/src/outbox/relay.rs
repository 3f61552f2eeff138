//! The outbox relay: publishes rows the committing process did not publish itself (it died,
//! or NATS was down) in id order, each with `Nats-Msg-Id` so a re-publish is dropped as a
//! duplicate, and deletes them only after JetStream acknowledged them. Several relays may run
//! at once (`SKIP LOCKED`).

use std::time::Duration;

use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;
use sqlx::PgPool;

/// Rows (transactions) published per round.
pub const BATCH: i64 = 64;

/// How the relay paces itself.
#[derive(Debug, Clone, Copy)]
pub struct RelaySettings {
    /// Only rows at least this old are taken, leaving fresh ones to their own process's
    /// publisher (zero when no publisher runs).
    pub min_age: Duration,
    /// Pause between rounds that found nothing.
    pub idle: Duration,
}

/// Publishes one round of at most [`BATCH`] rows older than `min_age`; returns how many
/// messages were published.
pub async fn relay_once(
    pool: &PgPool,
    js: &jetstream::Context,
    min_age: Duration,
) -> Result<usize, String> {
    let mut tx = pool.begin().await.map_err(|error| error.to_string())?;
    let rows: Vec<(i64, serde_json::Value)> = sqlx::query_as(
        "SELECT id, messages FROM orchestrator_outbox_batches
         WHERE created_at <= NOW() - make_interval(secs => $2)
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(BATCH)
    .bind(min_age.as_secs_f64())
    .fetch_all(&mut *tx)
    .await
    .map_err(|error| error.to_string())?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut acks = Vec::new();
    for (_, stored) in &rows {
        for message in super::read_messages(stored) {
            let ack = js
                .publish_with_headers(
                    message.subject.clone(),
                    message.nats_headers(),
                    message.body(),
                )
                .await
                .map_err(|error| format!("publish: {error}"))?;
            acks.push(ack);
        }
    }
    let published = acks.len();
    for ack in acks {
        ack.await.map_err(|error| format!("publish ack: {error}"))?;
    }
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    sqlx::query("DELETE FROM orchestrator_outbox_batches WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await
        .map_err(|error| error.to_string())?;
    tx.commit().await.map_err(|error| error.to_string())?;
    metrics::counter!("jobs_outbox_published_total", "by" => "relay").increment(published as u64);
    Ok(published)
}

/// Relays until `token` is cancelled: immediately again while there is work, pausing
/// `settings.idle` otherwise, backing off for a second after an error (NATS or the database
/// down).
pub async fn run(
    pool: PgPool,
    js: jetstream::Context,
    settings: RelaySettings,
    token: CancellationToken,
) {
    loop {
        let pause = match relay_once(&pool, &js, settings.min_age).await {
            Ok(0) => settings.idle,
            Ok(_) => Duration::ZERO,
            Err(error) => {
                tracing::warn!(%error, "outbox relay failed, retrying");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}
