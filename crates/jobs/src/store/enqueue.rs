//! Accepting jobs: one transaction inserts every job of a call (deduplicating by owner and
//! idempotency key) and for each new job two outbox messages: the first status event (seq 1)
//! and the request envelope (`Nats-Msg-Id` = job id). Batch records are written by
//! `batches.rs` around the same insert. The insert is a database client span in the trace of
//! the request that enqueues.

use std::collections::{HashMap, HashSet};

use exobrain_common::telemetry::spans;
use sqlx::{Postgres, Transaction};
use tracing::Instrument;
use uuid::Uuid;

use super::{JobStore, StoreError};
use crate::domain::{BatchId, IdempotencyKey, JobId, JobState, NewJob, UserId};
use crate::outbox::Outbox;

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
        let mut outbox = Outbox::default();
        let accepted = self.insert_jobs(&mut tx, &mut outbox, jobs, None).await?;
        self.commit(tx, outbox).await?;
        Ok(accepted)
    }

    /// Inserts `jobs` inside `tx` (deduplicating by owner and idempotency key), tagging new
    /// ones with `batch_id`, and queues the first status event and the request of each new
    /// job, in that order, so the status event is out before any worker can see the request.
    pub(super) async fn insert_jobs(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        outbox: &mut Outbox,
        jobs: &[NewJob],
        batch_id: Option<BatchId>,
    ) -> Result<Vec<Accepted>, StoreError> {
        let candidates: Vec<JobId> = jobs.iter().map(|_| JobId::new()).collect();

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
        .instrument(spans::db("INSERT", "orchestrator_jobs"))
        .await?
        .into_iter()
        .collect();

        let existing = self
            .existing_keyed_jobs(tx, jobs, &candidates, &inserted)
            .await?;
        let mut accepted = Vec::with_capacity(jobs.len());
        for (job, candidate) in jobs.iter().zip(&candidates) {
            if !inserted.contains(&candidate.as_uuid()) {
                let key = job
                    .idempotency_key
                    .as_ref()
                    .map(|key| (job.owner.as_str().to_owned(), key.as_str().to_owned()));
                let job_id = key
                    .and_then(|key| existing.get(&key).copied())
                    .ok_or_else(|| StoreError::Corrupt {
                        job_id: candidate.to_string(),
                        what: "idempotency key (its job vanished)",
                    })?;
                accepted.push(Accepted {
                    job_id,
                    deduplicated: true,
                });
                continue;
            }
            self.queue_status_event(outbox, *candidate, JobState::Pending, 0, "", 1);
            self.queue_request(
                outbox,
                *candidate,
                (job.job_type.as_str(), job.owner.as_str(), &job.payload),
                0,
                job.trace_context.clone(),
            );
            accepted.push(Accepted {
                job_id: *candidate,
                deduplicated: false,
            });
        }
        Ok(accepted)
    }

    /// The jobs that already held the idempotency keys of the jobs that were not inserted,
    /// by (owner, key).
    async fn existing_keyed_jobs(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        jobs: &[NewJob],
        candidates: &[JobId],
        inserted: &HashSet<Uuid>,
    ) -> Result<HashMap<(String, String), JobId>, StoreError> {
        let keyed: Vec<(&str, &str)> = jobs
            .iter()
            .zip(candidates)
            .filter(|(_, candidate)| !inserted.contains(&candidate.as_uuid()))
            .filter_map(|(job, _)| {
                Some((job.owner.as_str(), job.idempotency_key.as_ref()?.as_str()))
            })
            .collect();
        if keyed.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(String, String, Uuid)> = sqlx::query_as(
            "SELECT j.correlation_id, j.idempotency_key, j.job_id
             FROM orchestrator_jobs AS j
             JOIN UNNEST($1::text[], $2::text[]) AS k(owner, key)
               ON j.correlation_id = k.owner AND j.idempotency_key = k.key",
        )
        .bind(keyed.iter().map(|(owner, _)| *owner).collect::<Vec<_>>())
        .bind(keyed.iter().map(|(_, key)| *key).collect::<Vec<_>>())
        .fetch_all(&mut **tx)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(owner, key, job_id)| ((owner, key), JobId::from(job_id)))
            .collect())
    }
}
