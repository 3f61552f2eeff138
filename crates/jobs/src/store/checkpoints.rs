//! Handler checkpoints in `orchestrator_job_checkpoints`, keyed by job and key. A write is
//! fenced by the attempt (see [`Fence`]): it applies only while the attempt is the job's
//! current one held by its worker, checked in the same statement under a share lock of the
//! job row, so a lease expiry, a cancel or the attempt's own outcome cannot slip in between;
//! and a stored key is overwritten only by an equal or newer attempt. Reads are not fenced
//! (a stale attempt reading does no harm). Checkpoints live as long as the job runs: every
//! transition that makes a job terminal deletes them in its own transaction
//! ([`JobStore::delete_checkpoints`]), while a retrying job keeps them for its next attempt.
//!
//! Driver errors are translated here into [`CheckpointError::Unavailable`], their cause
//! logged.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::{Postgres, Transaction};

use super::{Fence, JobStore, StoreError};
use crate::domain::{CheckpointError, CheckpointKey, CheckpointValue, JobId};

impl JobStore {
    /// Every checkpoint of `job_id`, by key.
    pub async fn checkpoints(
        &self,
        job_id: JobId,
    ) -> Result<HashMap<String, Value>, CheckpointError> {
        let rows: Vec<(String, Value)> =
            sqlx::query_as("SELECT key, value FROM orchestrator_job_checkpoints WHERE job_id = $1")
                .bind(job_id.as_uuid())
                .fetch_all(self.pool())
                .await
                .map_err(|error| unavailable(job_id, "read", &error))?;
        Ok(rows.into_iter().collect())
    }

    /// The checkpoint of `job_id` stored under `key`, if any.
    pub async fn checkpoint(
        &self,
        job_id: JobId,
        key: &CheckpointKey,
    ) -> Result<Option<Value>, CheckpointError> {
        sqlx::query_scalar(
            "SELECT value FROM orchestrator_job_checkpoints WHERE job_id = $1 AND key = $2",
        )
        .bind(job_id.as_uuid())
        .bind(key.as_str())
        .fetch_optional(self.pool())
        .await
        .map_err(|error| unavailable(job_id, "read", &error))
    }

    /// Stores `value` under `key` for the attempt `fence` stands for. [`CheckpointError::Stale`]
    /// (nothing written) when the attempt is no longer the job's current one held by its
    /// worker, or a newer attempt already stored the key.
    pub async fn put_checkpoint(
        &self,
        fence: &Fence,
        key: &CheckpointKey,
        value: &CheckpointValue,
    ) -> Result<(), CheckpointError> {
        let written: bool = sqlx::query_scalar(
            "WITH current AS (
                 SELECT job_id FROM orchestrator_jobs
                 WHERE job_id = $1 AND attempt = $2 AND status = 'started' AND lease_owner = $3
                 FOR SHARE
             ), written AS (
                 INSERT INTO orchestrator_job_checkpoints AS stored (job_id, key, value, attempt)
                 SELECT job_id, $4, $5::jsonb, $2 FROM current
                 ON CONFLICT (job_id, key) DO UPDATE
                 SET value = excluded.value, attempt = excluded.attempt, created_at = NOW()
                 WHERE excluded.attempt >= stored.attempt
                 RETURNING 1
             )
             SELECT EXISTS (SELECT 1 FROM written)",
        )
        .bind(fence.job_id.as_uuid())
        .bind(fence.attempt)
        .bind(&fence.worker_id)
        .bind(key.as_str())
        .bind(value.as_json())
        .fetch_one(self.pool())
        .await
        .map_err(|error| unavailable(fence.job_id, "write", &error))?;
        if written {
            Ok(())
        } else {
            Err(CheckpointError::Stale)
        }
    }

    /// Deletes the checkpoints of `job_ids` inside `tx`: called by every transition that
    /// makes a job terminal.
    pub(super) async fn delete_checkpoints(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        job_ids: &[JobId],
    ) -> Result<(), StoreError> {
        if job_ids.is_empty() {
            return Ok(());
        }
        sqlx::query("DELETE FROM orchestrator_job_checkpoints WHERE job_id = ANY($1)")
            .bind(job_ids.iter().map(JobId::as_uuid).collect::<Vec<_>>())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// Logs a database failure of a checkpoint `operation` and reports it as unavailable.
fn unavailable(job_id: JobId, operation: &str, error: &sqlx::Error) -> CheckpointError {
    tracing::warn!(%job_id, %error, operation, "checkpoint store failed");
    CheckpointError::Unavailable
}
