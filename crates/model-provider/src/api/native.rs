//! `POST /v1/internal/chat/messages`: the native contract the other services use. The body is
//! the canonical request; the reply is the canonical response, or with `stream` server-sent
//! `data:` frames: `text_delta`, complete `tool_call`s, `completion`, `usage`, a typed `error`
//! frame on failure, then `[DONE]`.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::{ApiJson, RequestId};
use super::{AppState, dispatch, sse};
use crate::chat::{ChatRequest, StreamEvent};
use crate::providers::openai::reply::arguments;

/// Answers one native chat request.
pub async fn messages(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    ApiJson(request): ApiJson<ChatRequest>,
) -> Result<Response, ApiError> {
    let problems = crate::chat::validate::problems(&request);
    if !problems.is_empty() {
        return Err(ApiError::BadRequest {
            message: format!("invalid messages payload: {}", problems.join("; ")),
            param: Some("messages".into()),
        });
    }
    if request.stream {
        let events = dispatch::stream(&state, &request_id, request).await?;
        let mut calls = ToolCalls::default();
        let frames = events.flat_map(move |event| {
            let frames = match event {
                Ok(event) => calls.frames(event),
                Err(error) => vec![sse::error_frame(&ApiError::Provider(error), true)],
            };
            futures::stream::iter(frames)
        });
        return Ok(sse::respond(frames));
    }
    let response = dispatch::complete(&state, &request_id, request).await?;
    Ok(axum::Json(response).into_response())
}

/// Tool calls being streamed, released whole when the reply finishes.
#[derive(Debug, Default)]
struct ToolCalls {
    open: BTreeMap<usize, (String, String, String)>,
}

impl ToolCalls {
    fn frames(&mut self, event: StreamEvent) -> Vec<Value> {
        match event {
            StreamEvent::Text(text) => vec![json!({ "type": "text_delta", "text": text })],
            StreamEvent::ToolCallStart { index, id, name } => {
                self.open.insert(index, (id, name, String::new()));
                Vec::new()
            }
            StreamEvent::ToolCallArguments { index, fragment } => {
                if let Some((_, _, json)) = self.open.get_mut(&index) {
                    json.push_str(&fragment);
                }
                Vec::new()
            }
            StreamEvent::Finish(reason) => {
                let mut frames: Vec<Value> = std::mem::take(&mut self.open)
                    .into_iter()
                    .map(|(index, (id, name, json))| {
                        json!({ "type": "tool_call", "id": id, "name": name, "index": index, "arguments": arguments(&json) })
                    })
                    .collect();
                frames.push(json!({ "type": "completion", "finish_reason": reason }));
                frames
            }
            StreamEvent::Usage(usage) => vec![json!({ "type": "usage", "usage": usage })],
        }
    }
}
