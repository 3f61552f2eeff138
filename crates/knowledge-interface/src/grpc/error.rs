//! Errors of the knowledge-interface API and their one mapping to gRPC statuses: what the
//! caller can fix is INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED or FAILED_PRECONDITION with
//! a message saying what; INTERNAL only for real faults, whose cause is logged, never sent.

use exobrain_common::error::{ErrorKind, ServiceError};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// A field is wrong; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// What was asked for does not exist (or is not visible to the caller).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state.
    #[error("{0}")]
    FailedPrecondition(String),
    /// No valid service token, or no caller identity where one is needed.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not do this (another user's record, a missing or wrong service token).
    #[error("{0}")]
    PermissionDenied(String),
    /// A dependency (vector store, model-provider) failed or is unreachable.
    #[error("{0}")]
    Unavailable(String),
    /// A fault of ours; the message is logged, never sent.
    #[error("{0}")]
    Internal(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl ServiceError for KnowledgeError {
    fn kind(&self) -> ErrorKind {
        match self {
            KnowledgeError::Invalid(_) => ErrorKind::InvalidArgument,
            KnowledgeError::NotFound(_) => ErrorKind::NotFound,
            KnowledgeError::FailedPrecondition(_) => ErrorKind::FailedPrecondition,
            KnowledgeError::Unauthenticated(_) => ErrorKind::Unauthenticated,
            KnowledgeError::PermissionDenied(_) => ErrorKind::PermissionDenied,
            KnowledgeError::Unavailable(_) => ErrorKind::Unavailable,
            KnowledgeError::Internal(_) => ErrorKind::Internal,
            KnowledgeError::Database(error) if exobrain_common::db::is_unavailable(error) => {
                ErrorKind::Unavailable
            }
            KnowledgeError::Database(_) => ErrorKind::Internal,
        }
    }
}

impl From<KnowledgeError> for tonic::Status {
    fn from(error: KnowledgeError) -> Self {
        exobrain_common::error::to_status(&error)
    }
}

impl From<crate::delta::Refusal> for KnowledgeError {
    fn from(refusal: crate::delta::Refusal) -> Self {
        match &refusal {
            crate::delta::Refusal::Invalid(_) => KnowledgeError::Invalid(refusal.message()),
            crate::delta::Refusal::Denied(_) => KnowledgeError::PermissionDenied(refusal.message()),
        }
    }
}

impl From<crate::graph::StoreError> for KnowledgeError {
    fn from(error: crate::graph::StoreError) -> Self {
        match error {
            crate::graph::StoreError::Conflict(cause) => KnowledgeError::Unavailable(format!(
                "the graph was busy with a conflicting write; retry ({cause})"
            )),
            crate::graph::StoreError::Unavailable(cause) => KnowledgeError::Unavailable(format!(
                "the graph store is unavailable; retry ({cause})"
            )),
            crate::graph::StoreError::Backend(cause) => KnowledgeError::Internal(cause),
        }
    }
}

impl From<crate::vectors::VectorError> for KnowledgeError {
    fn from(error: crate::vectors::VectorError) -> Self {
        match error {
            crate::vectors::VectorError::Unavailable(_) => {
                KnowledgeError::Unavailable(error.to_string())
            }
            other => KnowledgeError::Internal(other.to_string()),
        }
    }
}

impl From<crate::embedding::EmbeddingError> for KnowledgeError {
    fn from(error: crate::embedding::EmbeddingError) -> Self {
        if error.is_retryable() {
            KnowledgeError::Unavailable(error.to_string())
        } else {
            KnowledgeError::Internal(error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::StoreError;
    use crate::graph::postgres::backend;

    #[test]
    fn a_database_that_went_away_is_unavailable_not_internal() {
        let gone = backend(sqlx::Error::PoolClosed);
        assert!(matches!(gone, StoreError::Unavailable(_)), "{gone:?}");
        assert_eq!(KnowledgeError::from(gone).kind(), ErrorKind::Unavailable);
        assert_eq!(
            KnowledgeError::Database(sqlx::Error::PoolTimedOut).kind(),
            ErrorKind::Unavailable
        );
        let bug = KnowledgeError::from(backend(sqlx::Error::RowNotFound));
        assert_eq!(bug.kind(), ErrorKind::Internal);
    }
}
