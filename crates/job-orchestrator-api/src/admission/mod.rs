//! Admission: whether new jobs of a user may be accepted at all, decided before anything is
//! stored. First the job-type policy ([`policy`]), then backpressure: a user's unfinished jobs
//! plus the new ones may not exceed `JOB_MAX_QUEUED_PER_USER`. The queue limit is checked
//! against a count read just before the insert, so concurrent requests of one user may
//! overshoot it by their own size; it bounds a runaway client, it is not an exact quota.

pub mod policy;

use exobrain_jobs::domain::{JobType, UserId};
use exobrain_jobs::store::JobStore;

use crate::grpc::error::ApiError;
pub use policy::JobPolicy;

/// Default of `JOB_MAX_QUEUED_PER_USER`.
pub const DEFAULT_MAX_QUEUED_PER_USER: u64 = 10_000;

/// The admission rules of this deployment.
#[derive(Debug, Clone)]
pub struct Admission {
    policy: JobPolicy,
    max_queued_per_user: u64,
}

impl Admission {
    /// Rules from `policy` and a queue limit of `max_queued_per_user` unfinished jobs.
    pub fn new(policy: JobPolicy, max_queued_per_user: u64) -> Self {
        Self {
            policy,
            max_queued_per_user,
        }
    }

    /// Checks that `owner` may add `count` jobs of `job_types` (one entry per job, or each
    /// distinct type once) to their queue.
    pub async fn admit<'a>(
        &self,
        store: &JobStore,
        owner: &UserId,
        job_types: impl IntoIterator<Item = &'a JobType>,
        count: usize,
    ) -> Result<(), ApiError> {
        if let Some(denied) = job_types
            .into_iter()
            .find(|job_type| !self.policy.allows(job_type, owner))
        {
            return Err(ApiError::Denied {
                job_type: denied.to_string(),
                user: owner.to_string(),
            });
        }
        let open = store.open_jobs(owner).await?;
        let requested = u64::try_from(count).unwrap_or(u64::MAX);
        if open.saturating_add(requested) > self.max_queued_per_user {
            return Err(ApiError::QueueFull {
                user: owner.to_string(),
                open,
                requested,
                limit: self.max_queued_per_user,
            });
        }
        Ok(())
    }
}
