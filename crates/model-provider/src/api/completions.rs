//! `POST /v1/chat/completions`: the OpenAI-compatible chat route. The request is converted to
//! the canonical contract, checked like a native one, answered by the alias's provider, and
//! the reply converted back (a `chat.completion`, or `chat.completion.chunk` events).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::error::ApiError;
use super::extract::{ApiJson, RequestId};
use super::openai_in::{CompletionRequest, canonical};
use super::openai_out::{Chunker, completion};
use super::{AppState, dispatch, sse};

/// Answers one chat-completions request.
pub async fn create(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    ApiJson(wire): ApiJson<CompletionRequest>,
) -> Result<Response, ApiError> {
    let request = canonical(&wire)?;
    state
        .gateway
        .target(&request.model, crate::catalog::Mode::Chat)?;
    let problems = crate::chat::validate::problems(&request);
    if !problems.is_empty() {
        return Err(ApiError::BadRequest {
            message: format!("invalid messages: {}", problems.join("; ")),
            param: Some("messages".into()),
        });
    }
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let alias = request.model.clone();
    if request.stream {
        let events = dispatch::stream(&state, &request_id, request).await?;
        let id = format!("chatcmpl-{}", uuid::Uuid::new_v4().simple());
        let mut chunker = Chunker::new(id, alias, created, wire.wants_usage());
        let frames = events.flat_map(move |event| {
            let frames = match event {
                Ok(event) => chunker.chunks(event),
                Err(error) => vec![sse::error_frame(&ApiError::Provider(error), false)],
            };
            futures::stream::iter(frames)
        });
        return Ok(sse::respond(frames));
    }
    let response = dispatch::complete(&state, &request_id, request).await?;
    Ok(axum::Json(completion(&response, created)).into_response())
}
