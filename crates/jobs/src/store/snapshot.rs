//! Reading a job's current state for its owner, and the row mapping every job listing shares.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::Scope;
use super::{JobStore, StoreError};
use crate::domain::{JobId, JobState};

/// A job's current lifecycle snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSnapshot {
    /// The job.
    pub job_id: JobId,
    /// Its type.
    pub job_type: String,
    /// The user it runs for.
    pub owner: String,
    /// Current state.
    pub state: JobState,
    /// Attempts started so far.
    pub attempt: i32,
    /// Last user-facing detail (error summary), empty when none.
    pub detail: String,
    /// Sequence number of the last transition.
    pub seq: i64,
    /// When it was accepted.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The columns [`JobSnapshot::from_row`] reads, for `SELECT` and `RETURNING` lists.
pub(super) const SNAPSHOT_COLUMNS: &str =
    "job_id, job_type, correlation_id, status, is_terminal, attempt,
     COALESCE(last_error, '') AS detail, seq, created_at, updated_at";

impl JobSnapshot {
    /// Reads a row selected with [`SNAPSHOT_COLUMNS`].
    pub(super) fn from_row(row: &PgRow) -> Result<Self, StoreError> {
        let job_id = JobId::from(row.try_get::<Uuid, _>("job_id")?);
        let status: String = row.try_get("status")?;
        let state = JobState::from_db(&status, row.try_get("is_terminal")?).ok_or_else(|| {
            StoreError::Corrupt {
                job_id: job_id.to_string(),
                what: "status",
            }
        })?;
        Ok(Self {
            job_id,
            job_type: row.try_get("job_type")?,
            owner: row.try_get("correlation_id")?,
            state,
            attempt: row.try_get("attempt")?,
            detail: row.try_get("detail")?,
            seq: row.try_get("seq")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

impl JobStore {
    /// The snapshot of `job_id`, if it is in `scope`.
    pub async fn snapshot(
        &self,
        job_id: JobId,
        scope: impl Into<Scope>,
    ) -> Result<JobSnapshot, StoreError> {
        let scope: Scope = scope.into();
        let row = sqlx::query(&format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM orchestrator_jobs WHERE job_id = $1"
        ))
        .bind(job_id.as_uuid())
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(job_id.to_string()))?;
        if !scope.permits(&row.try_get::<String, _>("correlation_id")?) {
            return Err(StoreError::NotOwner(job_id.to_string()));
        }
        JobSnapshot::from_row(&row)
    }
}

impl JobStore {
    /// Whether the job with this id is finished (terminal), whoever owns it; `None` when no
    /// such job exists.
    pub async fn is_finished(&self, job_id: JobId) -> Result<Option<bool>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT is_terminal FROM orchestrator_jobs WHERE job_id = $1")
                .bind(job_id.as_uuid())
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
