//! The transactional outbox: every message the job system publishes to JetStream is first
//! written to `orchestrator_outbox_batches` in the same transaction as the state change it
//! announces (one row per transaction, holding all its messages in order), so a committed
//! change is always published and a rolled-back one never is.
//!
//! After the commit the process hands the row to its [`Publisher`], which publishes its
//! messages at once in commit order and deletes it; the [`relay`] sweeps up rows left behind (a process
//! that died, NATS down). Every message carries `Nats-Msg-Id`, so a row published twice (by
//! the publisher and the relay) is stored once.

mod publisher;
pub mod relay;

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::Value;
use sqlx::{Postgres, Transaction};

pub use publisher::Publisher;
pub use relay::RelaySettings;

use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;
use sqlx::PgPool;

/// The relay settings of a running service: rows younger than two seconds belong to their
/// process's publisher; an idle relay looks again every half second.
pub const SERVICE_RELAY: RelaySettings = RelaySettings {
    min_age: std::time::Duration::from_secs(2),
    idle: std::time::Duration::from_millis(500),
};

/// A process's publisher and relay, running until [`Running::stop`].
#[derive(Debug)]
pub struct Running {
    /// Hand this to the process's job store.
    pub publisher: Publisher,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts the publisher and the relay of a process.
pub fn start(pool: PgPool, js: jetstream::Context, relay: RelaySettings) -> Running {
    let stop = CancellationToken::new();
    let (publisher, publishing) = Publisher::spawn(pool.clone(), js.clone(), stop.clone());
    let relaying = tokio::spawn(relay::run(pool, js, relay, stop.clone()));
    Running {
        publisher,
        stop,
        tasks: vec![publishing, relaying],
    }
}

impl Running {
    /// Publishes what was committed so far, then stops both tasks. Call it once the process
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
