//! The transactional outbox: every message the job system publishes to JetStream is first
//! written to `orchestrator_outbox` in the same transaction as the state change it announces,
//! so a committed change is always published and a rolled-back one never is.
//!
//! After the commit the process hands the rows to its [`Publisher`], which publishes them at
//! once in commit order and deletes them; the [`relay`] sweeps up rows left behind (a process
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
    subjects: Vec<String>,
    msg_ids: Vec<String>,
    payloads: Vec<Value>,
    headers: Vec<HashMap<String, String>>,
}

/// A message written to the outbox and not yet published.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Row id (publish order).
    pub id: i64,
    /// Subject to publish on.
    pub subject: String,
    /// `Nats-Msg-Id`.
    pub msg_id: String,
    /// JSON body.
    pub payload: Bytes,
    /// Extra headers (trace context).
    pub headers: HashMap<String, String>,
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
        self.subjects.push(subject);
        self.msg_ids.push(msg_id);
        self.payloads.push(payload);
        self.headers.push(headers);
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty()
    }

    /// Inserts the collected messages inside `tx` in the order they were added.
    pub async fn write(
        self,
        tx: &mut Transaction<'_, Postgres>,
    ) -> Result<Vec<Queued>, sqlx::Error> {
        if self.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO orchestrator_outbox (subject, msg_id, payload, headers)
             SELECT subject, msg_id, payload, headers
             FROM UNNEST($1::text[], $2::text[], $3::jsonb[], $4::jsonb[]) WITH ORDINALITY
                  AS t(subject, msg_id, payload, headers, n)
             ORDER BY n
             RETURNING id",
        )
        .bind(&self.subjects)
        .bind(&self.msg_ids)
        .bind(&self.payloads)
        .bind(
            self.headers
                .iter()
                .map(|headers| serde_json::to_value(headers).unwrap_or(Value::Null))
                .collect::<Vec<_>>(),
        )
        .fetch_all(&mut **tx)
        .await?;
        // Ids come from one sequence in insertion order, so sorted they follow `n`.
        let mut ids = ids;
        ids.sort_unstable();
        Ok(self
            .subjects
            .into_iter()
            .zip(self.msg_ids)
            .zip(self.payloads.iter().zip(self.headers))
            .zip(ids)
            .map(|(((subject, msg_id), (payload, headers)), id)| Queued {
                id,
                subject,
                msg_id,
                payload: Bytes::from(payload.to_string()),
                headers,
            })
            .collect())
    }
}
