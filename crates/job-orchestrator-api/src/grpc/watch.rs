//! WatchJobStatus: the snapshot from the database, then the job's status events from the
//! `JOB_STATUS` stream with a larger `seq`, so a watcher never sees a replay, a duplicate or a
//! state going backwards, and the stream ends with the first terminal state. A watcher that
//! arrives before the job was picked up simply waits for the events.
//!
//! Each watch reads through its own ordered consumer, named so the watch deletes it when it
//! ends (terminal state, client gone, lifetime over; see [`super::watchers`]) rather than
//! leaving it to the server's thirty-second inactivity threshold.

use async_nats::jetstream::{self, consumer};
use exobrain_jobs::store::JobSnapshot;
use exobrain_proto::job_orchestrator::{JobLifecycleState, JobStatusEvent};
use futures::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;
use tonic::Status;

use super::watchers::WatchPermit;

type Sender = mpsc::Sender<Result<JobStatusEvent, Status>>;

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

/// Sends the events after `snapshot` into `sender` until a terminal one, an error, the client
/// leaving or the end of `permit`'s lifetime, then deletes its consumer.
pub async fn follow(
    js: jetstream::Context,
    stream_name: String,
    subject: String,
    snapshot: JobSnapshot,
    sender: Sender,
    permit: WatchPermit,
) {
    let stream = match js.get_stream(&stream_name).await {
        Ok(stream) => stream,
        Err(error) => return fail(&sender, format!("stream {stream_name}: {error}")).await,
    };
    let name = format!("watch_{}", uuid::Uuid::new_v4().simple());
    let config = consumer::pull::OrderedConfig {
        name: Some(name.clone()),
        filter_subject: subject,
        deliver_policy: consumer::DeliverPolicy::All,
        ..Default::default()
    };
    let consumer = match stream.create_consumer(config).await {
        Ok(consumer) => consumer,
        Err(error) => return fail(&sender, error).await,
    };
    permit
        .run(&sender, send_events(consumer, snapshot.seq, &sender))
        .await;
    if let Err(error) = stream.delete_consumer(&name).await {
        tracing::debug!(%error, consumer = %name, "watch consumer not deleted; it expires on its own");
    }
}

/// Sends the events of `consumer` with a `seq` above `last_seq` until a terminal one.
async fn send_events(
    consumer: consumer::Consumer<consumer::pull::OrderedConfig>,
    mut last_seq: i64,
    sender: &Sender,
) {
    let mut messages = match consumer.messages().await {
        Ok(messages) => messages,
        Err(error) => return fail(sender, error).await,
    };
    while let Some(message) = messages.next().await {
        let message = match message {
            Ok(message) => message,
            Err(error) => return fail(sender, error).await,
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

async fn fail(sender: &Sender, error: impl std::fmt::Display) {
    tracing::warn!(%error, "status watch failed");
    let _ = sender
        .send(Err(Status::unavailable(
            "status events are unavailable, retry later",
        )))
        .await;
}
