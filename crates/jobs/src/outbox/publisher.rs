//! Publishing outbox rows right after their transaction commits, so a job request or status
//! event reaches JetStream within a round trip instead of a relay poll later. One task per
//! process publishes everything in commit order through the bounded window of
//! [`super::window`] (however many rows pile up, at most a thousand messages wait for their
//! acknowledgement); a second task deletes the published rows in bulk every few milliseconds,
//! on a connection with `synchronous_commit = off`: a deletion lost in a database crash only
//! makes the relay publish those rows again, which JetStream drops as duplicates. A row the
//! publisher could not publish stays for the relay, and never holds back the rows after it.

use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::mpsc;

use super::window::{self, RowOutcome};
use super::{Outgoing, Queued};

/// Most outbox rows (transactions) published per round.
const MAX_ROUND: usize = 256;
/// How long published ids gather before one bulk delete.
const DELETE_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// Hands committed outbox rows to the process's publishing task.
#[derive(Debug, Clone)]
pub struct Publisher {
    sender: mpsc::UnboundedSender<Queued>,
}

impl Publisher {
    /// Starts the publishing task. It runs until `stop` is cancelled, then publishes what was
    /// already handed to it and ends; cancel `stop` only once nothing will commit any more.
    pub fn spawn(
        pool: PgPool,
        js: jetstream::Context,
        stop: CancellationToken,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let (published, deletions) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let deleting = tokio::spawn(delete_published(pool, deletions));
            run(js, receiver, published, stop).await;
            let _ = deleting.await;
        });
        (Self { sender }, task)
    }

    /// Queues the row of a committed transaction for publishing. Never blocks; if the task
    /// is gone the relay publishes it later.
    pub fn send(&self, queued: Queued) {
        let _ = self.sender.send(queued);
    }
}

async fn run(
    js: jetstream::Context,
    mut receiver: mpsc::UnboundedReceiver<Queued>,
    published: mpsc::UnboundedSender<Vec<i64>>,
    stop: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            biased;
            queued = receiver.recv() => queued,
            _ = stop.cancelled() => None,
        };
        let Some(first) = first else { break };
        let mut round = vec![first];
        while round.len() < MAX_ROUND {
            match receiver.try_recv() {
                Ok(more) => round.push(more),
                Err(_) => break,
            }
        }
        publish_round(&js, round, &published).await;
    }
    let mut rest = Vec::new();
    while let Ok(more) = receiver.try_recv() {
        rest.push(more);
    }
    if !rest.is_empty() {
        publish_round(&js, rest, &published).await;
    }
}

/// Publishes the rows of `round` in order and hands those JetStream acknowledged in full to
/// the deleting task.
async fn publish_round(
    js: &jetstream::Context,
    round: Vec<Queued>,
    deletions: &mpsc::UnboundedSender<Vec<i64>>,
) {
    let rows: Vec<&[Outgoing]> = round.iter().map(|row| row.messages.as_slice()).collect();
    let outcomes = window::publish_rows(js, &rows).await;
    let (mut published, mut messages, mut left) = (Vec::with_capacity(round.len()), 0, 0);
    let mut first_failure = None;
    for (row, outcome) in round.iter().zip(outcomes) {
        match outcome {
            RowOutcome::Published { messages: count } => {
                published.push(row.id);
                messages += count;
            }
            RowOutcome::Failed(failure) => {
                left += 1;
                first_failure.get_or_insert(failure);
            }
            RowOutcome::NotTried => left += 1,
        }
    }
    if left > 0 {
        let error = first_failure
            .map(|failure| failure.to_string())
            .unwrap_or_default();
        tracing::warn!(rows = left, %error, "outbox rows not published; the relay will retry");
    }
    metrics::counter!("jobs_outbox_published_total", "by" => "publisher")
        .increment(messages as u64);
    let _ = deletions.send(published);
}

/// Deletes published rows in bulk until the publisher is gone.
async fn delete_published(pool: PgPool, mut deletions: mpsc::UnboundedReceiver<Vec<i64>>) {
    let options = (*pool.connect_options())
        .clone()
        .options([("synchronous_commit", "off")]);
    let relaxed = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options);
    while let Some(mut ids) = deletions.recv().await {
        tokio::time::sleep(DELETE_PAUSE).await;
        while let Ok(more) = deletions.try_recv() {
            ids.extend(more);
        }
        if let Err(error) =
            sqlx::query("DELETE FROM orchestrator_outbox_batches WHERE id = ANY($1)")
                .bind(&ids)
                .execute(&relaxed)
                .await
        {
            tracing::warn!(%error, "cannot delete published outbox rows; the relay will re-publish them as duplicates");
        }
    }
    relaxed.close().await;
}
