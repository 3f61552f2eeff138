//! Running one job request message: read the envelope (a message that is not a job goes to
//! the dead-letter queue once and is never delivered again), start the attempt (a request for
//! a finished job is acknowledged and skipped, one for a job running elsewhere is put back
//! until that attempt ends), run the handler under the job type's timeout while writing its
//! progress reports and telling JetStream the message is in progress, record the outcome, then
//! acknowledge, or nak with a backoff delay when a retry follows.
//!
//! The attempt stays tracked (its lease renewed) until its outcome is recorded, and recording
//! is retried through a database outage for as long as it takes: the write applies only while
//! this worker still holds the attempt, so it is always safe, and a job that succeeded is
//! never run again or failed because the database was briefly away. A handler stopped early
//! (shutdown, or a lease this worker could not renew in time) has no outcome worth recording:
//! its attempt is handed back without counting and its message naked at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, AckKind};
use exobrain_common::shutdown::CancellationToken;
use exobrain_common::telemetry::propagation::extract_nats;
use exobrain_common::telemetry::spans::{self, Messaging};
use exobrain_jobs::domain::retry::backoff;
use exobrain_jobs::domain::{JobId, JobState, JobTypeSpec, Registry};
use exobrain_jobs::store::{Attempt, JobStore, Outcome, PoisonMessage};
use serde::Deserialize;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::handlers::{Handlers, JobContext};
use super::lifecycle::{Lifecycle, LifecycleError};
use crate::metrics;

/// Settings of message handling shared by every pool of a process.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// JetStream's ack wait; progress acks go out every third of it.
    pub ack_wait: Duration,
    /// First retry delay.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// How much of a poison message a dead letter keeps.
    pub dlq_raw_max_chars: usize,
    /// The requests stream (names poison dead letters).
    pub stream: String,
}

/// Everything a pool needs to run its messages.
#[derive(Debug)]
pub struct Runner {
    /// Starts and finishes attempts.
    pub lifecycle: Arc<Lifecycle>,
    /// Dead-letters poison messages; handlers write progress and checkpoints through it.
    pub store: JobStore,
    /// Handler code.
    pub handlers: Handlers,
    /// The pool's job type.
    pub spec: JobTypeSpec,
    /// Shared settings.
    pub settings: RunSettings,
    /// Cancelled when running handlers must stop (shutdown grace exceeded).
    pub hard_stop: CancellationToken,
}

/// Longest pause between two tries to record an outcome.
const MAX_FINISH_PAUSE: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
struct Envelope {
    job_id: String,
    #[serde(default)]
    correlation_id: String,
    /// When the request was written (RFC 3339); the start of the pickup delay.
    #[serde(default)]
    created_at: String,
}

/// Runs one request message to its end (acked or naked).
pub async fn process(runner: &Runner, message: jetstream::Message) {
    let envelope = match serde_json::from_slice::<Envelope>(&message.payload) {
        Ok(envelope) => envelope,
        Err(error) => {
            let detail = format!("not a job envelope: {error}");
            return poison(runner, &message, &detail, "").await;
        }
    };
    let Ok(job_id) = JobId::parse("job_id", &envelope.job_id) else {
        let detail = format!("job_id `{}` is not a UUID", envelope.job_id);
        return poison(runner, &message, &detail, &envelope.correlation_id).await;
    };
    // The consumer span continues the publisher's trace; the job's own span is its child.
    let consumer = spans::nats(Messaging::Process, &message.subject);
    if let Some(headers) = &message.headers {
        // Fails only when no tracing-opentelemetry layer is installed.
        let _ = consumer.set_parent(extract_nats(headers));
        if let Some(id) = headers.get("Nats-Msg-Id") {
            consumer.record("messaging.message.id", id.as_str());
        }
    }
    let span = tracing::info_span!(
        parent: &consumer,
        "job.run",
        %job_id,
        job_type = %runner.spec.job_type,
        attempt = tracing::field::Empty,
    );
    let written = &envelope.created_at;
    run(runner, message, job_id, &envelope.correlation_id, written)
        .instrument(span)
        .instrument(consumer)
        .await;
}

