//! Anthropic replies back into the canonical contract: a Messages reply into text and tool-call
//! blocks in upstream order, its stop reason in OpenAI's words, and usage with cached prompt
//! tokens counted as input. The structured-output tool's input becomes the reply text. The
//! wire types here are shared with the stream decoder in [`super::events`].

use serde::Deserialize;
use serde_json::Value;

use super::request::OutputTool;
use crate::chat::{Block, ChatResponse, FinishReason, ReplyMessage, Usage};
use crate::providers::error::ProviderError;

#[derive(Deserialize)]
struct WireReply {
    id: String,
    #[serde(default)]
    content: Vec<WireBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: WireUsage,
}

/// A content block; thinking and server-tool blocks are `Other` and left out.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum WireBlock {
    Text {
        #[serde(default)]
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    #[serde(other)]
    Other,
}

/// Token counts; in a stream each field is reported when it is known.
#[derive(Deserialize, Default, Clone, Copy)]
pub(super) struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
}

impl WireUsage {
    /// Prompt tokens, cache writes and reads included, when any are reported.
    pub(super) fn input(&self) -> Option<u64> {
        let parts = [
            self.input_tokens,
            self.cache_creation_input_tokens,
            self.cache_read_input_tokens,
        ];
        parts
            .iter()
            .any(Option::is_some)
            .then(|| parts.iter().flatten().sum())
    }

    /// Reply tokens, when reported.
    pub(super) fn output(&self) -> Option<u64> {
        self.output_tokens
    }
}

/// A Messages reply body as the canonical reply for `alias`; `output` is the structured-output
/// tool the request was sent with.
pub fn message(
    provider: &'static str,
    alias: &str,
    output: Option<&OutputTool>,
    body: &str,
) -> Result<ChatResponse, ProviderError> {
    let reply: WireReply = serde_json::from_str(body).map_err(|error| ProviderError::Upstream {
        provider,
        message: format!("unreadable reply: {error}"),
    })?;
    let mut content = Vec::new();
    let mut calls = 0;
    for block in reply.content {
        match block {
            WireBlock::Text { text } if !text.is_empty() => content.push(Block::Text { text }),
            WireBlock::ToolUse { name, input, .. }
                if output.is_some_and(|tool| tool.name == name) =>
            {
                let text = output.map(|tool| tool.text(input)).unwrap_or_default();
                content.push(Block::Text { text });
            }
            WireBlock::ToolUse { id, name, input } => {
                calls += 1;
                content.push(Block::ToolCall {
                    id,
                    name,
                    arguments: arguments(input),
                });
            }
            WireBlock::Text { .. } | WireBlock::Other => {}
        }
    }
    let usage = Usage::new(
        reply.usage.input().unwrap_or_default(),
        reply.usage.output().unwrap_or_default(),
    );
    Ok(ChatResponse {
        id: reply.id,
        model: alias.to_owned(),
        message: ReplyMessage {
            role: "assistant".into(),
            content,
        },
        finish_reason: finish_reason(reply.stop_reason.as_deref(), output.is_some() && calls == 0),
        usage,
    })
}

/// An Anthropic stop reason in the canonical set. `answered` says the only tool called was
/// the structured-output tool, so for the caller the reply simply ended.
pub fn finish_reason(reason: Option<&str>, answered: bool) -> FinishReason {
    match reason {
        Some("tool_use") if answered => FinishReason::Stop,
        Some("tool_use") => FinishReason::ToolCalls,
        Some("max_tokens" | "model_context_window_exceeded") => FinishReason::Length,
        Some("refusal") => FinishReason::ContentFilter,
        _ => FinishReason::Stop,
    }
}

/// A tool's input as canonical arguments: an object as it is, anything else as `{"value": …}`.
fn arguments(input: Value) -> Value {
    match input {
        Value::Object(object) => Value::Object(object),
        Value::Null => Value::Object(serde_json::Map::new()),
        other => serde_json::json!({ "value": other }),
    }
}

/// The error an `error` stream event reports, by Anthropic's error type.
pub fn stream_error(provider: &'static str, kind: &str, message: String) -> ProviderError {
    let rejected = |status| ProviderError::Rejected {
        provider,
        status,
        message: message.clone(),
    };
    match kind {
        "rate_limit_error" => ProviderError::RateLimited {
            provider,
            retry_after: None,
        },
        "authentication_error" => ProviderError::Auth {
            provider,
            status: 401,
        },
        "permission_error" => ProviderError::Auth {
            provider,
            status: 403,
        },
        "invalid_request_error" => rejected(400),
        "not_found_error" => rejected(404),
        "request_too_large" => rejected(413),
        // overloaded_error, api_error, timeout_error and anything new: the upstream failed.
        _ => ProviderError::Upstream {
            provider,
            message: format!("{kind}: {message}"),
        },
    }
}
