//! Operations: what an operator sees of the job system, for every user at once — jobs by type
//! and state with backlog and throughput, the live workers, every user's jobs and dead letters
//! — and replaying a dead letter. Everything is asked of job-orchestrator with the backend's
//! service credential, naming no user and setting `all_users`; job-orchestrator trusts that
//! credential, so the operator role must be checked before any of this is called
//! (`api::ops` takes [`crate::auth::Operator`]). Nothing here knows about HTTP.

mod model;

use exobrain_proto::job_orchestrator as pb;

pub use model::{
    DeadLetterPage, DeadLetterRow, JobPage, JobRow, JobTypeOverview, Overview, PoolLoad,
    StateCounts, WorkerRow,
};

use crate::upstream::Upstreams;

/// The window the overview counts finished jobs over, in seconds.
pub const OVERVIEW_WINDOW_SECONDS: u32 = 300;

/// The call to job-orchestrator that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsCall {
    /// `GetJobStats` or `ListWorkers`.
    Overview,
    /// `ListJobs`.
    Jobs,
    /// `ListDeadLetters`.
    DeadLetters,
    /// `ReplayDeadLetter`.
    Replay,
}

/// Everything an operations request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// A filter or cursor was refused; the text says which.
    #[error("{0}")]
    Invalid(String),
    /// No dead letter has that id.
    #[error("dead letter not found")]
    DeadLetterNotFound,
    /// The dead letter was replayed already, or its job is gone.
    #[error("dead letter already replayed or no longer replayable")]
    NotReplayable,
    /// job-orchestrator refused or failed a call.
    #[error("{call:?} failed ({code:?}): {detail}")]
    Upstream {
        /// Which call.
        call: OpsCall,
        /// Its status code.
        code: tonic::Code,
        /// The upstream message, for the log only.
        detail: String,
    },
}

impl OpsError {
    fn upstream(call: OpsCall) -> impl Fn(tonic::Status) -> OpsError {
        move |status| match (call, status.code()) {
            (OpsCall::Replay, tonic::Code::NotFound) => OpsError::DeadLetterNotFound,
            (OpsCall::Replay, tonic::Code::FailedPrecondition) => OpsError::NotReplayable,
            (OpsCall::Jobs | OpsCall::DeadLetters, tonic::Code::InvalidArgument) => {
                OpsError::Invalid("invalid cursor or filter".to_owned())
            }
            (_, code) => OpsError::Upstream {
                call,
                code,
                detail: status.message().to_owned(),
            },
        }
    }

    /// Whether retrying later may help (the job service is unreachable or slow).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            OpsError::Upstream {
                code: tonic::Code::Unavailable | tonic::Code::DeadlineExceeded,
                ..
            }
        )
    }
}

/// Filters of the every-user job listing.
#[derive(Debug, Clone, Default)]
pub struct JobsQuery {
    /// Only jobs in this state.
    pub state: Option<pb::JobLifecycleState>,
    /// Only jobs of this type.
    pub job_type: Option<String>,
    /// Jobs per page.
    pub limit: u32,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Filters of the every-user dead letter listing.
#[derive(Debug, Clone, Default)]
pub struct DeadLettersQuery {
    /// Only dead letters of this job type.
    pub job_type: Option<String>,
    /// Dead letters per page.
    pub limit: u32,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The operator's view of the job system, cheap to clone.
#[derive(Debug, Clone)]
pub struct Operations {
    upstreams: Upstreams,
}

impl Operations {
    /// Operations over `upstreams`.
    pub fn new(upstreams: Upstreams) -> Self {
        Self { upstreams }
    }

    /// Jobs by type and state over every user, and the live workers.
    pub async fn overview(&self) -> Result<Overview, OpsError> {
        let mut jobs = self.upstreams.jobs();
        let stats = jobs
            .get_job_stats(
                self.upstreams
                    .jobs_request_for_operator(pb::GetJobStatsRequest {
                        window_seconds: OVERVIEW_WINDOW_SECONDS,
                    }),
            )
            .await
            .map_err(OpsError::upstream(OpsCall::Overview))?
            .into_inner();
        let workers = jobs
            .list_workers(
                self.upstreams
                    .jobs_request_for_operator(pb::ListWorkersRequest {}),
            )
            .await
            .map_err(OpsError::upstream(OpsCall::Overview))?
            .into_inner();
        Ok(Overview::of(stats, workers))
    }

    /// One page of every user's jobs, newest first.
    pub async fn jobs(&self, query: JobsQuery) -> Result<JobPage, OpsError> {
        let request = pb::ListJobsRequest {
            user_id: String::new(),
            state: query.state.map(|state| state as i32),
            job_type: query.job_type.unwrap_or_default(),
            page_size: query.limit,
            page_token: query.cursor.unwrap_or_default(),
            all_users: true,
        };
        let reply = self
            .upstreams
            .jobs()
            .list_jobs(self.upstreams.jobs_request_for_operator(request))
            .await
            .map_err(OpsError::upstream(OpsCall::Jobs))?
            .into_inner();
        Ok(JobPage::of(reply))
    }

    /// One page of every user's dead letters, newest first.
    pub async fn dead_letters(&self, query: DeadLettersQuery) -> Result<DeadLetterPage, OpsError> {
        let request = pb::ListDeadLettersRequest {
            user_id: String::new(),
            job_type: query.job_type.unwrap_or_default(),
            page_size: query.limit,
            page_token: query.cursor.unwrap_or_default(),
            all_users: true,
        };
        let reply = self
            .upstreams
            .jobs()
            .list_dead_letters(self.upstreams.jobs_request_for_operator(request))
            .await
            .map_err(OpsError::upstream(OpsCall::DeadLetters))?
            .into_inner();
        Ok(DeadLetterPage::of(reply))
    }

    /// Replays dead letter `id` (any user's) as a new job; returns the new job's id.
    pub async fn replay(&self, id: uuid::Uuid) -> Result<String, OpsError> {
        let request = pb::ReplayDeadLetterRequest {
            dead_letter_id: id.to_string(),
            user_id: String::new(),
            all_users: true,
        };
        let reply = self
            .upstreams
            .jobs()
            .replay_dead_letter(self.upstreams.jobs_request_for_operator(request))
            .await
            .map_err(OpsError::upstream(OpsCall::Replay))?
            .into_inner();
        tracing::info!(dead_letter_id = %id, job_id = %reply.job_id, "dead letter replayed by an operator");
        Ok(reply.job_id)
    }
}
