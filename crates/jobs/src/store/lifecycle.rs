//! Guarded lifecycle transitions. Each one is a single conditional `UPDATE` (the state must
//! be one the transition may start from, and a finishing attempt must still hold its lease),
//! so a stale or duplicate attempt can never overwrite a newer one, and a terminal job never
//! changes. Each applied transition bumps the job's `seq` and writes its status event (and any
//! result, failure or dead-letter message) to the outbox in the same commit.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{Postgres, Row, Transaction};

use super::outbox::push;
use super::{JobStore, StoreError};
use crate::domain::{JobId, JobState};

/// A running attempt, as granted by [`JobStore::start_attempt`].
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The job.
    pub job_id: JobId,
    /// Its type.
    pub job_type: String,
    /// The owner.
    pub owner: String,
    /// Attempt number, from 1.
    pub attempt: i32,
    /// Attempts allowed in total.
    pub max_attempts: i32,
    /// The payload to run.
    pub payload: Value,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The handler succeeded with this result summary.
    Succeeded(Value),
    /// The handler failed; `retry` says whether another attempt may follow.
    Failed {
        /// User-facing summary of the failure.
        detail: String,
        /// Whether the failure is worth another attempt.
        retry: bool,
    },
}

impl JobStore {
    /// Starts the next attempt of `job_id` for `worker_id` with a lease until `lease_until`.
    /// `None` when the job is not waiting to run (already running elsewhere, or finished).
    pub async fn start_attempt(
        &self,
        job_id: JobId,
        worker_id: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Attempt>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "UPDATE orchestrator_jobs
             SET status = 'started', attempt = attempt + 1, seq = seq + 1, lease_owner = $2,
                 lease_expires_at = $3, started_at = COALESCE(started_at, NOW()), updated_at = NOW()
             WHERE job_id = $1 AND status = ANY($4)
             RETURNING job_type, correlation_id, attempt, max_attempts, payload, seq",
        )
        .bind(job_id.as_uuid())
        .bind(worker_id)
        .bind(lease_until)
        .bind(db_states(&JobState::predecessors(JobState::Started)))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let attempt = Attempt {
            job_id,
            job_type: row.try_get("job_type")?,
            owner: row.try_get("correlation_id")?,
            attempt: row.try_get("attempt")?,
            max_attempts: row.try_get("max_attempts")?,
            payload: row.try_get("payload")?,
        };
        sqlx::query("INSERT INTO orchestrator_job_attempts (job_id, attempt, worker_id) VALUES ($1, $2, $3)")
            .bind(job_id.as_uuid())
            .bind(attempt.attempt)
            .bind(worker_id)
            .execute(&mut *tx)
            .await?;
        let seq: i64 = row.try_get("seq")?;
        self.push_status_event(&mut tx, job_id, JobState::Started, attempt.attempt, "", seq)
            .await?;
        tx.commit().await?;
        Ok(Some(attempt))
    }

    /// Records how `attempt` ended. Applied only if that attempt is still the job's current one
    /// and `worker_id` still holds the lease; returns the new state, or `None` when the attempt
    /// was stale (its outcome is then ignored).
    pub async fn finish_attempt(
        &self,
        attempt: &Attempt,
        worker_id: &str,
        outcome: Outcome,
    ) -> Result<Option<JobState>, StoreError> {
        let (next, detail, result) = match &outcome {
            Outcome::Succeeded(result) => {
                (JobState::Succeeded, String::new(), Some(result.clone()))
            }
            Outcome::Failed { detail, retry }
                if *retry && attempt.attempt < attempt.max_attempts =>
            {
                (JobState::Retrying, detail.clone(), None)
            }
            Outcome::Failed { detail, .. } => (JobState::FailedFinal, detail.clone(), None),
        };
        let terminal_reason =
            (next == JobState::FailedFinal).then_some(if attempt.attempt >= attempt.max_attempts {
                "max-attempts"
            } else {
                "not-retryable"
            });
        let mut tx = self.pool().begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "UPDATE orchestrator_jobs
             SET status = $4, is_terminal = $5, seq = seq + 1, result = $6,
                 last_error = NULLIF($7, ''), terminal_reason = $8,
                 completed_at = CASE WHEN $5 THEN NOW() END,
                 lease_owner = NULL, lease_expires_at = NULL, updated_at = NOW()
             WHERE job_id = $1 AND status = 'started' AND attempt = $2 AND lease_owner = $3
             RETURNING seq",
        )
        .bind(attempt.job_id.as_uuid())
        .bind(attempt.attempt)
        .bind(worker_id)
        .bind(next.as_db())
        .bind(next.is_terminal())
        .bind(&result)
        .bind(&detail)
        .bind(terminal_reason)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE orchestrator_job_attempts SET finished_at = NOW(), outcome = $3, error = NULLIF($4, '')
             WHERE job_id = $1 AND attempt = $2",
        )
        .bind(attempt.job_id.as_uuid())
        .bind(attempt.attempt)
        .bind(if next == JobState::Succeeded { "succeeded" } else { "failed" })
        .bind(&detail)
        .execute(&mut *tx)
        .await?;
        self.push_status_event(&mut tx, attempt.job_id, next, attempt.attempt, &detail, seq)
            .await?;
        match next {
            JobState::Succeeded => {
                let subject = self.event_subject(&attempt.job_type, "completed");
                let body = json!({ "job_id": attempt.job_id.to_string(), "job_type": attempt.job_type,
                                   "correlation_id": attempt.owner, "attempt": attempt.attempt, "result": result });
                push(
                    &mut tx,
                    &subject,
                    &format!("{}:completed", attempt.job_id),
                    body,
                )
                .await?;
            }
            _ => {
                if let Some(reason) = terminal_reason {
                    self.dead_letter(&mut tx, attempt, reason, &detail).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Some(next))
    }

    async fn dead_letter(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        attempt: &Attempt,
        reason: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let id: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO orchestrator_dead_letters (job_id, job_type, correlation_id, reason, detail, attempts)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(attempt.job_id.as_uuid())
        .bind(&attempt.job_type)
        .bind(&attempt.owner)
        .bind(reason)
        .bind(detail)
        .bind(attempt.attempt)
        .fetch_one(&mut **tx)
        .await?;
        let body = json!({ "job_id": attempt.job_id.to_string(), "job_type": attempt.job_type,
                           "correlation_id": attempt.owner, "attempt": attempt.attempt,
                           "reason": reason, "detail": detail, "dead_letter_id": id.to_string() });
        let failed = self.event_subject(&attempt.job_type, "failed");
        push(
            tx,
            &failed,
            &format!("{}:failed", attempt.job_id),
            body.clone(),
        )
        .await?;
        push(tx, &self.dlq_subject(), &id.to_string(), body).await
    }
}

fn db_states(states: &[JobState]) -> Vec<&'static str> {
    states.iter().map(|state| state.as_db()).collect()
}
