//! Reading a user's jobs in bulk: one page of them at a time, newest first, and how many are
//! still unfinished (for queue limits). Only the owner's own jobs are ever read.

use super::Scope;
use super::page::{Cursor, Page, PageRequest};
use super::snapshot::SNAPSHOT_COLUMNS;
use super::{JobSnapshot, JobStore, StoreError};
use crate::domain::{JobState, JobType, UserId};

/// Which of a user's jobs to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only jobs currently in this state.
    pub state: Option<JobState>,
    /// Only jobs of this type.
    pub job_type: Option<JobType>,
}

impl JobStore {
    /// One page of the jobs in `scope` matching `filter`, newest first.
    pub async fn list_jobs(
        &self,
        scope: impl Into<Scope>,
        filter: &JobFilter,
        page: PageRequest,
    ) -> Result<Page<JobSnapshot>, StoreError> {
        let scope: Scope = scope.into();
        let after = page.after();
        let rows = sqlx::query(&format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM orchestrator_jobs
             WHERE {owner}
               AND ($2::text IS NULL OR status = $2)
               AND ($3::text IS NULL OR job_type = $3)
               AND ($4::timestamptz IS NULL OR (created_at, job_id) < ($4, $5))
             ORDER BY created_at DESC, job_id DESC
             LIMIT $6",
            owner = scope.condition(1)
        ))
        .bind(scope.bound())
        .bind(filter.state.map(JobState::as_db))
        .bind(filter.job_type.as_ref().map(JobType::as_str))
        .bind(after.map(|cursor| cursor.created_at))
        .bind(after.map(|cursor| cursor.id))
        .bind(page.limit())
        .fetch_all(self.pool())
        .await?;
        let jobs = rows
            .iter()
            .map(JobSnapshot::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page.page(jobs, |job| Cursor {
            created_at: job.created_at,
            id: job.job_id.as_uuid(),
        }))
    }

    /// How many of `owner`'s jobs are not yet terminal, counting no further than `up_to`
    /// (the answer is then `up_to`), so the cost stays bounded for a user with a huge queue.
    pub async fn open_jobs(&self, owner: &UserId, up_to: u64) -> Result<u64, StoreError> {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (
                 SELECT 1 FROM orchestrator_jobs WHERE correlation_id = $1 AND NOT is_terminal LIMIT $2
             ) AS open",
        )
        .bind(owner.as_str())
        .bind(i64::try_from(up_to).unwrap_or(i64::MAX))
        .fetch_one(self.pool())
        .await?;
        Ok(u64::try_from(open).unwrap_or_default())
    }
}