async fn run(
    runner: &Runner,
    message: jetstream::Message,
    job_id: JobId,
    owner: &str,
    written: &str,
) {
    let job_type = runner.spec.job_type.as_str();
    let attempt = match runner.lifecycle.start(job_id).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => return skip(runner, &message, job_id, owner).await,
        Err(error) => {
            tracing::warn!(%error, "cannot start the attempt; the message comes back later");
            return nak(&message, runner.settings.backoff_base).await;
        }
    };
    tracing::Span::current().record("attempt", attempt.attempt);
    metrics::started(job_type, metrics::waited_since(written, chrono::Utc::now()));
    let began = Instant::now();
    let stop = runner.hard_stop.child_token();
    let tracked = runner.lifecycle.track(&attempt, stop.clone());
    let outcome = match Registry::check_stored(&runner.spec, &attempt.payload) {
        Err(problem) => Outcome::InvalidPayload(problem.to_string()),
        Ok(()) => run_handler(runner, &message, &attempt, stop).await,
    };
    let lease_lost = tracked.handler_returned();
    if (runner.hard_stop.is_cancelled() || lease_lost) && !matches!(outcome, Outcome::Succeeded(_))
    {
        return hand_back(runner, &message, &attempt).await;
    }
    let state = finish(runner, &message, attempt.clone(), outcome.clone()).await;
    drop(tracked);
    metrics::finished(job_type, &outcome, state, began.elapsed());
    match state {
        Some(Some(JobState::Retrying)) => {
            let delay = backoff(
                runner.settings.backoff_base,
                runner.settings.backoff_max,
                attempt.attempt,
            );
            tracing::info!(
                delay_ms = delay.as_millis() as u64,
                "attempt failed; retrying later"
            );
            nak(&message, delay).await;
        }
        Some(_) => ack(&message).await,
        None => nak(&message, runner.settings.backoff_base).await,
    }
}

/// Runs the handler under the type's timeout, writing its progress reports and sending
/// progress acks meanwhile; `stop` tells it to stop early.
async fn run_handler(
    runner: &Runner,
    message: &jetstream::Message,
    attempt: &Attempt,
    stop: CancellationToken,
) -> Outcome {
    let Some(handler) = runner.handlers.get(&attempt.job_type) else {
        return Outcome::Failed {
            detail: format!("this worker has no handler for {}", attempt.job_type),
            retry: false,
        };
    };
    let worker_id = runner.lifecycle.worker_id();
    let (context, writer) = JobContext::for_attempt(attempt, worker_id, stop, &runner.store);
    let timeout = runner.spec.timeout;
    let work = tokio::time::timeout(timeout, handler.run(context));
    tokio::pin!(work);
    // The handler's progress reports are written beside it, and dropped when it returns.
    let writer = writer.run();
    tokio::pin!(writer);
    let mut acks = tokio::time::interval(runner.settings.ack_wait / 3);
    acks.tick().await;
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            never = &mut writer => match never {},
            _ = acks.tick() => {
                if let Err(error) = message.ack_with(AckKind::Progress).await {
                    tracing::debug!(%error, "progress ack failed");
                }
            }
        }
    };
    match result {
        Ok(Ok(summary)) => Outcome::Succeeded(summary),
        Ok(Err(failure)) => Outcome::Failed {
            detail: failure.detail,
            retry: failure.retry,
        },
        Err(_) => Outcome::TimedOut(format!("timed out after {} s", timeout.as_secs_f64())),
    }
}

