//! The one error type every API handler returns, and its single mapping to HTTP.
//!
//! Bodies follow the original service: `{"detail": "<text>"}` for handled errors and a plain
//! `Internal Server Error` for failures, whose cause is logged here and never sent. Validation
//! failures are 422 with a single `{"detail": "<what to fix>"}` string rather than FastAPI's list
//! of error objects. Adapters translate their driver errors into [`ApiError::Internal`] with
//! [`ApiError::internal`] before they reach a handler.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every handled error (the schema `ErrorBody` of the OpenAPI document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, or what to fix.
    pub detail: String,
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No usable session cookie or access token.
    #[error("authentication required")]
    Unauthenticated,
    /// Unknown email, wrong password, or an account without a password.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Unknown, expired, revoked or reused refresh token.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// A cookie-authenticated write from an origin that is not allowed.
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// The thing does not exist (or the caller may not know it does).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `user`.
        what: &'static str,
    },
    /// The request is well-formed but asks for something that is not allowed (e.g. an unknown
    /// config key); the text says what.
    #[error("{0}")]
    BadRequest(String),
    /// The caller may not do this to this thing; the text says what.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A service the request needs is unreachable or too slow; worth retrying.
    #[error("{0}")]
    Unavailable(&'static str),
    /// A service the request needs failed or refused it; the cause is logged, not sent.
    #[error("{0}")]
    BadGateway(&'static str),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The request body or parameters are invalid; the text says what to fix.
    #[error("{0}")]
    Validation(String),
    /// Too many login attempts for this account or address.
    #[error("too many login attempts")]
    TooManyLoginAttempts {
        /// Seconds until another attempt is accepted.
        retry_after_secs: u64,
    },
    /// A dependency failed or a bug; the cause is logged, never sent.
    #[error("{context}: {cause}")]
    Internal {
        /// What was being done.
        context: &'static str,
        /// The underlying error, for the log.
        cause: String,
    },
}

impl ApiError {
    /// Wraps an unexpected failure while doing `context`.
    pub fn internal(context: &'static str, cause: impl std::fmt::Display) -> Self {
        ApiError::Internal {
            context,
            cause: cause.to_string(),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated
            | ApiError::InvalidCredentials
            | ApiError::InvalidRefreshToken => StatusCode::UNAUTHORIZED,
            ApiError::OriginNotAllowed => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyLoginAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> Json<ErrorBody> {
        Json(ErrorBody {
            detail: self.to_string(),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal { .. } => {
                tracing::error!(error = %self, "request failed");
                (status, "Internal Server Error").into_response()
            }
            ApiError::TooManyLoginAttempts { retry_after_secs } => {
                let mut response = (status, self.body()).into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                response
            }
            _ => (status, self.body()).into_response(),
        }
    }
}
