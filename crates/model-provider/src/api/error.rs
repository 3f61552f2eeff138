//! Errors of the HTTP API, answered in OpenAI's shape on every route:
//! `{"error":{"message","type","param","code"}}`. Caller mistakes are 4xx with a message that
//! says what to fix; provider failures are 502 (504 for timeouts, 429 when rate limited) and
//! never carry keys or internal detail beyond the upstream's own message.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::gateway::AliasError;
use crate::providers::error::ProviderError;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is wrong; `param` names the field when there is one.
    #[error("{message}")]
    BadRequest {
        /// What to fix.
        message: String,
        /// The offending field.
        param: Option<String>,
    },
    /// The body is larger than allowed.
    #[error("the request body is too large (the limit is MODEL_PROVIDER_MAX_BODY_BYTES)")]
    TooLarge,
    /// Missing or wrong service credential.
    #[error(
        "missing or invalid service credential (Authorization: Bearer <token>, a token of \
         EXOBRAIN_SERVICE_CREDENTIALS or MODEL_PROVIDER_API_TOKEN)"
    )]
    Unauthorized,
    /// The alias is unknown or of the other kind.
    #[error(transparent)]
    Alias(#[from] AliasError),
    /// The provider failed.
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl ApiError {
    /// A bad request about `param`.
    pub fn bad(param: impl Into<String>, message: impl Into<String>) -> Self {
        let param = param.into();
        ApiError::BadRequest {
            message: format!("{param}: {}", message.into()),
            param: Some(param),
        }
    }

    /// Status, OpenAI error type and code.
    pub fn parts(&self) -> (StatusCode, &'static str, Option<&'static str>) {
        match self {
            ApiError::BadRequest { .. } => (StatusCode::BAD_REQUEST, "invalid_request_error", None),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                Some("request_too_large"),
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "invalid_request_error",
                Some("invalid_api_key"),
            ),
            ApiError::Alias(AliasError::Unknown(_)) => (
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("model_not_found"),
            ),
            ApiError::Alias(AliasError::WrongMode { .. }) => (
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("model_mode_mismatch"),
            ),
            ApiError::Provider(error) => match error {
                ProviderError::Invalid(_) => {
                    (StatusCode::BAD_REQUEST, "invalid_request_error", None)
                }
                ProviderError::Rejected { .. } => (
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    Some("upstream_rejected"),
                ),
                ProviderError::Auth { .. } => (
                    StatusCode::BAD_GATEWAY,
                    "upstream_error",
                    Some("upstream_auth_error"),
                ),
                ProviderError::RateLimited { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limit_error",
                    Some("rate_limited"),
                ),
                ProviderError::Upstream { .. } => (
                    StatusCode::BAD_GATEWAY,
                    "upstream_error",
                    Some("upstream_error"),
                ),
                ProviderError::Timeout { .. } => (
                    StatusCode::GATEWAY_TIMEOUT,
                    "upstream_error",
                    Some("upstream_timeout"),
                ),
            },
        }
    }

    /// The error body.
    pub fn body(&self) -> Value {
        let (_, kind, code) = self.parts();
        let param = match self {
            ApiError::BadRequest { param, .. } => param.clone(),
            ApiError::Alias(_) => Some("model".into()),
            _ => None,
        };
        json!({ "error": { "message": self.to_string(), "type": kind, "param": param, "code": code } })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _, _) = self.parts();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed upstream");
        }
        let mut response = (status, Json(self.body())).into_response();
        if let ApiError::Provider(ProviderError::RateLimited {
            retry_after: Some(seconds),
            ..
        }) = &self
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert("retry-after", value);
        }
        response
    }
}
