//! Publishing outbox rows right after their transaction commits, so a job request or status
//! event reaches JetStream within a round trip instead of a relay poll later. One task per
//! process publishes everything in commit order, waits for JetStream's acknowledgements, then
//! deletes the rows it published. A row it could not publish stays for the relay.

use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;
use sqlx::PgPool;
use tokio::sync::mpsc;

use super::Queued;

/// Most messages published per round.
const MAX_ROUND: usize = 4096;

/// Hands committed outbox rows to the process's publishing task.
#[derive(Debug, Clone)]
pub struct Publisher {
    sender: mpsc::UnboundedSender<Vec<Queued>>,
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
        let task = tokio::spawn(run(pool, js, receiver, stop));
        (Self { sender }, task)
    }

    /// Queues rows of a committed transaction for publishing. Never blocks; if the task is
    /// gone the relay publishes them later.
    pub fn send(&self, messages: Vec<Queued>) {
        if !messages.is_empty() {
            let _ = self.sender.send(messages);
        }
    }
}

async fn run(
    pool: PgPool,
    js: jetstream::Context,
    mut receiver: mpsc::UnboundedReceiver<Vec<Queued>>,
    stop: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            biased;
            messages = receiver.recv() => messages,
            _ = stop.cancelled() => None,
        };
        let Some(mut round) = first else { break };
        while round.len() < MAX_ROUND {
            match receiver.try_recv() {
                Ok(more) => round.extend(more),
                Err(_) => break,
            }
        }
        publish_round(&pool, &js, round).await;
    }
    let mut rest = Vec::new();
    while let Ok(more) = receiver.try_recv() {
        rest.extend(more);
    }
    if !rest.is_empty() {
        publish_round(&pool, &js, rest).await;
    }
}

/// Publishes `round` in order and deletes what JetStream acknowledged.
async fn publish_round(pool: &PgPool, js: &jetstream::Context, round: Vec<Queued>) {
    let mut pending = Vec::with_capacity(round.len());
    for message in round {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", message.msg_id.as_str());
        for (name, value) in &message.headers {
            headers.insert(name.as_str(), value.as_str());
        }
        match js
            .publish_with_headers(message.subject, headers, message.payload)
            .await
        {
            Ok(ack) => pending.push((message.id, ack)),
            Err(error) => {
                tracing::warn!(%error, "outbox publish failed; the relay will retry");
                break;
            }
        }
    }
    let mut published = Vec::with_capacity(pending.len());
    for (id, ack) in pending {
        match ack.await {
            Ok(_) => published.push(id),
            Err(error) => {
                tracing::warn!(%error, "outbox publish not acknowledged; the relay will retry")
            }
        }
    }
    metrics::counter!("jobs_outbox_published_total", "by" => "publisher")
        .increment(published.len() as u64);
    if let Err(error) = sqlx::query("DELETE FROM orchestrator_outbox WHERE id = ANY($1)")
        .bind(&published)
        .execute(pool)
        .await
    {
        tracing::warn!(%error, "cannot delete published outbox rows; the relay will re-publish them as duplicates");
    }
}
