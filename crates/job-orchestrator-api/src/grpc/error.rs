//! Errors of the job orchestrator API boundary and their gRPC mapping.

use exobrain_common::error::{ErrorKind, ServiceError};
use exobrain_jobs::domain::InvalidField;

/// Why a request to the API failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// One or more request fields are invalid; each is named.
    #[error("{}", join(.0))]
    Invalid(Vec<InvalidField>),
}

fn join(problems: &[InvalidField]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<InvalidField> for ApiError {
    fn from(problem: InvalidField) -> Self {
        ApiError::Invalid(vec![problem])
    }
}

impl ServiceError for ApiError {
    fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Invalid(_) => ErrorKind::InvalidArgument,
        }
    }
}

impl From<ApiError> for tonic::Status {
    fn from(error: ApiError) -> Self {
        exobrain_common::error::to_status(&error)
    }
}
