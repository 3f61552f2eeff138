//! The HTTP API: `/v1/models`, `/v1/chat/completions` (OpenAI-compatible),
//! `/v1/internal/chat/messages` (native) and `/v1/embeddings`, behind the request-id layer, the
//! service-credential check ([`exobrain_common::auth::http`]) and the body-size limit. Errors everywhere are OpenAI-shaped
//! ([`error`]).

pub mod completions;
pub mod dispatch;
pub mod embeddings;
pub mod error;
pub mod extract;
pub mod models;
pub mod native;
pub mod openai_in;
pub mod openai_out;
pub mod sse;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use exobrain_common::auth::Credentials;
use exobrain_common::auth::http::{CallerCheck, require_caller};

use crate::gateway::Gateway;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Aliases and their backends.
    pub gateway: Gateway,
}

/// The API routes for `gateway`; every route requires a caller of `credentials` (any caller
/// when none is configured).
pub fn router(gateway: Gateway, credentials: Credentials, body_limit: usize) -> Router {
    let check = CallerCheck {
        credentials,
        refuse: refuse_caller,
    };
    Router::new()
        .route("/v1/models", get(models::list))
        .route("/v1/chat/completions", post(completions::create))
        .route("/v1/internal/chat/messages", post(native::messages))
        .route("/v1/embeddings", post(embeddings::create))
        .with_state(AppState { gateway })
        .layer(axum::middleware::from_fn_with_state(check, require_caller))
        .layer(axum::middleware::from_fn(extract::request_id))
        .layer(DefaultBodyLimit::max(body_limit))
}

fn refuse_caller(_: exobrain_common::auth::Refusal) -> Response {
    error::ApiError::Unauthorized.into_response()
}
