//! The outbox relay: publishes rows the committing process did not publish itself (it died,
//! or NATS was down) in id order, each with `Nats-Msg-Id` so a re-publish is dropped as a
//! duplicate, and deletes them only after JetStream acknowledged them. Several relays may run
//! at once (`SKIP LOCKED`).
//!
//! Rows are independent ([`super::window`]): one that NATS refuses never holds back the
//! others. A refusal counts as a failed try only while JetStream answers (a row of the same
//! round went through, or an account query does), so an outage blames no row. A row waits
//! `retry_pause × 2^tries` before its next try and is parked after `park_after` tries: kept
//! with its last error for operators, and the jobs whose request it carried fail for good
//! with reason `unpublishable`. A round holds its rows locked for at most `round_deadline`;
//! one that takes longer rolls back and the rows are tried again.

use std::time::Duration;

use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;
use serde_json::Value;

use super::window::{self, PublishFailure, RowOutcome};
use super::{Outbox, Outgoing};
use crate::domain::JobId;
use crate::envelope::JobEnvelope;
use crate::store::{JobStore, StoreError};

/// Rows (transactions) published per round.
pub const BATCH: i64 = 64;

/// Longest pause between two tries of a refused row.
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(300);

/// How the relay paces itself and when it gives up on a row.
#[derive(Debug, Clone, Copy)]
pub struct RelaySettings {
    /// Only rows at least this old are taken, leaving fresh ones to their own process's
    /// publisher (zero when no publisher runs).
    pub min_age: Duration,
    /// Pause between rounds that found nothing.
    pub idle: Duration,
    /// Refused tries after which a row is parked (at least 1).
    pub park_after: i32,
    /// Pause after a row's first refused try; doubles with each further one.
    pub retry_pause: Duration,
    /// Longest time one round may hold its rows.
    pub round_deadline: Duration,
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// Messages published (their rows deleted).
    pub published: usize,
    /// Rows refused that wait for another try.
    pub failed: usize,
    /// Rows parked.
    pub parked: usize,
}

/// Why a round did not complete.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The outbox or the job records could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// NATS did not answer; no row was blamed.
    #[error("NATS is unavailable: {0}")]
    Unavailable(String),
    /// The round ran past its deadline and was rolled back.
    #[error("the round took longer than {0:?} and was rolled back")]
    Deadline(Duration),
}

impl From<sqlx::Error> for RelayError {
    fn from(error: sqlx::Error) -> Self {
        RelayError::Store(StoreError::Database(error))
    }
}

/// Publishes one round of at most [`BATCH`] rows due for publishing, within
/// `settings.round_deadline`.
pub async fn relay_once(
    store: &JobStore,
    js: &jetstream::Context,
    settings: &RelaySettings,
) -> Result<Round, RelayError> {
    tokio::time::timeout(settings.round_deadline, round(store, js, settings))
        .await
        .map_err(|_| RelayError::Deadline(settings.round_deadline))?
}

async fn round(
    store: &JobStore,
    js: &jetstream::Context,
    settings: &RelaySettings,
) -> Result<Round, RelayError> {
    let mut tx = store.pool().begin().await?;
    let rows: Vec<(i64, Value)> = sqlx::query_as(
        "SELECT id, messages FROM orchestrator_outbox_batches
         WHERE parked_at IS NULL AND (retry_at IS NULL OR retry_at <= NOW())
           AND created_at <= NOW() - make_interval(secs => $2)
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(BATCH)
    .bind(settings.min_age.as_secs_f64())
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(Round::default());
    }
    let messages: Vec<Vec<Outgoing>> = rows
        .iter()
        .map(|(_, stored)| super::read_messages(stored))
        .collect();
    let slices: Vec<&[Outgoing]> = messages.iter().map(Vec::as_slice).collect();
    let outcomes = window::publish_rows(js, &slices).await;

    let mut round = Round::default();
    let (mut published, mut refused, mut unavailable) = (Vec::new(), Vec::new(), None);
    for ((id, _), outcome) in rows.iter().zip(outcomes) {
        match outcome {
            RowOutcome::Published { messages } => {
                published.push(*id);
                round.published += messages;
            }
            RowOutcome::Failed(failure @ PublishFailure::Refused { .. }) => {
                refused.push((*id, failure.to_string()));
            }
            RowOutcome::Failed(PublishFailure::Unavailable { cause }) => unavailable = Some(cause),
            RowOutcome::NotTried => {}
        }
    }
    sqlx::query("DELETE FROM orchestrator_outbox_batches WHERE id = ANY($1)")
        .bind(&published)
        .execute(&mut *tx)
        .await?;
    let mut outbox = Outbox::default();
    if !refused.is_empty() && (!published.is_empty() || jetstream_answers(js).await) {
        let tried = record_refusals(&mut tx, &refused, settings).await?;
        round.failed = tried.iter().filter(|row| row.parked.is_none()).count();
        round.parked = tried.len() - round.failed;
        for row in tried {
            let Some(stored) = row.parked else {
                tracing::warn!(outbox_id = row.id, tries = row.tries, error = %row.error, "outbox row refused by NATS; trying again later");
                continue;
            };
            let requested = requested_jobs(store, &super::read_messages(&stored));
            let detail = format!(
                "its request could not be published to the job queue (outbox row {} is parked)",
                row.id
            );
            let failed = store
                .fail_unpublishable(&mut tx, &mut outbox, &requested, &detail)
                .await?;
            tracing::error!(outbox_id = row.id, tries = row.tries, error = %row.error, jobs_failed = failed, "outbox row parked");
        }
    }
    store.commit(tx, outbox).await?;
    metrics::counter!("jobs_outbox_published_total", "by" => "relay")
        .increment(round.published as u64);
    match unavailable {
        Some(cause) if round.published == 0 => Err(RelayError::Unavailable(cause)),
        _ => Ok(round),
    }
}

