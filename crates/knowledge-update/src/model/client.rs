//! The HTTP client of model-provider: one structured chat call, and the provider that answers
//! each alias (`GET /v1/models`), which decides whether a model or the offline extractor reads
//! the transcript. No temperature is sent: each alias sets its own.

use std::collections::HashMap;
use std::time::Duration;

use exobrain_common::auth::ServiceToken;
use exobrain_common::telemetry::http_client;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// Why a model call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Not reachable, timed out, overloaded or failing upstream: worth another attempt.
    #[error("model-provider unavailable: {0}")]
    Unavailable(String),
    /// Refused the request (bad alias, bad schema, no credential): no retry will help.
    #[error("model-provider refused the request ({status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its message.
        message: String,
    },
    /// Answered with something that is not a reply.
    #[error("model-provider sent an unreadable reply: {0}")]
    Unreadable(String),
}

impl ModelError {
    /// Whether another attempt may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// One message of a conversation with the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// `system`, `user` or `assistant`.
    pub role: &'static str,
    /// Its text.
    pub text: String,
}

/// A reply's text and token count.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The reply's text (the JSON document, for a structured call).
    pub text: String,
    /// Tokens used, as model-provider counts them.
    pub total_tokens: u64,
}

/// model-provider, as the pipeline calls it.
#[derive(Debug, Clone)]
pub struct ModelClient {
    http: reqwest::Client,
    base: String,
    token: ServiceToken,
}

#[derive(Deserialize)]
struct Response {
    message: ResponseMessage,
    #[serde(default)]
    usage: Option<ResponseUsage>,
}

#[derive(Deserialize)]
struct ResponseMessage {
    content: Vec<Value>,
}

#[derive(Deserialize)]
struct ResponseUsage {
    #[serde(default)]
    total_tokens: u64,
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

impl ModelClient {
    /// A client of the model-provider at `base_url` (with or without the trailing `/v1`),
    /// each call bounded by `timeout`.
    pub fn new(base_url: &str, token: ServiceToken, timeout: Duration) -> Self {
        let trimmed = base_url.trim_end_matches('/');
        let base = if trimmed.ends_with("/v1") {
            trimmed.to_owned()
        } else {
            format!("{trimmed}/v1")
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        Self { http, base, token }
    }

    /// The provider that answers each alias (`local` for the built-in offline provider).
    pub async fn providers(&self) -> Result<HashMap<String, String>, ModelError> {
        let request = self.authorised(self.http.get(format!("{}/models", self.base)));
        let response = http_client::send(request).await.map_err(unavailable)?;
        let models: Models = read(response).await?;
        Ok(models
            .data
            .into_iter()
            .map(|model| (model.id, model.provider))
            .collect())
    }

    /// One non-streamed call of `alias` whose reply must satisfy `schema` (named `name`).
    pub async fn structured(
        &self,
        alias: &str,
        name: &str,
        schema: &Value,
        turns: &[Turn],
    ) -> Result<Reply, ModelError> {
        let messages: Vec<Value> = turns
            .iter()
            .map(|turn| json!({ "role": turn.role, "content": [{ "type": "text", "text": turn.text }] }))
            .collect();
        let body = json!({
            "model": alias,
            "messages": messages,
            "stream": false,
            "structured_output": { "name": name, "schema": schema, "strict": true },
        });
        let request = self
            .http
            .post(format!("{}/internal/chat/messages", self.base))
            .json(&body);
        let response = http_client::send(self.authorised(request))
            .await
            .map_err(unavailable)?;
        let response: Response = read(response).await?;
        let text = response
            .message
            .content
            .iter()
            .filter_map(|block| match block.get("type").and_then(Value::as_str) {
                Some("text") => block.get("text").and_then(Value::as_str).map(str::to_owned),
                Some("tool_call") => block.get("arguments").map(|a| match a {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                }),
                _ => None,
            })
            .collect::<String>();
        Ok(Reply {
            text,
            total_tokens: response.usage.map(|u| u.total_tokens).unwrap_or_default(),
        })
    }

    fn authorised(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.token.header() {
            Some(header) => request.header(http::header::AUTHORIZATION, header.clone()),
            None => request,
        }
    }
}

fn unavailable(error: reqwest::Error) -> ModelError {
    ModelError::Unavailable(error.without_url().to_string())
}

async fn read<T: for<'de> Deserialize<'de>>(response: reqwest::Response) -> Result<T, ModelError> {
    let status = response.status();
    let body = response.text().await.map_err(unavailable)?;
    if status.is_success() {
        return serde_json::from_str(&body)
            .map_err(|error| ModelError::Unreadable(error.to_string()));
    }
    let message = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| body.chars().take(300).collect());
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        Err(ModelError::Unavailable(format!("{status}: {message}")))
    } else {
        Err(ModelError::Refused {
            status: status.as_u16(),
            message,
        })
    }
}
