//! Why a request about an existing batch, job or dead letter was refused. Wraps [`StoreError`]
//! and adds the refusals that depend on the record's current state, so one error reaches the
//! transport per store call.

use exobrain_common::error::{ErrorKind, ServiceError};

use super::StoreError;
use crate::domain::JobState;

/// Why a batch, cancel or dead-letter request failed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No such record.
    #[error("{what} {id} not found")]
    NotFound {
        /// `batch` or `dead letter`.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The record belongs to another user.
    #[error("{what} {id} belongs to another user")]
    NotOwner {
        /// `batch` or `dead letter`.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The job already finished, so it cannot be cancelled.
    #[error(
        "job {job_id} is already {state}; only {} jobs can be cancelled",
        cancellable()
    )]
    AlreadyFinished {
        /// The job.
        job_id: String,
        /// Its terminal state.
        state: JobState,
    },
    /// The dead letter was replayed before.
    #[error("dead letter {dead_letter_id} was already replayed as job {job_id}")]
    AlreadyReplayed {
        /// The dead letter.
        dead_letter_id: String,
        /// The job its replay created.
        job_id: String,
    },
    /// The dead letter lacks what a replay needs.
    #[error("dead letter {dead_letter_id} cannot be replayed: {why}")]
    NotReplayable {
        /// The dead letter.
        dead_letter_id: String,
        /// What is missing.
        why: String,
    },
    /// Any other store failure (including a missing or foreign job).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RequestError {
    fn from(error: sqlx::Error) -> Self {
        RequestError::Store(StoreError::Database(error))
    }
}

fn cancellable() -> String {
    let states: Vec<&str> = JobState::predecessors(JobState::Cancelled)
        .into_iter()
        .map(JobState::as_db)
        .collect();
    states.join(", ")
}

impl ServiceError for RequestError {
    fn kind(&self) -> ErrorKind {
        match self {
            RequestError::NotFound { .. } => ErrorKind::NotFound,
            RequestError::NotOwner { .. } => ErrorKind::PermissionDenied,
            RequestError::AlreadyFinished { .. }
            | RequestError::AlreadyReplayed { .. }
            | RequestError::NotReplayable { .. } => ErrorKind::FailedPrecondition,
            RequestError::Store(error) => error.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_job_names_its_state_and_what_can_be_cancelled() {
        let error = RequestError::AlreadyFinished {
            job_id: "j1".into(),
            state: JobState::Succeeded,
        };
        assert_eq!(
            error.to_string(),
            "job j1 is already succeeded; only pending, started, retrying jobs can be cancelled"
        );
        assert_eq!(error.kind(), ErrorKind::FailedPrecondition);
    }
}
