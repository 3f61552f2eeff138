//! Starting and finishing attempts, many jobs per transaction (the SQL is in
//! `transitions.rs`). A job starts only from a state that may start (pending, retrying), and an
//! outcome is recorded only while the attempt is still the job's current one and its worker
//! still holds the lease, so a stale or duplicate attempt never overwrites a newer one and a
//! terminal job never changes. Every applied transition bumps the job's `seq` and queues its
//! status event (and any result, failure and dead letter) in the same commit.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{JobStore, StoreError};
use crate::domain::{JobId, JobState};
use crate::outbox::Outbox;

/// A running attempt, as granted by [`JobStore::start_attempts`].
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

/// What [`JobStore::transition`] did: per started job its attempt (or `None`), per finished
/// attempt the job's new state (or `None` when stale).
pub type Transitioned = (Vec<Option<Attempt>>, Vec<Option<JobState>>);

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
    /// The attempt ran past its job type's timeout (retried like any failure).
    TimedOut(String),
    /// The stored payload does not fit the job type (never retried).
    InvalidPayload(String),
}

impl JobStore {
    /// Starts the next attempt of each of `job_ids` for `worker_id`, leased until
    /// `lease_until`, in one transaction. Per job, in order: the attempt, or `None` when the
    /// job is not waiting to run (running elsewhere, finished, unknown, or named twice).
    pub async fn start_attempts(
        &self,
        worker_id: &str,
        lease_until: DateTime<Utc>,
        job_ids: &[JobId],
    ) -> Result<Vec<Option<Attempt>>, StoreError> {
        Ok(self
            .transition(worker_id, lease_until, job_ids, &[])
            .await?
            .0)
    }

    /// Records how each attempt ended, in one transaction. Per attempt, in order: the job's
    /// new state, or `None` when the attempt was stale (no longer current, or `worker_id`
    /// lost its lease, or the job was cancelled); a stale outcome is ignored.
    pub async fn finish_attempts(
        &self,
        worker_id: &str,
        finished: &[(Attempt, Outcome)],
    ) -> Result<Vec<Option<JobState>>, StoreError> {
        let now = Utc::now();
        Ok(self.transition(worker_id, now, &[], finished).await?.1)
    }

    /// Finishes `finished` and starts `job_ids` (leased until `lease_until`) in one
    /// transaction: a worker's whole round of transitions shares one commit. Answers as
    /// [`JobStore::start_attempts`] and [`JobStore::finish_attempts`] do.
    pub async fn transition(
        &self,
        worker_id: &str,
        lease_until: DateTime<Utc>,
        job_ids: &[JobId],
        finished: &[(Attempt, Outcome)],
    ) -> Result<Transitioned, StoreError> {
        let mut tx = self.pool().begin().await?;
        let mut outbox = Outbox::default();
        let states = self
            .finish_in(&mut tx, &mut outbox, worker_id, finished)
            .await?;
        let started = self
            .start_in(&mut tx, &mut outbox, worker_id, lease_until, job_ids)
            .await?;
        self.commit(tx, outbox).await?;
        Ok((started, states))
    }

    /// Starts one attempt; see [`JobStore::start_attempts`].
    pub async fn start_attempt(
        &self,
        job_id: JobId,
        worker_id: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Attempt>, StoreError> {
        let mut started = self
            .start_attempts(worker_id, lease_until, &[job_id])
            .await?;
        Ok(started.pop().flatten())
    }

    /// Finishes one attempt; see [`JobStore::finish_attempts`].
    pub async fn finish_attempt(
        &self,
        attempt: &Attempt,
        worker_id: &str,
        outcome: Outcome,
    ) -> Result<Option<JobState>, StoreError> {
        let mut states = self
            .finish_attempts(worker_id, &[(attempt.clone(), outcome)])
            .await?;
        Ok(states.pop().flatten())
    }
}
