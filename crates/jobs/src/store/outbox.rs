//! Writing messages to the transactional outbox from inside a store transaction; the relay
//! publishes them once the transaction commits. Only the message shapes live here, not the
//! decisions about when to send them.

use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};
use sqlx::{Postgres, Transaction};

use super::{JobStore, StoreError};
use crate::domain::{JobId, JobState};

/// Queues `payload` for `subject`; `msg_id` becomes `Nats-Msg-Id`, so a re-published message
/// is dropped by JetStream's duplicate window.
pub(crate) async fn push(
    tx: &mut Transaction<'_, Postgres>,
    subject: &str,
    msg_id: &str,
    payload: Value,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO orchestrator_outbox (subject, msg_id, payload) VALUES ($1, $2, $3)")
        .bind(subject)
        .bind(msg_id)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl JobStore {
    /// Queues the status event of `job_id`'s transition number `seq` on `jobs.status.<job_id>`
    /// (message id `<job_id>:<seq>`), in the shape WatchJobStatus reads.
    pub(crate) async fn push_status_event(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        job_id: JobId,
        state: JobState,
        attempt: i32,
        detail: &str,
        seq: i64,
    ) -> Result<(), StoreError> {
        let id = job_id.to_string();
        let body = json!({
            "job_id": id, "state": state.wire_name(), "attempt": attempt,
            "detail": if detail.is_empty() { Value::Null } else { Value::from(detail) },
            "terminal": state.is_terminal(), "seq": seq,
            "emitted_at": Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        });
        push(tx, &self.status_subject(&id), &format!("{id}:{seq}"), body).await
    }
}
