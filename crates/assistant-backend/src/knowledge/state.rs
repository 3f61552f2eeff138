//! The lifecycle state of a knowledge update job as the backend records it: the orchestrator's
//! states under their wire names (the names the watch stream and `knowledge_jobs.state` use).

use exobrain_proto::job_orchestrator::JobLifecycleState;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Accepted, not running yet.
    EnqueuedOrPending,
    /// An attempt is running.
    Started,
    /// An attempt failed; another will follow.
    Retrying,
    /// Done: its messages are in the knowledge base.
    Succeeded,
    /// Failed for good: its messages may be sent again.
    FailedFinal,
    /// Cancelled by its owner: its messages may be sent again.
    Cancelled,
}

impl JobState {
    /// The wire (and stored) name, e.g. `FAILED_FINAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::EnqueuedOrPending => "ENQUEUED_OR_PENDING",
            JobState::Started => "STARTED",
            JobState::Retrying => "RETRYING",
            JobState::Succeeded => "SUCCEEDED",
            JobState::FailedFinal => "FAILED_FINAL",
            JobState::Cancelled => "CANCELLED",
        }
    }

    /// Whether the job will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::FailedFinal | JobState::Cancelled
        )
    }

    /// The state of a wire enum value; `None` for a value this build does not know.
    pub fn from_wire(value: i32) -> Option<Self> {
        Some(match JobLifecycleState::try_from(value).ok()? {
            JobLifecycleState::EnqueuedOrPending => JobState::EnqueuedOrPending,
            JobLifecycleState::Started => JobState::Started,
            JobLifecycleState::Retrying => JobState::Retrying,
            JobLifecycleState::Succeeded => JobState::Succeeded,
            JobLifecycleState::FailedFinal => JobState::FailedFinal,
            JobLifecycleState::Cancelled => JobState::Cancelled,
        })
    }
}
