//! What can go wrong between the browser and the backend, and the one place that turns it into
//! a response. Answers use the backend's error shape `{"detail": "..."}`, so the UI handles a
//! proxy failure like any other API error; the cause goes to the log, never to the browser.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A request the proxy could not complete.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// No connection to the backend, or it broke before the response headers.
    #[error("assistant-backend is unreachable: {cause}")]
    Unreachable {
        /// The client error, as text.
        cause: String,
    },
    /// The backend took longer than the upstream timeout to start its response.
    #[error("assistant-backend did not answer within {seconds} s")]
    Timeout {
        /// The configured timeout.
        seconds: u64,
    },
    /// The request's path could not be joined to the backend URL.
    #[error("cannot build the backend address for `{path}`")]
    BadPath {
        /// The path and query as received.
        path: String,
    },
}

impl ProxyError {
    /// The `kind` label of `frontend_proxy_upstream_errors_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            ProxyError::Unreachable { .. } => "unreachable",
            ProxyError::Timeout { .. } => "timeout",
            ProxyError::BadPath { .. } => "bad_path",
        }
    }
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let (status, detail) = match &self {
            ProxyError::Unreachable { .. } => (
                StatusCode::BAD_GATEWAY,
                "the assistant backend is unreachable; try again in a moment",
            ),
            ProxyError::Timeout { .. } => (
                StatusCode::GATEWAY_TIMEOUT,
                "the assistant backend did not answer in time",
            ),
            ProxyError::BadPath { .. } => (StatusCode::BAD_REQUEST, "malformed request path"),
        };
        (status, Json(serde_json::json!({ "detail": detail }))).into_response()
    }
}
