//! The transactional outbox: every message the job system publishes to JetStream is first
//! written to `orchestrator_outbox_batches` in the same transaction as the state change it
//! announces (one row per transaction, holding all its messages in order), so a committed
//! change is always published and a rolled-back one never is.
//!
//! After the commit the process hands the row to its [`Publisher`], which publishes its
//! messages at once in commit order and deletes it; the [`relay`] sweeps up rows left behind (a process
//! that died, NATS down, a row NATS refused), parking a row it cannot publish after a few tries.
//! Every message carries `Nats-Msg-Id`, so a row published twice (by the publisher and the
//! relay) is stored once. Both publish through the same bounded window ([`window`]), so no
//! backlog is too large to drain, and [`gauges`] reports how much waits.

mod gauges;
mod publisher;
pub mod relay;
mod trace;
pub mod window;

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use sqlx::{Postgres, Transaction};

pub use publisher::Publisher;
pub use relay::RelaySettings;

use crate::store::JobStore;
use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;

/// The relay settings of a running service: rows younger than two seconds belong to their
/// process's publisher; an idle relay looks again every half second; a refused row is tried
/// again after 1, 2, 4 and 8 seconds and parked at its fifth refusal; a round holds its rows
/// for at most a minute.
pub const SERVICE_RELAY: RelaySettings = RelaySettings {
    min_age: Duration::from_secs(2),
    idle: Duration::from_millis(500),
    park_after: 5,
    retry_pause: Duration::from_secs(1),
    round_deadline: Duration::from_secs(60),
};

/// A process's publisher, relay and outbox gauges, running until [`Running::stop`].
#[derive(Debug)]
pub struct Running {
    /// Hand this to the process's job store.
    pub publisher: Publisher,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts the publisher, the relay and the gauges of a process. `store` is the process's job
/// store without a publisher: the relay records through it what it gives up on.
pub fn start(store: JobStore, js: jetstream::Context, relay: RelaySettings) -> Running {
    let stop = CancellationToken::new();
    let pool = store.pool().clone();
    let (publisher, publishing) = Publisher::spawn(pool.clone(), js.clone(), stop.clone());
    let relaying = tokio::spawn(relay::run(store, js, relay, stop.clone()));
    let sampling = tokio::spawn(gauges::run(pool, stop.clone()));
    Running {
        publisher,
        stop,
        tasks: vec![publishing, relaying, sampling],
    }
}

impl Running {
    /// Publishes what was committed so far, then stops the tasks. Call it once the process
    /// commits nothing more.
    pub async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Messages a transaction will publish, collected while it runs.
#[derive(Debug, Default)]
pub struct Outbox {
    messages: Vec<Outgoing>,
}

/// One message to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Subject to publish on.
    pub subject: String,
    /// `Nats-Msg-Id`.
    pub msg_id: String,
    /// JSON body.
    pub payload: Value,
    /// Extra headers (trace context).
    pub headers: HashMap<String, String>,
}

/// The messages of one committed transaction, stored as one outbox row and not yet
/// published.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Row id (publish order).
    pub id: i64,
    /// The messages, in the order they were added.
    pub messages: Vec<Outgoing>,
}

impl Outgoing {
    /// The NATS headers to publish with: `Nats-Msg-Id` plus the extra ones.
    pub fn nats_headers(&self) -> async_nats::HeaderMap {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", self.msg_id.as_str());
        for (name, value) in &self.headers {
            headers.insert(name.as_str(), value.as_str());
        }
        headers
    }

    /// The body to publish.
    pub fn body(&self) -> Bytes {
        Bytes::from(self.payload.to_string())
    }

    /// Bytes NATS counts against its `max_payload` for this message: the body plus the header
    /// block (`NATS/1.0\r\n`, one `name: value\r\n` per header, then `\r\n`).
    pub fn wire_len(&self) -> usize {
        const FRAMING: usize = "NATS/1.0\r\n".len() + "\r\n".len();
        let header = |name: &str, value: &str| name.len() + ": ".len() + value.len() + "\r\n".len();
        let headers: usize = std::iter::once(("Nats-Msg-Id", self.msg_id.as_str()))
            .chain(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .map(|(name, value)| header(name, value))
            .sum();
        self.payload.to_string().len() + FRAMING + headers
    }

    fn to_json(&self) -> Value {
        serde_json::json!({
            "subject": self.subject, "msg_id": self.msg_id,
            "payload": self.payload, "headers": self.headers,
        })
    }

    fn from_json(value: &Value) -> Option<Self> {
        Some(Self {
            subject: value.get("subject")?.as_str()?.to_owned(),
            msg_id: value.get("msg_id")?.as_str()?.to_owned(),
            payload: value.get("payload")?.clone(),
            headers: serde_json::from_value(value.get("headers")?.clone()).unwrap_or_default(),
        })
    }
}

impl Outbox {
    /// Adds `payload` for `subject` with message id `msg_id`.
    pub fn push(&mut self, subject: String, msg_id: String, payload: Value) {
        self.push_with_headers(subject, msg_id, payload, HashMap::new());
    }

    /// Adds a message with extra `headers` (a trace context).
    pub fn push_with_headers(
        &mut self,
        subject: String,
        msg_id: String,
        payload: Value,
        headers: HashMap<String, String>,
    ) {
        self.messages.push(Outgoing {
            subject,
            msg_id,
            payload,
            headers,
        });
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Inserts the collected messages inside `tx` as one row (one insert per transaction,
    /// however many jobs it moved); `None` when there are none.
    pub async fn write(
        self,
        tx: &mut Transaction<'_, Postgres>,
    ) -> Result<Option<Queued>, sqlx::Error> {
        if self.is_empty() {
            return Ok(None);
        }
        let rows: Vec<Value> = self.messages.iter().map(Outgoing::to_json).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO orchestrator_outbox_batches (messages) VALUES ($1) RETURNING id",
        )
        .bind(Value::Array(rows))
        .fetch_one(&mut **tx)
        .await?;
        Ok(Some(Queued {
            id,
            messages: self.messages,
        }))
    }
}

/// Reads the messages of a stored outbox row (the relay's side of [`Outbox::write`]);
/// entries that do not have the stored shape are skipped.
pub fn read_messages(stored: &Value) -> Vec<Outgoing> {
    stored
        .as_array()
        .map(|messages| messages.iter().filter_map(Outgoing::from_json).collect())
        .unwrap_or_default()
}
