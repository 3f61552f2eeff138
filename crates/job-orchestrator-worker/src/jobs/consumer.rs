//! One durable pull consumer per job type, shared by every worker process. The consumer's
//! `max_ack_pending` equals this process's concurrency and a semaphore bounds running jobs, so
//! a process never holds more messages than it can run. Each message: start the attempt in the
//! database (skipped and acked when the job is finished or running elsewhere), run the handler
//! under its timeout while sending in-progress acks, record the outcome, then ack, or nak with
//! a backoff delay when another attempt follows.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer};
use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::domain::{JobId, JobState, JobTypeSpec};
use exobrain_jobs::store::{JobStore, Outcome};
use futures::StreamExt;
use tokio::sync::Semaphore;

use super::handlers;

/// How long JetStream waits for an ack before redelivering; in-progress acks every third of
/// it keep a running job's message.
pub const ACK_WAIT: Duration = Duration::from_secs(30);

/// Settings shared by the consumers of one process.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    /// This process's id (lease owner).
    pub worker_id: String,
    /// Jobs run at once, per job type.
    pub concurrency: usize,
    /// First retry delay; doubles per attempt, capped at 64×.
    pub backoff_base: Duration,
}

/// Consumes `spec`'s requests from `stream_name` until `token` is cancelled.
pub async fn run(
    js: jetstream::Context,
    stream_name: String,
    subject: String,
    spec: JobTypeSpec,
    store: JobStore,
    settings: ConsumerSettings,
    token: CancellationToken,
) -> Result<(), String> {
    let durable = format!("worker_{}", spec.job_type.as_str().replace('.', "_"));
    let stream = js
        .get_stream(&stream_name)
        .await
        .map_err(|error| format!("stream {stream_name}: {error}"))?;
    let mut consumer = stream
        .get_or_create_consumer(
            &durable,
            consumer::pull::Config {
                durable_name: Some(durable.clone()),
                filter_subject: subject.clone(),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: ACK_WAIT,
                max_ack_pending: i64::try_from(settings.concurrency).unwrap_or(i64::MAX),
                ..Default::default()
            },
        )
        .await
        .map_err(|error| format!("consumer {durable}: {error}"))?;
    let info = consumer
        .info()
        .await
        .map_err(|error| format!("consumer {durable}: {error}"))?;
    if info.config.filter_subject != subject {
        return Err(format!(
            "consumer {durable} filters `{}`, expected `{subject}`",
            info.config.filter_subject
        ));
    }
    let mut messages = consumer
        .messages()
        .await
        .map_err(|error| format!("consumer {durable}: {error}"))?;
    let slots = Arc::new(Semaphore::new(settings.concurrency));
    let running = tokio_util::task::TaskTracker::new();
    loop {
        let permit = tokio::select! {
            _ = token.cancelled() => break,
            permit = slots.clone().acquire_owned() => permit.map_err(|error| error.to_string())?,
        };
        let message = tokio::select! {
            _ = token.cancelled() => break,
            message = messages.next() => match message {
                Some(Ok(message)) => message,
                Some(Err(error)) => {
                    tracing::warn!(%error, consumer = %durable, "receive failed");
                    continue;
                }
                None => break,
            },
        };
        let (store, settings, spec, token) =
            (store.clone(), settings.clone(), spec.clone(), token.clone());
        running.spawn(async move {
            handle(message, &store, &settings, &spec, &token).await;
            drop(permit);
        });
    }
    running.close();
    running.wait().await;
    Ok(())
}

async fn handle(
    message: jetstream::Message,
    store: &JobStore,
    settings: &ConsumerSettings,
    spec: &JobTypeSpec,
    token: &CancellationToken,
) {
    let job_id = serde_json::from_slice::<serde_json::Value>(&message.payload)
        .ok()
        .and_then(|envelope| {
            envelope
                .get("job_id")
                .and_then(|id| id.as_str())
                .map(str::to_owned)
        })
        .and_then(|id| JobId::parse("job_id", &id).ok());
    let Some(job_id) = job_id else {
        tracing::warn!(subject = %message.subject, "dropping a message that is not a job envelope");
        let _ = message.ack().await;
        return;
    };
    let lease = chrono::Utc::now()
        + chrono::Duration::from_std(spec.timeout + ACK_WAIT).unwrap_or(chrono::Duration::MAX);
    let attempt = match store
        .start_attempt(job_id, &settings.worker_id, lease)
        .await
    {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            tracing::debug!(%job_id, "job is finished or running elsewhere, skipping");
            let _ = message.ack().await;
            return;
        }
        Err(error) => {
            tracing::warn!(%job_id, %error, "cannot start attempt, redelivering");
            let _ = message
                .ack_with(AckKind::Nak(Some(settings.backoff_base)))
                .await;
            return;
        }
    };
    let span = tracing::info_span!("job.run", %job_id, job_type = %spec.job_type, attempt = attempt.attempt);
    let _entered = span.enter();
    let work = tokio::time::timeout(spec.timeout, handlers::run(&attempt, token));
    tokio::pin!(work);
    let mut beat = tokio::time::interval(ACK_WAIT / 3);
    beat.tick().await;
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = beat.tick() => {
                let _ = message.ack_with(AckKind::Progress).await;
            }
        }
    };
    let outcome = match result {
        Ok(Ok(result)) => Outcome::Succeeded(result),
        Ok(Err(failure)) => Outcome::Failed {
            detail: failure.detail,
            retry: failure.retry,
        },
        Err(_) => Outcome::Failed {
            detail: format!("timed out after {} s", spec.timeout.as_secs()),
            retry: true,
        },
    };
    match store
        .finish_attempt(&attempt, &settings.worker_id, outcome)
        .await
    {
        Ok(Some(JobState::Retrying)) => {
            let delay = settings.backoff_base
                * 2u32.saturating_pow(u32::try_from(attempt.attempt - 1).unwrap_or(0).min(6));
            let _ = message.ack_with(AckKind::Nak(Some(delay))).await;
        }
        Ok(_) => {
            let _ = message.double_ack().await;
        }
        Err(error) => {
            tracing::warn!(%job_id, %error, "cannot record outcome, redelivering");
            let _ = message
                .ack_with(AckKind::Nak(Some(settings.backoff_base)))
                .await;
        }
    }
}