/// Records the outcome, retrying through a database outage (pausing up to
/// [`MAX_FINISH_PAUSE`] between tries, and telling JetStream the message is still in
/// progress) until it is recorded or found stale. `None` only when the worker stops hard
/// first (the lease then expires and the job runs again).
async fn finish(
    runner: &Runner,
    message: &jetstream::Message,
    attempt: Attempt,
    outcome: Outcome,
) -> Option<Option<JobState>> {
    let (mut pause, mut tries) = (Duration::from_millis(100), 0u32);
    loop {
        tries = tries.saturating_add(1);
        match runner
            .lifecycle
            .finish(attempt.clone(), outcome.clone())
            .await
        {
            Ok(state) => {
                if state.is_none() {
                    tracing::info!("outcome ignored: the attempt was cancelled or taken over");
                } else if tries > 1 {
                    tracing::info!(tries, "outcome recorded after the database came back");
                }
                return Some(state);
            }
            Err(LifecycleError::Stopped(_)) => return None,
            Err(error) => {
                if tries == 1 || tries % 10 == 0 {
                    tracing::warn!(%error, tries, "cannot record the outcome yet, retrying");
                }
                if let Err(error) = message.ack_with(AckKind::Progress).await {
                    tracing::debug!(%error, "progress ack failed");
                }
                tokio::select! {
                    _ = runner.hard_stop.cancelled() => return None,
                    _ = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(MAX_FINISH_PAUSE);
            }
        }
    }
}

/// A request for a job that is not waiting to run. A finished job's request is acknowledged.
/// A job that runs elsewhere keeps its request: that delivery is put back for a lease, because
/// the attempt running it may still be handed back or fail, and then needs a request to run
/// again (the worker holding it may have stalled past the ack wait, which is how this
/// delivery came here, so its own delivery may no longer exist). A request for no job at all
/// is poison.
async fn skip(runner: &Runner, message: &jetstream::Message, job_id: JobId, owner: &str) {
    match runner.store.is_finished(job_id).await {
        Ok(None) => {
            let detail = format!("no job {job_id} exists");
            poison(runner, message, &detail, owner).await;
        }
        Ok(Some(true)) => {
            tracing::debug!("job is finished; skipping the message");
            metrics::skipped(runner.spec.job_type.as_str());
            ack(message).await;
        }
        Ok(Some(false)) => {
            tracing::debug!("job runs elsewhere; its request comes back after a lease");
            metrics::skipped(runner.spec.job_type.as_str());
            nak(message, runner.lifecycle.lease()).await;
        }
        Err(error) => {
            tracing::warn!(%error, "cannot read the job; the message comes back later");
            nak(message, runner.settings.backoff_base).await;
        }
    }
}

/// Dead-letters a message that is not a runnable job and terminates its delivery.
async fn poison(runner: &Runner, message: &jetstream::Message, detail: &str, owner: &str) {
    let sequence = message
        .info()
        .map(|info| info.stream_sequence)
        .unwrap_or_default();
    let raw: String = String::from_utf8_lossy(&message.payload)
        .chars()
        .take(runner.settings.dlq_raw_max_chars)
        .collect();
    let letter = PoisonMessage {
        stream: &runner.settings.stream,
        stream_sequence: sequence,
        reason: "invalid-envelope",
        detail,
        job_type: runner.spec.job_type.as_str(),
        owner,
        raw: &raw,
    };
    match runner.store.dead_letter_poison(&letter).await {
        Ok(written) => {
            tracing::warn!(%detail, sequence, "poison message dead-lettered");
            if written.is_some() {
                metrics::dead_lettered(runner.spec.job_type.as_str(), "invalid-envelope");
            }
            if let Err(error) = message.ack_with(AckKind::Term).await {
                tracing::warn!(%error, "cannot terminate a poison message");
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot dead-letter a poison message; it comes back later");
            nak(message, runner.settings.backoff_base).await;
        }
    }
}

/// Shutdown interrupted the attempt: hand it back and let another worker take the message.
async fn hand_back(runner: &Runner, message: &jetstream::Message, attempt: &Attempt) {
    match runner.lifecycle.release(attempt).await {
        Ok(true) => tracing::info!("attempt interrupted by shutdown and handed back"),
        Ok(false) => tracing::info!("interrupted attempt was no longer current"),
        Err(error) => tracing::warn!(%error, "cannot hand the attempt back; its lease will expire"),
    }
    nak(message, Duration::ZERO).await;
}

async fn ack(message: &jetstream::Message) {
    if let Err(error) = message.ack().await {
        tracing::warn!(%error, "ack failed; a redelivery will be skipped");
    }
}

async fn nak(message: &jetstream::Message, delay: Duration) {
    let kind = if delay.is_zero() {
        AckKind::Nak(None)
    } else {
        AckKind::Nak(Some(delay))
    };
    if let Err(error) = message.ack_with(kind).await {
        tracing::warn!(%error, "nak failed; the message comes back after the ack wait");
    }
}
