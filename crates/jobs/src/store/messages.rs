//! The shapes of the messages the job store publishes through the outbox (JSON, field names
//! as in the original service where it had the message): status events, job requests, result
//! events and dead letters. Only shapes and subjects live here, not when to send them.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::JobStore;
use crate::domain::{DeadLetterId, JobId, JobState};
use crate::envelope::{JobEnvelope, now_rfc3339, request_msg_id};
use crate::outbox::Outbox;

/// A job that failed for good, as announced on `jobs.events.<type>.failed` and `jobs.dlq`.
#[derive(Debug, Clone)]
pub(crate) struct FinalFailure<'a> {
    pub job_id: JobId,
    pub job_type: &'a str,
    pub owner: &'a str,
    pub attempt: i32,
    pub reason: &'a str,
    pub detail: &'a str,
    pub dead_letter_id: DeadLetterId,
}

impl JobStore {
    /// Status event number `seq` of `job_id` on `jobs.status.<job_id>` (message id
    /// `<job_id>:<seq>`), in the shape WatchJobStatus reads.
    pub(crate) fn queue_status_event(
        &self,
        outbox: &mut Outbox,
        job_id: JobId,
        state: JobState,
        attempt: i32,
        detail: &str,
        seq: i64,
    ) {
        let id = job_id.to_string();
        let body = json!({
            "schema_version": 1, "job_id": id, "state": state.wire_name(), "attempt": attempt,
            "detail": if detail.is_empty() { Value::Null } else { Value::from(detail) },
            "terminal": state.is_terminal(), "seq": seq, "emitted_at": now_rfc3339(),
        });
        outbox.push(self.status_subject(&id), format!("{id}:{seq}"), body);
    }

    /// The request envelope of `job_id` (with its type, owner and payload) on
    /// `jobs.<type>.requested`, with `headers` (a trace context). The first request's message
    /// id is the job id; a re-request after attempt `n` uses `<job_id>:retry:<n>`.
    pub(crate) fn queue_request(
        &self,
        outbox: &mut Outbox,
        job_id: JobId,
        (job_type, owner, payload): (&str, &str, &Value),
        after_attempt: i32,
        headers: HashMap<String, String>,
    ) {
        let body = JobEnvelope::new(job_id, job_type, owner, payload, after_attempt).to_value();
        let msg_id = request_msg_id(job_id, after_attempt);
        outbox.push_with_headers(self.request_subject(job_type), msg_id, body, headers);
    }

    /// `jobs.events.<type>.completed` for a successful attempt, with its result summary.
    pub(crate) fn queue_completed(
        &self,
        outbox: &mut Outbox,
        job_id: JobId,
        job_type: &str,
        owner: &str,
        attempt: i32,
        result: &Value,
    ) {
        let body = json!({
            "schema_version": 1, "job_id": job_id.to_string(), "job_type": job_type,
            "status": "completed", "correlation_id": owner, "attempt": attempt, "detail": null,
            "result": result, "emitted_at": now_rfc3339(),
        });
        let subject = self.event_subject(job_type, "completed");
        outbox.push(subject, format!("{job_id}:completed"), body);
    }

    /// `jobs.events.<type>.failed` and the dead letter on `jobs.dlq` for a job that failed
    /// for good.
    pub(crate) fn queue_final_failure(&self, outbox: &mut Outbox, failure: &FinalFailure<'_>) {
        let failed = json!({
            "schema_version": 1, "job_id": failure.job_id.to_string(), "job_type": failure.job_type,
            "status": "failed", "correlation_id": failure.owner, "attempt": failure.attempt,
            "detail": failure.detail, "emitted_at": now_rfc3339(),
        });
        let subject = self.event_subject(failure.job_type, "failed");
        outbox.push(subject, format!("{}:failed", failure.job_id), failed);
        self.queue_dead_letter(
            outbox,
            failure.dead_letter_id,
            json!({
                "job_id": failure.job_id.to_string(), "job_type": failure.job_type,
                "correlation_id": failure.owner, "attempts": failure.attempt,
            }),
            failure.reason,
            failure.detail,
        );
    }

    /// A dead letter on `jobs.dlq` (message id = the dead letter's id); `about` says what
    /// is known of the job.
    pub(crate) fn queue_dead_letter(
        &self,
        outbox: &mut Outbox,
        id: DeadLetterId,
        mut about: Value,
        reason: &str,
        detail: &str,
    ) {
        if let Value::Object(fields) = &mut about {
            fields.insert("schema_version".into(), json!(1));
            fields.insert("dead_letter_id".into(), json!(id.to_string()));
            fields.insert("reason".into(), json!(reason));
            fields.insert("detail".into(), json!(detail));
            fields.insert("emitted_at".into(), json!(now_rfc3339()));
        }
        outbox.push(self.dlq_subject(), id.to_string(), about);
    }
}
