//! Batches: several jobs of one owner accepted in one transaction under one batch id, and the
//! batch read back with each job's snapshot in request order. The same owner and batch key
//! always name the batch created first, with the same job ids.

use sqlx::Row;
use uuid::Uuid;

use super::Scope;
use super::snapshot::SNAPSHOT_COLUMNS;
use super::{Accepted, JobSnapshot, JobStore, RequestError, StoreError};
use crate::domain::{BatchCounts, BatchId, IdempotencyKey, NewJob, UserId};
use crate::outbox::Outbox;

/// The outcome of accepting a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedBatch {
    /// The batch (an existing one when deduplicated).
    pub batch_id: BatchId,
    /// Its jobs in request order.
    pub jobs: Vec<Accepted>,
    /// True when the batch key matched a batch accepted earlier; nothing new was stored.
    pub deduplicated: bool,
}

/// A batch with the current snapshot of each of its jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSnapshot {
    /// The batch.
    pub batch_id: BatchId,
    /// Its jobs in request order.
    pub jobs: Vec<JobSnapshot>,
}

impl BatchSnapshot {
    /// The jobs counted by phase.
    pub fn counts(&self) -> BatchCounts {
        BatchCounts::tally(self.jobs.iter().map(|job| job.state))
    }
}

impl JobStore {
    /// Accepts `jobs` of `owner` as a new batch in one transaction. With `key`, a batch the
    /// owner created earlier with the same key is returned instead (whatever jobs this call
    /// lists). Each job's own idempotency key still applies: such a job may already exist.
    pub async fn enqueue_batch(
        &self,
        jobs: &[NewJob],
        owner: &UserId,
        key: Option<&IdempotencyKey>,
    ) -> Result<AcceptedBatch, StoreError> {
        self.accept_batch(BatchId::new(), jobs, owner, key).await
    }

    pub(super) async fn accept_batch(
        &self,
        batch_id: BatchId,
        jobs: &[NewJob],
        owner: &UserId,
        key: Option<&IdempotencyKey>,
    ) -> Result<AcceptedBatch, StoreError> {
        let mut tx = self.pool().begin().await?;
        // Claiming the key first makes a concurrent twin wait here for this commit, then
        // find the finished batch below.
        let created: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO orchestrator_job_batches (batch_id, correlation_id, idempotency_key, job_count)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (correlation_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
             RETURNING batch_id",
        )
        .bind(batch_id.as_uuid())
        .bind(owner.as_str())
        .bind(key.map(IdempotencyKey::as_str))
        .bind(i32::try_from(jobs.len()).unwrap_or(i32::MAX))
        .fetch_optional(&mut *tx)
        .await?;
        if created.is_none() {
            let row = sqlx::query(
                "SELECT batch_id, job_ids FROM orchestrator_job_batches
                 WHERE correlation_id = $1 AND idempotency_key = $2",
            )
            .bind(owner.as_str())
            .bind(key.map(IdempotencyKey::as_str))
            .fetch_one(&mut *tx)
            .await?;
            let job_ids: Vec<Uuid> = row.try_get("job_ids")?;
            return Ok(AcceptedBatch {
                batch_id: BatchId::from(row.try_get::<Uuid, _>("batch_id")?),
                jobs: job_ids
                    .into_iter()
                    .map(|id| Accepted {
                        job_id: id.into(),
                        deduplicated: true,
                    })
                    .collect(),
                deduplicated: true,
            });
        }
        let mut outbox = Outbox::default();
        let accepted = self
            .insert_jobs(&mut tx, &mut outbox, jobs, Some(batch_id))
            .await?;
        sqlx::query("UPDATE orchestrator_job_batches SET job_ids = $2 WHERE batch_id = $1")
            .bind(batch_id.as_uuid())
            .bind(
                accepted
                    .iter()
                    .map(|job| job.job_id.as_uuid())
                    .collect::<Vec<_>>(),
            )
            .execute(&mut *tx)
            .await?;
        self.commit(tx, outbox).await?;
        Ok(AcceptedBatch {
            batch_id,
            jobs: accepted,
            deduplicated: false,
        })
    }

    /// Batch `batch_id` with its jobs' snapshots, if it is in `scope`.
    pub async fn batch(
        &self,
        batch_id: BatchId,
        scope: impl Into<Scope>,
    ) -> Result<BatchSnapshot, RequestError> {
        let scope: Scope = scope.into();
        let not_found = || RequestError::NotFound {
            what: "batch",
            id: batch_id.to_string(),
        };
        let row = sqlx::query(
            "SELECT correlation_id, job_ids FROM orchestrator_job_batches WHERE batch_id = $1",
        )
        .bind(batch_id.as_uuid())
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(not_found)?;
        if !scope.permits(&row.try_get::<String, _>("correlation_id")?) {
            return Err(RequestError::NotOwner {
                what: "batch",
                id: batch_id.to_string(),
            });
        }
        let job_ids: Vec<Uuid> = row.try_get("job_ids")?;
        let rows = sqlx::query(&format!(
            "SELECT {SNAPSHOT_COLUMNS}
             FROM UNNEST($1::uuid[]) WITH ORDINALITY AS member(job_id, position)
             JOIN orchestrator_jobs USING (job_id)
             ORDER BY member.position"
        ))
        .bind(job_ids)
        .fetch_all(self.pool())
        .await?;
        let jobs = rows
            .iter()
            .map(JobSnapshot::from_row)
            .collect::<Result<_, _>>()?;
        Ok(BatchSnapshot { batch_id, jobs })
    }
}
