//! WatchJobStatus: the snapshot from the database, then the job's status events from the
//! `JOB_STATUS` stream with a larger `seq`, so a watcher never sees a replay, a duplicate or a
//! state going backwards, and the stream ends with the first terminal state. A watcher that
//! arrives before the job was picked up simply waits for the events.

use async_nats::jetstream::{self, consumer};
use exobrain_jobs::store::JobSnapshot;
use exobrain_proto::job_orchestrator::{JobLifecycleState, JobStatusEvent};
use futures::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;
use tonic::Status;

/// One status event as the store writes it to the outbox.
#[derive(Debug, Deserialize)]
struct StoredEvent {
    job_id: String,
    state: String,
    attempt: i32,
    detail: Option<String>,
    terminal: bool,
    emitted_at: String,
    seq: i64,
}

impl StoredEvent {
    fn into_proto(self) -> Option<JobStatusEvent> {
        let state = JobLifecycleState::from_str_name(&self.state)?;
        Some(JobStatusEvent {
            job_id: self.job_id,
            state: state as i32,
            attempt: self.attempt,
            detail: self.detail.unwrap_or_default(),
            terminal: self.terminal,
            emitted_at: self.emitted_at,
            seq: self.seq,
        })
    }
}

/// Reads a status event as the store writes it; `None` when it is not one.
pub fn parse_event(payload: &[u8]) -> Option<JobStatusEvent> {
    serde_json::from_slice::<StoredEvent>(payload)
        .ok()
        .and_then(StoredEvent::into_proto)
}

/// The snapshot as an event.
pub fn snapshot_event(snapshot: &JobSnapshot) -> JobStatusEvent {
    JobStatusEvent {
        job_id: snapshot.job_id.to_string(),
        state: snapshot.state.to_proto(),
        attempt: snapshot.attempt,
        detail: snapshot.detail.clone(),
        terminal: snapshot.state.is_terminal(),
        emitted_at: snapshot.updated_at.to_rfc3339(),
        seq: snapshot.seq,
    }
}

/// Sends the events after `snapshot` into `sender` until a terminal one, the client leaving,
/// or an error.
pub async fn follow(
    js: jetstream::Context,
    stream_name: String,
    subject: String,
    snapshot: JobSnapshot,
    sender: mpsc::Sender<Result<JobStatusEvent, Status>>,
) {
    let consumer = match js.get_stream(&stream_name).await {
        Ok(stream) => {
            stream
                .create_consumer(consumer::pull::OrderedConfig {
                    filter_subject: subject,
                    deliver_policy: consumer::DeliverPolicy::All,
                    ..Default::default()
                })
                .await
        }
        Err(error) => {
            tracing::warn!(%error, stream = %stream_name, "status stream unavailable");
            let _ = sender
                .send(Err(Status::unavailable(
                    "status events are unavailable, retry later",
                )))
                .await;
            return;
        }
    };
    let mut messages = match consumer {
        Ok(consumer) => match consumer.messages().await {
            Ok(messages) => messages,
            Err(error) => return fail(&sender, error).await,
        },
        Err(error) => return fail(&sender, error).await,
    };
    let mut last_seq = snapshot.seq;
    while let Some(message) = messages.next().await {
        let message = match message {
            Ok(message) => message,
            Err(error) => return fail(&sender, error).await,
        };
        let Some(event) = parse_event(&message.payload) else {
            tracing::warn!(subject = %message.subject, "skipping an unreadable status event");
            continue;
        };
        if event.seq <= last_seq {
            continue;
        }
        last_seq = event.seq;
        let terminal = event.terminal;
        if sender.send(Ok(event)).await.is_err() || terminal {
            return;
        }
    }
}

async fn fail(
    sender: &mpsc::Sender<Result<JobStatusEvent, Status>>,
    error: impl std::fmt::Display,
) {
    tracing::warn!(%error, "status watch failed");
    let _ = sender
        .send(Err(Status::unavailable(
            "status events are unavailable, retry later",
        )))
        .await;
}
