//! WatchBatchStatus: the batch's aggregate from the database, then again whenever one of its
//! jobs publishes a status event, ending with the first aggregate in which every job is
//! terminal. Events only prompt a re-read (the database stays the source of truth), so a burst
//! of events costs one query and an event lost in transit is caught by the periodic re-read.
//! An aggregate equal to the previous one is not sent again. The watch ends early when its
//! client leaves or its lifetime is over (see [`super::watchers`]).
//!
//! Events arrive on one core NATS subscription to `jobs.status.*`, filtered here by job id:
//! a JetStream consumer with one filter per job needs NATS 2.10, and a consumer per job would
//! not scale to a 1,000-job batch.

use std::collections::HashSet;
use std::time::Duration;

use exobrain_common::error::to_status;
use exobrain_jobs::domain::{BatchCounts, BatchId, UserId};
use exobrain_jobs::store::{BatchSnapshot, JobStore};
use exobrain_proto::job_orchestrator::{BatchStatusEvent, JobStatusEvent};
use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tonic::Status;

use super::batch::batch_status;
use super::watch::parse_event;
use super::watchers::WatchPermit;

/// How often the aggregate is re-read even without events.
pub const RESYNC_EVERY: Duration = Duration::from_secs(5);

type Sender = mpsc::Sender<Result<BatchStatusEvent, Status>>;

/// Subscribes to every job's status events on `subject` (`jobs.status.*`). Returns once the
/// server has the subscription, so a snapshot read afterwards misses nothing.
pub async fn subscribe(
    client: &async_nats::Client,
    subject: String,
) -> Result<async_nats::Subscriber, Status> {
    let subscriber = client.subscribe(subject).await.map_err(unavailable)?;
    client.flush().await.map_err(unavailable)?;
    Ok(subscriber)
}

/// A batch being watched by its owner.
#[derive(Debug)]
pub struct BatchWatch {
    /// Where the aggregate is read.
    pub store: JobStore,
    /// The batch.
    pub batch_id: BatchId,
    /// The watcher, who owns it.
    pub owner: UserId,
    /// Its jobs' ids.
    pub job_ids: HashSet<String>,
    /// The aggregate sent last.
    pub last: BatchCounts,
}

impl BatchWatch {
    /// Starts watching from `snapshot`, whose aggregate the caller has sent.
    pub fn new(store: JobStore, owner: UserId, snapshot: &BatchSnapshot) -> Self {
        Self {
            store,
            batch_id: snapshot.batch_id,
            owner,
            job_ids: snapshot
                .jobs
                .iter()
                .map(|job| job.job_id.to_string())
                .collect(),
            last: snapshot.counts(),
        }
    }

    /// The event in `message` if it is about one of the batch's jobs.
    fn event(&self, message: &async_nats::Message) -> Option<JobStatusEvent> {
        let job_id = message.subject.rsplit('.').next()?;
        if !self.job_ids.contains(job_id) {
            return None;
        }
        parse_event(&message.payload)
    }
}

/// Sends each changed aggregate of `watch` into `sender` until the batch is terminal, the
/// events or database fail, the client leaves or `permit`'s lifetime ends.
pub async fn follow(
    watch: BatchWatch,
    events: async_nats::Subscriber,
    sender: Sender,
    permit: WatchPermit,
) {
    permit
        .run(&sender, send_aggregates(watch, events, &sender))
        .await;
}

/// Sends each changed aggregate of `watch` until the batch is terminal or a failure.
async fn send_aggregates(
    mut watch: BatchWatch,
    mut events: async_nats::Subscriber,
    sender: &Sender,
) {
    let mut resync = tokio::time::interval_at(Instant::now() + RESYNC_EVERY, RESYNC_EVERY);
    resync.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let mut job_event = tokio::select! {
            _ = resync.tick() => None,
            message = events.next() => match message {
                Some(message) => match watch.event(&message) {
                    Some(event) => Some(event),
                    None => continue,
                },
                None => {
                    let _ = sender.send(Err(unavailable("status subscription ended"))).await;
                    return;
                }
            },
        };
        while let Some(Some(message)) = events.next().now_or_never() {
            if let Some(event) = watch.event(&message) {
                job_event = Some(event);
            }
        }
        let counts = match watch.store.batch(watch.batch_id, &watch.owner).await {
            Ok(snapshot) => snapshot.counts(),
            Err(error) => {
                let _ = sender.send(Err(to_status(&error))).await;
                return;
            }
        };
        if counts == watch.last {
            continue;
        }
        watch.last = counts;
        let event = BatchStatusEvent {
            status: Some(batch_status(watch.batch_id, counts)),
            job_event,
        };
        if sender.send(Ok(event)).await.is_err() || counts.is_terminal() {
            return;
        }
    }
}

fn unavailable(error: impl std::fmt::Display) -> Status {
    tracing::warn!(%error, "batch status watch failed");
    Status::unavailable("status events are unavailable, retry later")
}
