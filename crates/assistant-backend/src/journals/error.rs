//! What can go wrong with a journal operation, independent of transport. Database errors are
//! translated here once; their detail is for logs, never for clients.

use exobrain_common::error::{ErrorKind, ServiceError};

use super::model::MessageId;

/// A journal operation failed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A page size outside the allowed range.
    #[error("limit must be between 1 and {max}, got {limit}")]
    InvalidLimit { limit: i64, max: i64 },
    /// The message (or its reply reservation) does not exist for this user.
    #[error("message {id} not found")]
    MessageNotFound { id: MessageId },
    /// The message has no tool call with this id (for this user).
    #[error("tool call {tool_call_id} of message {message} not found")]
    ToolCallNotFound {
        message: MessageId,
        tool_call_id: String,
    },
    /// The reply was already completed or failed.
    #[error("message {id} is not a reply in progress")]
    ReplyNotStreaming { id: MessageId },
    /// PostgreSQL could not serve the operation.
    #[error("journal store failed during {operation}: {detail}")]
    Database {
        operation: &'static str,
        detail: String,
    },
}

impl JournalError {
    /// Translates a driver error, naming the operation it interrupted.
    pub(crate) fn database(operation: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |error| JournalError::Database {
            operation,
            detail: error.to_string(),
        }
    }
}

impl ServiceError for JournalError {
    fn kind(&self) -> ErrorKind {
        match self {
            JournalError::InvalidLimit { .. } => ErrorKind::InvalidArgument,
            JournalError::MessageNotFound { .. } | JournalError::ToolCallNotFound { .. } => {
                ErrorKind::NotFound
            }
            JournalError::ReplyNotStreaming { .. } => ErrorKind::FailedPrecondition,
            JournalError::Database { .. } => ErrorKind::Internal,
        }
    }
}

/// Checks a page size against `1..=max`.
pub(crate) fn check_limit(limit: i64, max: i64) -> Result<i64, JournalError> {
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(JournalError::InvalidLimit { limit, max })
    }
}
