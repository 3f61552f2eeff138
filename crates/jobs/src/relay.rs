//! The outbox relay: publishes outbox rows to JetStream in id order, each with
//! `Nats-Msg-Id` so a re-publish after a crash is dropped as a duplicate, and deletes them only
//! after JetStream acknowledged them. Several relays may run at once (`SKIP LOCKED`).

use std::time::Duration;

use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;
use sqlx::{PgPool, Row};

/// Rows published per round.
pub const BATCH: i64 = 512;

/// Publishes one round of at most [`BATCH`] rows; returns how many were published.
pub async fn relay_once(pool: &PgPool, js: &jetstream::Context) -> Result<usize, String> {
    let mut tx = pool.begin().await.map_err(|error| error.to_string())?;
    let rows = sqlx::query(
        "SELECT id, subject, msg_id, payload::text AS payload FROM orchestrator_outbox
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await
    .map_err(|error| error.to_string())?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut acks = Vec::with_capacity(rows.len());
    for row in &rows {
        let subject: String = row.try_get("subject").map_err(|error| error.to_string())?;
        let msg_id: String = row.try_get("msg_id").map_err(|error| error.to_string())?;
        let payload: String = row.try_get("payload").map_err(|error| error.to_string())?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", msg_id.as_str());
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
    Ok(ids.len())
}

/// Relays until `token` is cancelled: immediately again while there is work, polling every
/// `idle` otherwise, backing off for a second after an error (NATS or the database down).
pub async fn run(pool: PgPool, js: jetstream::Context, idle: Duration, token: CancellationToken) {
    loop {
        let pause = match relay_once(&pool, &js).await {
            Ok(0) => idle,
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