/// Whether JetStream answers an account query, so that a refusal is the row's own doing.
/// (async-nats' typed `query_account` cannot read nats-server 2.9's answer.)
async fn jetstream_answers(js: &jetstream::Context) -> bool {
    let reply = js.request::<_, _, Value>("INFO", &()).await;
    matches!(reply, Ok(reply) if reply.get("error").is_none())
}

/// A refused row after its try was counted.
struct Tried {
    id: i64,
    tries: i32,
    error: String,
    /// Its messages, when this try parked it.
    parked: Option<Value>,
}

/// Counts a refused try on each of `refused` (id, error), scheduling the next try or
/// parking the row.
async fn record_refusals(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    refused: &[(i64, String)],
    settings: &RelaySettings,
) -> Result<Vec<Tried>, sqlx::Error> {
    let rows: Vec<(i64, i32, String, Option<Value>)> = sqlx::query_as(
        "UPDATE orchestrator_outbox_batches AS b
         SET attempts = b.attempts + 1, last_error = t.error,
             retry_at = NOW() + make_interval(secs => LEAST($3 * power(2, b.attempts), $4)),
             parked_at = CASE WHEN b.attempts + 1 >= $5 THEN NOW() END
         FROM UNNEST($1::bigint[], $2::text[]) AS t(id, error)
         WHERE b.id = t.id
         RETURNING b.id, b.attempts, t.error,
                   CASE WHEN b.parked_at IS NOT NULL THEN b.messages END",
    )
    .bind(refused.iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .bind(
        refused
            .iter()
            .map(|(_, error)| error.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(settings.retry_pause.as_secs_f64())
    .bind(MAX_RETRY_PAUSE.as_secs_f64())
    .bind(settings.park_after.max(1))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, tries, error, parked)| Tried {
            id,
            tries,
            error,
            parked,
        })
        .collect())
}

/// The jobs whose request is among `messages`: they cannot run while it is unpublished.
fn requested_jobs(store: &JobStore, messages: &[Outgoing]) -> Vec<JobId> {
    messages
        .iter()
        .filter_map(|message| {
            let envelope: JobEnvelope = serde_json::from_value(message.payload.clone()).ok()?;
            (message.subject == store.request_subject(&envelope.job_type))
                .then(|| JobId::parse("job_id", &envelope.job_id).ok())
                .flatten()
        })
        .collect()
}

/// Relays until `token` is cancelled: immediately again while there is work, pausing
/// `settings.idle` otherwise, backing off for a second after an error (NATS or the database
/// down, or a round past its deadline).
pub async fn run(
    store: JobStore,
    js: jetstream::Context,
    settings: RelaySettings,
    token: CancellationToken,
) {
    loop {
        let pause = match relay_once(&store, &js, &settings).await {
            Ok(round) if round.published > 0 => Duration::ZERO,
            Ok(_) => settings.idle,
            Err(error) => {
                tracing::warn!(%error, "outbox relay round failed, retrying");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}
