//! Watching one knowledge update job: the orchestrator's `WatchJobStatus` stream turned into
//! the events of the watch endpoint, ending after the terminal state (which is also recorded,
//! settling the job's messages) or after an upstream failure, reported as a last event rather
//! than a broken connection. Knows nothing about SSE framing; `api::knowledge` does that.

use exobrain_proto::job_orchestrator as pb;
use futures::Stream;
use serde::Serialize;
use tonic::Streaming;
use uuid::Uuid;

use super::error::Failure;
use super::update::KnowledgeUpdates;

/// One event of a job watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// A lifecycle transition (or the current snapshot, first).
    Status(StatusUpdate),
    /// The job reached its terminal state; the last event.
    Done {
        /// The terminal transition.
        last: StatusUpdate,
    },
    /// The upstream stream failed or ended early; the last event.
    Error(WatchError),
}

/// A lifecycle transition of a job, as sent to the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusUpdate {
    pub job_id: String,
    /// `ENQUEUED_OR_PENDING`, `STARTED`, `RETRYING`, `SUCCEEDED`, `FAILED_FINAL` or `CANCELLED`.
    pub state: &'static str,
    pub attempt: i32,
    /// The job's progress text (e.g. `step 3/11 ...`).
    pub detail: String,
    pub terminal: bool,
    /// RFC 3339.
    pub emitted_at: String,
    /// Per-job sequence number of the transition (the event id).
    #[serde(skip)]
    pub seq: i64,
}

/// Why a watch ended without a terminal state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchError {
    pub job_id: String,
    /// `unavailable` (also when the stream ended early), `upstream_error`, `not_found` or
    /// `forbidden`.
    pub code: &'static str,
    pub message: &'static str,
    /// Whether opening the watch again may succeed.
    pub retryable: bool,
}

enum Phase {
    Connect,
    Reading(Box<Streaming<pb::JobStatusEvent>>),
    Finish(StatusUpdate),
    Closed,
}

impl KnowledgeUpdates {
    /// The events of `job_id`, which the caller has checked `user` owns. The upstream stream
    /// is opened on the first poll, so the response can start before the orchestrator answers.
    pub fn watch(&self, user: Uuid, job_id: Uuid) -> impl Stream<Item = WatchEvent> + use<> {
        let updates = self.clone();
        futures::stream::unfold(Phase::Connect, move |phase| {
            let updates = updates.clone();
            async move {
                match phase {
                    Phase::Connect => match updates.open_watch(user, job_id).await {
                        Ok(stream) => updates.next_event(job_id, stream).await,
                        Err(failure) => Some((failed(job_id, failure), Phase::Closed)),
                    },
                    Phase::Reading(stream) => updates.next_event(job_id, stream).await,
                    Phase::Finish(last) => Some((WatchEvent::Done { last }, Phase::Closed)),
                    Phase::Closed => None,
                }
            }
        })
    }

    async fn open_watch(
        &self,
        user: Uuid,
        job_id: Uuid,
    ) -> Result<Box<Streaming<pb::JobStatusEvent>>, Failure> {
        let request = self.upstreams().jobs_request(
            user,
            pb::WatchJobStatusRequest {
                job_id: job_id.to_string(),
                include_current: true,
                user_id: user.to_string(),
            },
            None,
        );
        self.upstreams()
            .jobs()
            .watch_job_status(request)
            .await
            .map(|response| Box::new(response.into_inner()))
            .map_err(|status| {
                tracing::warn!(%job_id, code = ?status.code(), message = status.message(), "knowledge job watch failed");
                Failure::of(&status)
            })
    }

    /// The next event of `stream` and what follows it.
    async fn next_event(
        &self,
        job_id: Uuid,
        mut stream: Box<Streaming<pb::JobStatusEvent>>,
    ) -> Option<(WatchEvent, Phase)> {
        loop {
            let event = match stream.message().await {
                Ok(Some(event)) => event,
                Ok(None) => return Some((failed(job_id, Failure::Unavailable), Phase::Closed)),
                Err(status) => {
                    tracing::warn!(%job_id, code = ?status.code(), message = status.message(), "knowledge job watch broke");
                    return Some((failed(job_id, Failure::of(&status)), Phase::Closed));
                }
            };
            let Ok(state) = pb::JobLifecycleState::try_from(event.state) else {
                tracing::warn!(%job_id, state = event.state, "unknown job state skipped");
                continue;
            };
            let update = StatusUpdate {
                job_id: job_id.to_string(),
                state: state.as_str_name(),
                attempt: event.attempt,
                detail: event.detail,
                terminal: event.terminal,
                emitted_at: event.emitted_at,
                seq: event.seq,
            };
            if !update.terminal {
                return Some((WatchEvent::Status(update), Phase::Reading(stream)));
            }
            if let Err(error) = self.record(job_id, state).await {
                tracing::warn!(%job_id, %error, "terminal knowledge job state not recorded; the next update reconciles it");
            }
            return Some((WatchEvent::Status(update.clone()), Phase::Finish(update)));
        }
    }
}

fn failed(job_id: Uuid, failure: Failure) -> WatchEvent {
    let (code, message, retryable) = match failure {
        Failure::Unavailable => ("unavailable", "knowledge stream unavailable", true),
        Failure::NotFound => ("not_found", "knowledge update job not found", false),
        Failure::Denied => ("forbidden", "knowledge update job access denied", false),
        Failure::Invalid | Failure::Failed => ("upstream_error", "knowledge stream error", false),
    };
    WatchEvent::Error(WatchError {
        job_id: job_id.to_string(),
        code,
        message,
        retryable,
    })
}
