//! Attempt leases. A running attempt holds a lease that its worker renews while the handler
//! runs; a cancelled job or a newer attempt makes the renewal fail, which tells the worker to
//! stop. When a worker dies its leases expire and [`JobStore::expire_leases`] (the lease
//! monitor) makes those jobs eligible again: RETRYING with a fresh request message, or
//! FAILED_FINAL with a dead letter (and its checkpoints deleted) when the dead attempt was the
//! last. A worker that shuts down hands its unfinished attempts back with
//! [`JobStore::release_attempts`]: they do not count.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

use super::letters::NewLetter;
use super::messages::FinalFailure;
use super::{JobStore, StoreError};
use crate::domain::{JobId, JobState};
use crate::outbox::Outbox;

/// Detail recorded when a lease expired.
pub const LEASE_EXPIRED_DETAIL: &str = "the worker running this attempt stopped responding";

/// Detail recorded when a worker handed an attempt back at shutdown.
pub const RELEASED_DETAIL: &str = "interrupted by a worker shutdown; it will run again";

impl JobStore {
    /// Extends the leases `worker_id` holds on `running` (job, attempt) until `until`;
    /// returns the jobs whose lease is gone (cancelled, expired and taken over).
    pub async fn renew_leases(
        &self,
        worker_id: &str,
        running: &[(JobId, i32)],
        until: DateTime<Utc>,
    ) -> Result<Vec<JobId>, StoreError> {
        if running.is_empty() {
            return Ok(Vec::new());
        }
        let held: HashSet<Uuid> = sqlx::query_scalar(
            "UPDATE orchestrator_jobs AS j SET lease_expires_at = $3
             FROM UNNEST($1::uuid[], $2::int[]) AS t(job_id, attempt)
             WHERE j.job_id = t.job_id AND j.attempt = t.attempt AND j.status = 'started'
               AND j.lease_owner = $4
             RETURNING j.job_id",
        )
        .bind(job_ids(running))
        .bind(attempts(running))
        .bind(until)
        .bind(worker_id)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .collect();
        Ok(running
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| !held.contains(&id.as_uuid()))
            .collect())
    }

    /// Moves up to `limit` jobs whose lease expired back to RETRYING (with a new request
    /// message) or, when their last attempt died, to FAILED_FINAL with a dead letter. Safe to
    /// run from every worker at once. Returns the jobs handled with their new state.
    pub async fn expire_leases(&self, limit: i64) -> Result<Vec<(JobId, JobState)>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let rows = sqlx::query(
            "WITH expired AS (
                 SELECT job_id FROM orchestrator_jobs
                 WHERE status = 'started' AND lease_expires_at < NOW()
                 ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
             )
             UPDATE orchestrator_jobs AS j
             SET status = CASE WHEN j.attempt >= j.max_attempts THEN 'failed_final' ELSE 'retrying' END,
                 is_terminal = j.attempt >= j.max_attempts,
                 terminal_reason = CASE WHEN j.attempt >= j.max_attempts THEN 'max-attempts' END,
                 completed_at = CASE WHEN j.attempt >= j.max_attempts THEN NOW() END,
                 last_error = $2, seq = j.seq + 1, lease_owner = NULL, lease_expires_at = NULL,
                 updated_at = NOW()
             FROM expired WHERE j.job_id = expired.job_id
             RETURNING j.job_id, j.job_type, j.correlation_id, j.attempt, j.payload, j.seq, j.status",
        )
        .bind(limit)
        .bind(LEASE_EXPIRED_DETAIL)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        struct Expired {
            job_id: JobId,
            job_type: String,
            owner: String,
            attempt: i32,
            payload: Value,
            seq: i64,
            state: JobState,
        }
        let mut expired = Vec::with_capacity(rows.len());
        for row in &rows {
            let job_id = JobId::from(row.try_get::<Uuid, _>("job_id")?);
            let status: String = row.try_get("status")?;
            expired.push(Expired {
                job_id,
                job_type: row.try_get("job_type")?,
                owner: row.try_get("correlation_id")?,
                attempt: row.try_get("attempt")?,
                payload: row.try_get("payload")?,
                seq: row.try_get("seq")?,
                state: JobState::from_db(&status, status == "failed_final").ok_or_else(|| {
                    StoreError::Corrupt {
                        job_id: job_id.to_string(),
                        what: "status",
                    }
                })?,
            });
        }
        self.close_attempts(
            &mut tx,
            expired
                .iter()
                .map(|e| (e.job_id, e.attempt, "lease_expired", LEASE_EXPIRED_DETAIL)),
        )
        .await?;
        let letters: Vec<NewLetter<'_>> = expired
            .iter()
            .filter(|e| e.state == JobState::FailedFinal)
            .map(|e| {
                NewLetter::for_job(
                    e.job_id,
                    &e.job_type,
                    &e.owner,
                    "max-attempts",
                    LEASE_EXPIRED_DETAIL,
                    e.attempt,
                )
            })
            .collect();
        let letters = self.insert_dead_letters(&mut tx, &letters).await?;
        let ended: Vec<JobId> = expired
            .iter()
            .filter(|e| e.state == JobState::FailedFinal)
            .map(|e| e.job_id)
            .collect();
        self.delete_checkpoints(&mut tx, &ended).await?;
        let mut outbox = Outbox::default();
        for e in &expired {
            self.queue_status_event(
                &mut outbox,
                e.job_id,
                e.state,
                e.attempt,
                LEASE_EXPIRED_DETAIL,
                e.seq,
            );
            if e.state == JobState::Retrying {
                let job = (e.job_type.as_str(), e.owner.as_str(), &e.payload);
                self.queue_request(&mut outbox, e.job_id, job, e.attempt, Default::default());
            } else if let Some(letter) = letters.get(&Some(e.job_id)) {
                self.queue_final_failure(
                    &mut outbox,
                    &FinalFailure {
                        job_id: e.job_id,
                        job_type: &e.job_type,
                        owner: &e.owner,
                        attempt: e.attempt,
                        reason: "max-attempts",
                        detail: LEASE_EXPIRED_DETAIL,
                        dead_letter_id: *letter,
                    },
                );
            }
        }
        self.commit(tx, outbox).await?;
        Ok(expired.iter().map(|e| (e.job_id, e.state)).collect())
    }

    /// Hands `running` (job, attempt) attempts of `worker_id` back without counting them:
    /// each goes to RETRYING with one more attempt allowed. Returns the jobs released (an
    /// attempt that already finished or lost its lease is left alone).
    pub async fn release_attempts(
        &self,
        worker_id: &str,
        running: &[(JobId, i32)],
    ) -> Result<Vec<JobId>, StoreError> {
        if running.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool().begin().await?;
        let released: Vec<(Uuid, i32, i64)> = sqlx::query_as(
            "UPDATE orchestrator_jobs AS j
             SET status = 'retrying', max_attempts = j.max_attempts + 1, seq = j.seq + 1,
                 last_error = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = NOW()
             FROM UNNEST($1::uuid[], $2::int[]) AS t(job_id, attempt)
             WHERE j.job_id = t.job_id AND j.attempt = t.attempt AND j.status = 'started'
               AND j.lease_owner = $4
             RETURNING j.job_id, j.attempt, j.seq",
        )
        .bind(job_ids(running))
        .bind(attempts(running))
        .bind(RELEASED_DETAIL)
        .bind(worker_id)
        .fetch_all(&mut *tx)
        .await?;
        self.close_attempts(
            &mut tx,
            released.iter().map(|(id, attempt, _)| {
                (JobId::from(*id), *attempt, "interrupted", RELEASED_DETAIL)
            }),
        )
        .await?;
        let mut outbox = Outbox::default();
        for (id, attempt, seq) in &released {
            self.queue_status_event(
                &mut outbox,
                JobId::from(*id),
                JobState::Retrying,
                *attempt,
                RELEASED_DETAIL,
                *seq,
            );
        }
        self.commit(tx, outbox).await?;
        Ok(released
            .into_iter()
            .map(|(id, _, _)| JobId::from(id))
            .collect())
    }
}

/// The job ids of (job, attempt) pairs, as a query parameter.
fn job_ids(running: &[(JobId, i32)]) -> Vec<Uuid> {
    running.iter().map(|(id, _)| id.as_uuid()).collect()
}

/// The attempt numbers of (job, attempt) pairs, as a query parameter.
fn attempts(running: &[(JobId, i32)]) -> Vec<i32> {
    running.iter().map(|(_, attempt)| *attempt).collect()
}
