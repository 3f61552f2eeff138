//! Cancelling a job for its owner. The job row is locked, checked against the state machine
//! and moved to `cancelled` (terminal, next seq, lease cleared, checkpoints deleted) with its
//! status event queued in the same commit. A worker still running the job loses its lease with it: the worker's
//! finishing update requires `status = 'started'` and is then ignored.

use sqlx::Row;

use super::Scope;
use super::snapshot::SNAPSHOT_COLUMNS;
use super::{JobSnapshot, JobStore, RequestError, StoreError};
use crate::domain::{JobId, JobState};
use crate::outbox::Outbox;

/// The detail recorded on a cancelled job.
pub const CANCELLED_DETAIL: &str = "cancelled by its owner";

impl JobStore {
    /// Cancels `job_id` if it is in `scope` and has not finished; returns the new snapshot.
    pub async fn cancel(
        &self,
        job_id: JobId,
        scope: impl Into<Scope>,
    ) -> Result<JobSnapshot, RequestError> {
        let scope: Scope = scope.into();
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "SELECT correlation_id, status, is_terminal FROM orchestrator_jobs WHERE job_id = $1 FOR UPDATE",
        )
        .bind(job_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(job_id.to_string()))?;
        if !scope.permits(&row.try_get::<String, _>("correlation_id")?) {
            return Err(StoreError::NotOwner(job_id.to_string()).into());
        }
        let status: String = row.try_get("status")?;
        let state = JobState::from_db(&status, row.try_get("is_terminal")?).ok_or_else(|| {
            StoreError::Corrupt {
                job_id: job_id.to_string(),
                what: "status",
            }
        })?;
        if !state.can_become(JobState::Cancelled) {
            return Err(RequestError::AlreadyFinished {
                job_id: job_id.to_string(),
                state,
            });
        }
        let cancelled = JobState::Cancelled;
        let row = sqlx::query(&format!(
            "UPDATE orchestrator_jobs
             SET status = $2, is_terminal = TRUE, terminal_reason = $2, seq = seq + 1,
                 last_error = $3, completed_at = NOW(), lease_owner = NULL,
                 lease_expires_at = NULL, updated_at = NOW()
             WHERE job_id = $1
             RETURNING {SNAPSHOT_COLUMNS}"
        ))
        .bind(job_id.as_uuid())
        .bind(cancelled.as_db())
        .bind(CANCELLED_DETAIL)
        .fetch_one(&mut *tx)
        .await?;
        let snapshot = JobSnapshot::from_row(&row)?;
        sqlx::query(
            "UPDATE orchestrator_job_attempts SET finished_at = NOW(), outcome = 'cancelled'
             WHERE job_id = $1 AND finished_at IS NULL",
        )
        .bind(job_id.as_uuid())
        .execute(&mut *tx)
        .await?;
        self.delete_checkpoints(&mut tx, &[job_id]).await?;
        let mut outbox = Outbox::default();
        self.queue_status_event(
            &mut outbox,
            job_id,
            cancelled,
            snapshot.attempt,
            &snapshot.detail,
            snapshot.seq,
        );
        self.commit(tx, outbox).await?;
        Ok(snapshot)
    }
}
