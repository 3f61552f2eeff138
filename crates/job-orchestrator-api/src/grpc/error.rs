//! Errors of the job orchestrator API boundary and their gRPC mapping.

use exobrain_common::auth::UserConflict;
use exobrain_common::error::{ErrorKind, ServiceError};
use exobrain_jobs::domain::InvalidField;
use exobrain_jobs::store::StoreError;

/// Why a request to the API failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// One or more request fields are invalid; each is named.
    #[error("{}", join(.0))]
    Invalid(Vec<InvalidField>),
    /// The job policy does not let this user enqueue this job type.
    #[error("job type `{job_type}` is not allowed for user {user} by the job policy")]
    Denied {
        /// The refused type.
        job_type: String,
        /// The caller.
        user: String,
    },
    /// The user's queue is full.
    #[error(
        "user {user} has {open} unfinished jobs; {requested} more would exceed the limit of \
         {limit} per user (JOB_MAX_QUEUED_PER_USER)"
    )]
    QueueFull {
        /// The caller.
        user: String,
        /// Their jobs not yet terminal.
        open: u64,
        /// Jobs in this request.
        requested: u64,
        /// The configured limit.
        limit: u64,
    },
    /// Too many requests of this type wait in JetStream already.
    #[error(
        "{backlog} {job_type} jobs are waiting to run; more would exceed the backlog limit of \
         {limit} (JOB_MAX_BACKLOG); retry later"
    )]
    Backlogged {
        /// The type.
        job_type: String,
        /// Requests waiting.
        backlog: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The metadata and the body name different users.
    #[error(transparent)]
    UserConflict(#[from] UserConflict),
    /// Acting across users needs the operator credential.
    #[error(
        "{action} needs the operator credential, or a user named in x-user-id or user_id \
         (caller `{caller}` is a service)"
    )]
    OperatorOnly {
        /// What was asked.
        action: &'static str,
        /// The calling service.
        caller: String,
    },
    /// The user has as many watches open as allowed.
    #[error(
        "user {user} already has {limit} open watches, the most allowed per user \
         (JOB_WATCH_MAX_PER_USER); close one first"
    )]
    TooManyWatches {
        /// The watcher.
        user: String,
        /// The configured limit.
        limit: usize,
    },
    /// A watch stayed open for its whole lifetime.
    #[error(
        "this watch reached its lifetime of {seconds} s (JOB_WATCH_MAX_SECONDS); watch again \
         to follow the job further"
    )]
    WatchExpired {
        /// The configured lifetime.
        seconds: f64,
    },
    /// The job store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The process is shutting down.
    #[error("the service is shutting down; retry")]
    Stopping,
}

/// Most problems spelled out in one message; a 1,000-job batch could otherwise produce a
/// status message larger than gRPC metadata allows.
const MAX_REPORTED_PROBLEMS: usize = 20;

fn join(problems: &[InvalidField]) -> String {
    let mut message = problems
        .iter()
        .take(MAX_REPORTED_PROBLEMS)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > MAX_REPORTED_PROBLEMS {
        let more = problems.len() - MAX_REPORTED_PROBLEMS;
        message.push_str(&format!("; and {more} more problems"));
    }
    message
}

impl From<InvalidField> for ApiError {
    fn from(problem: InvalidField) -> Self {
        ApiError::Invalid(vec![problem])
    }
}

impl ServiceError for ApiError {
    fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Invalid(_) | ApiError::UserConflict(_) => ErrorKind::InvalidArgument,
            ApiError::Denied { .. } | ApiError::OperatorOnly { .. } => ErrorKind::PermissionDenied,
            ApiError::QueueFull { .. }
            | ApiError::Backlogged { .. }
            | ApiError::TooManyWatches { .. } => ErrorKind::ResourceExhausted,
            ApiError::WatchExpired { .. } => ErrorKind::DeadlineExceeded,
            ApiError::Stopping => ErrorKind::Unavailable,
            ApiError::Store(error) => error.kind(),
        }
    }
}

impl From<ApiError> for tonic::Status {
    fn from(error: ApiError) -> Self {
        exobrain_common::error::to_status(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_problem_lists_are_cut_with_a_count() {
        let problems: Vec<_> = (0..25)
            .map(|index| InvalidField::new(format!("jobs[{index}].job_type"), "is required"))
            .collect();
        let message = ApiError::Invalid(problems).to_string();
        assert!(message.starts_with("jobs[0].job_type: is required; "));
        assert!(message.contains("jobs[19].job_type"));
        assert!(!message.contains("jobs[20].job_type"));
        assert!(message.ends_with("; and 5 more problems"), "{message}");
    }
}
