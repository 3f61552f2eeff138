//! The outbox relay: publishes rows the committing process did not publish itself (it died,
//! or NATS was down) in id order, each with `Nats-Msg-Id` so a re-publish is dropped as a
//! duplicate, and deletes them only after JetStream acknowledged them. Several relays may run
//! at once (`SKIP LOCKED`).

use std::time::Duration;

use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;
use sqlx::{PgPool, Row};

/// Rows published per round.
pub const BATCH: i64 = 512;

/// How the relay paces itself.
#[derive(Debug, Clone, Copy)]
pub struct RelaySettings {
    /// Only rows at least this old are taken, leaving fresh ones to their own process's
    /// publisher (zero when no publisher runs).
    pub min_age: Duration,
    /// Pause between rounds that found nothing.
    pub idle: Duration,
}

/// Publishes one round of at most [`BATCH`] rows older than `min_age`; returns how many were
/// published.
pub async fn relay_once(
    pool: &PgPool,
    js: &jetstream::Context,
    min_age: Duration,
) -> Result<usize, String> {
    let mut tx = pool.begin().await.map_err(|error| error.to_string())?;
    let rows = sqlx::query(
        "SELECT id, subject, msg_id, payload::text AS payload, headers::text AS headers
         FROM orchestrator_outbox
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
    let mut ids = Vec::with_capacity(rows.len());
    let mut acks = Vec::with_capacity(rows.len());
    for row in &rows {
        let read = |column: &str| {
            row.try_get::<String, _>(column)
                .map_err(|error| error.to_string())
        };
        let (subject, msg_id, payload) = (read("subject")?, read("msg_id")?, read("payload")?);
        let extra: std::collections::HashMap<String, String> =
            serde_json::from_str(&read("headers")?).unwrap_or_default();
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", msg_id.as_str());
        for (name, value) in &extra {
            headers.insert(name.as_str(), value.as_str());
        }
        let ack = js
            .publish_with_headers(subject, headers, payload.into())
            .await
            .map_err(|error| format!("publish: {error}"))?;
        acks.push(ack);
        ids.push(
            row.try_get::<i64, _>("id")
                .map_err(|error| error.to_string())?,
        );
    }
    for ack in acks {
        ack.await.map_err(|error| format!("publish ack: {error}"))?;
    }
    sqlx::query("DELETE FROM orchestrator_outbox WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await
        .map_err(|error| error.to_string())?;
    tx.commit().await.map_err(|error| error.to_string())?;
    metrics::counter!("jobs_outbox_published_total", "by" => "relay").increment(ids.len() as u64);
    Ok(ids.len())
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
