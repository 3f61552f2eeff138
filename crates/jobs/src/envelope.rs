//! The job request message published on `jobs.<job_type>.requested`: its one serde type, its
//! message id, and how large it can get. The store writes it (`store/messages.rs`), the relay
//! reads it back to find the jobs a parked outbox row requested, and the API measures it at
//! enqueue, so a job whose message NATS would refuse (over the server's `max_payload`) is
//! refused before it is stored rather than parked after.

use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{JobId, NewJob};
use crate::outbox::Outgoing;

/// Field names as in the original service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEnvelope<P = Value> {
    /// Always 1.
    pub schema_version: u32,
    /// The job.
    pub job_id: String,
    /// Its type.
    pub job_type: String,
    /// Its owner.
    pub correlation_id: String,
    /// The normalised payload.
    pub payload: P,
    /// Attempts made before this request (0 for the first).
    pub attempt: i32,
    /// When the message was written (RFC 3339, microseconds, UTC).
    pub created_at: String,
}

impl<'a> JobEnvelope<&'a Value> {
    /// The request of `job_id` after `after_attempt` attempts, written now.
    pub fn new(
        job_id: JobId,
        job_type: &str,
        owner: &str,
        payload: &'a Value,
        after_attempt: i32,
    ) -> Self {
        Self {
            schema_version: 1,
            job_id: job_id.to_string(),
            job_type: job_type.to_owned(),
            correlation_id: owner.to_owned(),
            payload,
            attempt: after_attempt,
            created_at: now_rfc3339(),
        }
    }

    /// The envelope as a JSON value, as the outbox stores it.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("an envelope of strings, numbers and JSON serializes")
    }
}

/// `Nats-Msg-Id` of a request: the job id for the first, `<job_id>:retry:<n>` for the
/// re-request after attempt `n`.
pub fn request_msg_id(job_id: JobId, after_attempt: i32) -> String {
    if after_attempt == 0 {
        job_id.to_string()
    } else {
        format!("{job_id}:retry:{after_attempt}")
    }
}

/// The most bytes NATS will count against its `max_payload` for any request message of `job`
/// (its body and headers; a re-request's longer message id and attempt included).
pub fn largest_request_len(job: &NewJob) -> usize {
    let job_id = JobId::new();
    let last_attempt = i32::try_from(job.max_attempts).unwrap_or(i32::MAX);
    let envelope = JobEnvelope::new(
        job_id,
        job.job_type.as_str(),
        job.owner.as_str(),
        &job.payload,
        last_attempt,
    );
    let message = Outgoing {
        subject: String::new(),
        msg_id: request_msg_id(job_id, last_attempt),
        payload: envelope.to_value(),
        headers: job.trace_context.clone(),
    };
    message.wire_len()
}

/// Now, as every message of the job system writes its times.
pub(crate) fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}
