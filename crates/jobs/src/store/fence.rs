//! The fencing token of a handler's writes to the job database: a write made for an attempt
//! applies only while that attempt is the job's current one (status `started`, same attempt
//! number) and its worker holds the lease, checked in the same statement as the write. A
//! handler that lost its lease (cancelled, taken over) then writes nothing a newer attempt
//! would see.

use super::Attempt;
use crate::domain::JobId;

/// The attempt a fenced write is made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The job.
    pub job_id: JobId,
    /// The attempt number, from 1.
    pub attempt: i32,
    /// The worker running it (the lease owner).
    pub worker_id: String,
}

impl Fence {
    /// The fence of `attempt` run by `worker_id`.
    pub fn of(attempt: &Attempt, worker_id: &str) -> Self {
        Self {
            job_id: attempt.job_id,
            attempt: attempt.attempt,
            worker_id: worker_id.to_owned(),
        }
    }
}
