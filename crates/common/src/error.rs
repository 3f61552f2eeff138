//! The error-to-status convention. Each service boundary has one `thiserror` enum that
//! implements [`ServiceError`]; the single mapping below turns it into a gRPC status or an HTTP
//! response. User mistakes carry a message that says what to fix; internal causes are logged
//! here and replaced by a generic message before anything leaves the process.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// What kind of failure an error is, independent of transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or violates a rule; the message says what to fix.
    InvalidArgument,
    /// No credentials, or invalid ones.
    Unauthenticated,
    /// The caller may not do this.
    PermissionDenied,
    /// The thing does not exist, or the caller may not know it does.
    NotFound,
    /// It already exists / conflicts with current state.
    AlreadyExists,
    /// The system is not in a state that allows this (yet).
    FailedPrecondition,
    /// A quota, limit or backlog is exceeded; retry later.
    ResourceExhausted,
    /// A dependency is temporarily unavailable; retry later.
    Unavailable,
    /// A deadline passed.
    DeadlineExceeded,
    /// A bug or an unexpected dependency failure; details stay in the logs.
    Internal,
}

impl ErrorKind {
    /// The gRPC code for this kind.
    pub fn grpc_code(self) -> tonic::Code {
        match self {
            ErrorKind::InvalidArgument => tonic::Code::InvalidArgument,
            ErrorKind::Unauthenticated => tonic::Code::Unauthenticated,
            ErrorKind::PermissionDenied => tonic::Code::PermissionDenied,
            ErrorKind::NotFound => tonic::Code::NotFound,
            ErrorKind::AlreadyExists => tonic::Code::AlreadyExists,
            ErrorKind::FailedPrecondition => tonic::Code::FailedPrecondition,
            ErrorKind::ResourceExhausted => tonic::Code::ResourceExhausted,
            ErrorKind::Unavailable => tonic::Code::Unavailable,
            ErrorKind::DeadlineExceeded => tonic::Code::DeadlineExceeded,
            ErrorKind::Internal => tonic::Code::Internal,
        }
    }

    /// The HTTP status for this kind.
    pub fn http_status(self) -> StatusCode {
        match self {
            ErrorKind::InvalidArgument => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::PermissionDenied => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::AlreadyExists | ErrorKind::FailedPrecondition => StatusCode::CONFLICT,
            ErrorKind::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Implemented by every boundary error enum.
pub trait ServiceError: std::error::Error {
    /// Which kind of failure this is.
    fn kind(&self) -> ErrorKind;
}

/// The text a client may see: the error's own message for user-facing kinds, a fixed text
/// for internal ones (whose detail is logged instead).
pub fn public_message<E: ServiceError + ?Sized>(error: &E) -> String {
    match error.kind() {
        ErrorKind::Internal => {
            tracing::error!(error = %error, "internal error");
            "internal error".to_owned()
        }
        ErrorKind::Unavailable => {
            tracing::warn!(error = %error, "dependency unavailable");
            "temporarily unavailable, retry later".to_owned()
        }
        _ => error.to_string(),
    }
}

/// Maps a boundary error to a gRPC status.
pub fn to_status<E: ServiceError + ?Sized>(error: &E) -> tonic::Status {
    tonic::Status::new(error.kind().grpc_code(), public_message(error))
}

/// Maps a boundary error to an HTTP response with body `{"detail": "<message>"}`.
pub fn to_response<E: ServiceError + ?Sized>(error: &E) -> Response {
    let status = error.kind().http_status();
    (
        status,
        Json(serde_json::json!({ "detail": public_message(error) })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum SampleError {
        #[error("job_type is required")]
        MissingJobType,
        #[error("database exploded: password=hunter2")]
        Database,
    }

    impl ServiceError for SampleError {
        fn kind(&self) -> ErrorKind {
            match self {
                SampleError::MissingJobType => ErrorKind::InvalidArgument,
                SampleError::Database => ErrorKind::Internal,
            }
        }
    }

    #[test]
    fn user_errors_keep_their_message() {
        let status = to_status(&SampleError::MissingJobType);
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert_eq!(status.message(), "job_type is required");
    }

    #[test]
    fn internal_errors_never_leak_detail() {
        let status = to_status(&SampleError::Database);
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(!status.message().contains("hunter2"));
        let response = to_response(&SampleError::Database);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
