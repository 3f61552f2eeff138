//! model-provider as a chat turn calls it: the native endpoint (`/v1/internal/chat/messages`)
//! with `stream: true`, read as server-sent `data:` frames (`text_delta`, whole `tool_call`s,
//! `completion`, `usage`, a typed `error`, then `[DONE]`), and `/v1/models` to learn which
//! provider answers an alias (`local` is the built-in offline one). No temperature is sent: the
//! alias sets its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use exobrain_common::telemetry::http_client;
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::upstream::Upstreams;

/// One frame of a streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// More reply text.
    Text(String),
    /// A whole tool call.
    ToolCall(ModelToolCall),
    /// The reply is finished.
    Finished,
}

/// A tool call the model asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelToolCall {
    /// Its id.
    pub id: String,
    /// The tool.
    pub name: String,
    /// Its arguments (a JSON object, or whatever the model sent).
    pub arguments: Value,
}

/// A failed model call, with a message fit for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireFrame {
    TextDelta {
        text: String,
    },
    ToolCall {
        id: String,
        name: String,
        #[serde(default)]
        arguments: Value,
    },
    Completion,
    Usage,
    Error {
        #[serde(default)]
        message: String,
    },
}

#[derive(Deserialize)]
struct Models {
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
    #[serde(default)]
    provider: String,
}

/// When the alias-to-provider map was read, and the map.
type ProviderCache = Option<(Instant, Arc<HashMap<String, String>>)>;

/// The model client of chat turns, with a short-lived cache of `/v1/models`.
#[derive(Debug, Clone)]
pub struct ChatModel {
    upstreams: Upstreams,
    providers: Arc<Mutex<ProviderCache>>,
    provider_cache: Duration,
}

impl ChatModel {
    /// A client over `upstreams`, reusing the provider map for `provider_cache`.
    pub fn new(upstreams: Upstreams, provider_cache: Duration) -> Self {
        Self {
            upstreams,
            providers: Arc::default(),
            provider_cache,
        }
    }

    /// The provider answering `alias` (`local` for the offline one); `None` when the alias is
    /// unknown to model-provider.
    pub async fn provider(&self, user: Uuid, alias: &str) -> Result<Option<String>, ModelError> {
        let cached = self
            .providers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .filter(|(at, _)| at.elapsed() < self.provider_cache)
            .map(|(_, map)| map.clone());
        let map = match cached {
            Some(map) => map,
            None => {
                let request = self
                    .upstreams
                    .model_request(reqwest::Method::GET, "models", user)
                    .timeout(Duration::from_secs(10));
                let response = http_client::send(request).await.map_err(unreachable)?;
                let models: Models = read_json(response).await?;
                let map: Arc<HashMap<String, String>> = Arc::new(
                    models
                        .data
                        .into_iter()
                        .map(|model| (model.id, model.provider))
                        .collect(),
                );
                *self
                    .providers
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                    Some((Instant::now(), map.clone()));
                map
            }
        };
        Ok(map.get(alias).cloned())
    }

    /// Streams the reply to `body` (a native request; `stream` is set here).
    pub async fn stream(
        &self,
        user: Uuid,
        mut body: Value,
    ) -> Result<impl Stream<Item = Result<Frame, ModelError>> + Send + use<>, ModelError> {
        body["stream"] = Value::Bool(true);
        let request = self
            .upstreams
            .model_request(reqwest::Method::POST, "internal/chat/messages", user)
            .json(&body);
        let response = http_client::send(request).await.map_err(unreachable)?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        let frames = response
            .bytes_stream()
            .eventsource()
            .filter_map(|event| async move {
                match event {
                    Err(error) => Some(Err(ModelError(format!(
                        "the model's reply was cut off: {error}"
                    )))),
                    Ok(event) if event.data.trim() == "[DONE]" => None,
                    Ok(event) => match serde_json::from_str::<WireFrame>(&event.data) {
                        Ok(WireFrame::TextDelta { text }) => Some(Ok(Frame::Text(text))),
                        Ok(WireFrame::ToolCall {
                            id,
                            name,
                            arguments,
                        }) => Some(Ok(Frame::ToolCall(ModelToolCall {
                            id,
                            name,
                            arguments,
                        }))),
                        Ok(WireFrame::Completion) => Some(Ok(Frame::Finished)),
                        Ok(WireFrame::Usage) => None,
                        Ok(WireFrame::Error { message }) => {
                            Some(Err(ModelError(format!("the model failed: {message}"))))
                        }
                        // Frames of kinds this client does not know are skipped.
                        Err(_) => None,
                    },
                }
            });
        Ok(frames)
    }
}

fn unreachable(error: reqwest::Error) -> ModelError {
    tracing::warn!(error = %error.without_url(), "model-provider unreachable");
    ModelError("The model service could not be reached.".into())
}

async fn refused(response: reqwest::Response) -> ModelError {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|value| {
            value
                .pointer("/error/message")
                .or_else(|| value.get("detail"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| body.chars().take(200).collect());
    tracing::warn!(%status, %message, "model-provider refused a chat request");
    ModelError(format!(
        "The model service refused the request ({status}): {message}"
    ))
}

async fn read_json<T: for<'de> Deserialize<'de>>(
    response: reqwest::Response,
) -> Result<T, ModelError> {
    if !response.status().is_success() {
        return Err(refused(response).await);
    }
    response
        .json()
        .await
        .map_err(|error| ModelError(format!("model-provider sent an unreadable reply: {error}")))
}
