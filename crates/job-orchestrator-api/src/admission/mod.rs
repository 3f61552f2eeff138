//! Admission: whether new jobs of a user may be accepted at all, decided before anything is
//! stored. First the job-type policy ([`policy`]), then backpressure ([`queues`]): a user's
//! unfinished jobs plus the new ones may not exceed `JOB_MAX_QUEUED_PER_USER`, and a job
//! type's requests waiting in JetStream may not exceed `JOB_MAX_BACKLOG`. Both counts are
//! read from caches refreshed about once a second, so concurrent requests may overshoot a
//! limit by what arrives within that second: the limits bound a runaway client and an
//! overloaded system, they are not exact quotas.

pub mod policy;
pub mod queues;

use exobrain_jobs::domain::{JobType, UserId};
use exobrain_jobs::store::JobStore;

use crate::grpc::error::ApiError;
pub use policy::JobPolicy;
pub use queues::{Backlog, OpenJobs};

/// Default of `JOB_MAX_QUEUED_PER_USER`.
pub const DEFAULT_MAX_QUEUED_PER_USER: u64 = 10_000;
/// Default of `JOB_MAX_BACKLOG`.
pub const DEFAULT_MAX_BACKLOG: u64 = 1_000_000;

/// The admission rules of this deployment.
#[derive(Debug, Clone)]
pub struct Admission {
    policy: JobPolicy,
    max_queued_per_user: u64,
    max_backlog: u64,
    open_jobs: OpenJobs,
    backlog: Backlog,
}

impl Admission {
    /// Rules from `policy`, a queue limit of `max_queued_per_user` unfinished jobs per user
    /// and `max_backlog` waiting requests per job type (as `backlog` reads them).
    pub fn new(
        policy: JobPolicy,
        max_queued_per_user: u64,
        max_backlog: u64,
        backlog: Backlog,
    ) -> Self {
        Self {
            policy,
            max_queued_per_user,
            max_backlog,
            open_jobs: OpenJobs::default(),
            backlog,
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
        let job_types: Vec<&JobType> = job_types.into_iter().collect();
        if let Some(denied) = job_types
            .iter()
            .find(|job_type| !self.policy.allows(job_type, owner))
        {
            return Err(ApiError::Denied {
                job_type: denied.to_string(),
                user: owner.to_string(),
            });
        }
        for job_type in &job_types {
            let backlog = self.backlog.get(&store.request_subject(job_type.as_str()));
            if backlog >= self.max_backlog {
                return Err(ApiError::Backlogged {
                    job_type: job_type.to_string(),
                    backlog,
                    limit: self.max_backlog,
                });
            }
        }
        let open = self
            .open_jobs
            .get(store, owner, self.max_queued_per_user)
            .await?;
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

    /// Counts `accepted` new jobs of `owner` until their queue is counted again.
    pub fn accepted(&self, owner: &UserId, accepted: usize) {
        self.open_jobs
            .add(owner, i64::try_from(accepted).unwrap_or(i64::MAX));
    }

    /// Counts `finished` jobs of `owner` that this process ended (cancelled) as gone at once.
    pub fn finished(&self, owner: &UserId, finished: usize) {
        self.open_jobs
            .add(owner, -i64::try_from(finished).unwrap_or(i64::MAX));
    }
}
