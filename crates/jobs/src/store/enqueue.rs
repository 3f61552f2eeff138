//! Accepting jobs: one transaction inserts every job of a call (deduplicating by owner and
//! idempotency key) and for each new job two outbox messages: the request envelope
//! (`Nats-Msg-Id` = job id) and the first status event (seq 1). Batch records are written by
//! `batches.rs` around the same insert.

use std::collections::HashSet;

use chrono::{SecondsFormat, Utc};
use serde_json::json;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::{JobStore, StoreError};
use crate::domain::{BatchId, IdempotencyKey, JobId, JobState, NewJob, UserId};

/// The outcome of accepting one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The job's id (an existing one when deduplicated).
    pub job_id: JobId,
    /// True when the idempotency key matched a job accepted earlier.
    pub deduplicated: bool,
}

impl JobStore {
    /// Accepts `jobs` in one transaction and returns their ids in the same order. With
    /// `batch`, the jobs are recorded as batch `batch.0` of `batch.1`; when that owner already
    /// has a batch with the key `batch.2`, nothing is inserted and that batch's jobs are
    /// returned, all deduplicated ([`JobStore::enqueue_batch`] also says which batch it was).
    pub async fn enqueue(
        &self,
        jobs: &[NewJob],
        batch: Option<(Uuid, &UserId, Option<&IdempotencyKey>)>,
    ) -> Result<Vec<Accepted>, StoreError> {
        if let Some((batch_id, owner, key)) = batch {
            let batch = self
                .accept_batch(BatchId::from(batch_id), jobs, owner, key)
                .await?;
            return Ok(batch.jobs);
        }
        let mut tx = self.pool().begin().await?;
        let accepted = self.insert_jobs(&mut tx, jobs, None).await?;
        tx.commit().await?;
        Ok(accepted)
    }

    /// Inserts `jobs` inside `tx` (deduplicating by owner and idempotency key), tagging new
    /// ones with `batch_id`, and queues the request and first status event of each new job.
    pub(super) async fn insert_jobs(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        jobs: &[NewJob],
        batch_id: Option<BatchId>,
    ) -> Result<Vec<Accepted>, StoreError> {
        let candidates: Vec<JobId> = jobs.iter().map(|_| JobId::new()).collect();
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);

        let inserted: HashSet<Uuid> = sqlx::query_scalar(
            "INSERT INTO orchestrator_jobs
                 (job_id, job_type, correlation_id, payload, status, idempotency_key, max_attempts, batch_id)
             SELECT t.job_id, t.job_type, t.owner, t.payload, 'pending', t.idempotency_key, t.max_attempts, $7
             FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::int[])
                  AS t(job_id, job_type, owner, payload, idempotency_key, max_attempts)
             ON CONFLICT (correlation_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
             RETURNING job_id",
        )
        .bind(candidates.iter().map(JobId::as_uuid).collect::<Vec<_>>())
        .bind(jobs.iter().map(|job| job.job_type.as_str()).collect::<Vec<_>>())
        .bind(jobs.iter().map(|job| job.owner.as_str()).collect::<Vec<_>>())
        .bind(jobs.iter().map(|job| job.payload.clone()).collect::<Vec<_>>())
        .bind(jobs.iter().map(|job| job.idempotency_key.as_ref().map(IdempotencyKey::as_str)).collect::<Vec<_>>())
        .bind(jobs.iter().map(|job| i32::try_from(job.max_attempts).unwrap_or(i32::MAX)).collect::<Vec<_>>())
        .bind(batch_id.map(|id| id.as_uuid()))
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();

        let mut accepted = Vec::with_capacity(jobs.len());
        let (mut subjects, mut msg_ids, mut payloads) = (Vec::new(), Vec::new(), Vec::new());
        for (job, candidate) in jobs.iter().zip(&candidates) {
            if inserted.contains(&candidate.as_uuid()) {
                let id = candidate.to_string();
                subjects.push(self.request_subject(job.job_type.as_str()));
                msg_ids.push(id.clone());
                payloads.push(json!({
                    "job_id": id, "job_type": job.job_type.as_str(), "correlation_id": job.owner.as_str(),
                    "payload": job.payload, "attempt": 0, "created_at": now,
                }));
                subjects.push(self.status_subject(&id));
                msg_ids.push(format!("{id}:1"));
                payloads.push(json!({
                    "job_id": id, "state": JobState::Pending.wire_name(), "attempt": 0, "detail": null,
                    "terminal": false, "emitted_at": now, "seq": 1,
                }));
                accepted.push(Accepted {
                    job_id: *candidate,
                    deduplicated: false,
                });
            } else {
                let existing: Uuid = sqlx::query_scalar(
                    "SELECT job_id FROM orchestrator_jobs WHERE correlation_id = $1 AND idempotency_key = $2",
                )
                .bind(job.owner.as_str())
                .bind(job.idempotency_key.as_ref().map(IdempotencyKey::as_str))
                .fetch_one(&mut **tx)
                .await?;
                accepted.push(Accepted {
                    job_id: existing.into(),
                    deduplicated: true,
                });
            }
        }
        sqlx::query(
            "INSERT INTO orchestrator_outbox (subject, msg_id, payload)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::jsonb[])",
        )
        .bind(subjects)
        .bind(msg_ids)
        .bind(payloads)
        .execute(&mut **tx)
        .await?;
        Ok(accepted)
    }
}
