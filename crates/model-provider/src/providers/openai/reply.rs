//! OpenAI replies back into the canonical contract: a chat completion into text and tool-call
//! blocks, and stream chunks into stream events (text, tool-call starts and argument fragments
//! by index, the finish reason, usage).

use serde::Deserialize;
use serde_json::Value;

use crate::chat::{Block, ChatResponse, FinishReason, ReplyMessage, StreamEvent, Usage};
use crate::providers::error::ProviderError;

#[derive(Deserialize)]
struct Completion {
    id: String,
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: WireMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<WireCall>,
}

#[derive(Deserialize)]
struct WireCall {
    id: String,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    #[serde(default)]
    arguments: String,
}

#[derive(Deserialize, Clone, Copy)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

/// A chat completion body as the canonical reply for `alias`.
pub fn completion(
    provider: &'static str,
    alias: &str,
    body: &str,
) -> Result<ChatResponse, ProviderError> {
    let unreadable = |what: String| ProviderError::Upstream {
        provider,
        message: format!("unreadable reply: {what}"),
    };
    let completion: Completion =
        serde_json::from_str(body).map_err(|error| unreadable(error.to_string()))?;
    let choice = completion
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| unreadable("no choices".into()))?;
    let mut content = Vec::new();
    if let Some(text) = choice.message.content.filter(|text| !text.is_empty()) {
        content.push(Block::Text { text });
    }
    for call in choice.message.tool_calls {
        content.push(Block::ToolCall {
            id: call.id,
            name: call.function.name,
            arguments: arguments(&call.function.arguments),
        });
    }
    let usage = completion.usage.map_or_else(Usage::default, |u| {
        Usage::new(u.prompt_tokens, u.completion_tokens)
    });
    Ok(ChatResponse {
        id: completion.id,
        model: alias.to_owned(),
        message: ReplyMessage {
            role: "assistant".into(),
            content,
        },
        finish_reason: finish_reason(choice.finish_reason.as_deref()),
        usage,
    })
}

/// An OpenAI finish reason in the canonical set.
pub fn finish_reason(reason: Option<&str>) -> FinishReason {
    match reason {
        Some("length") => FinishReason::Length,
        Some("tool_calls" | "function_call") => FinishReason::ToolCalls,
        Some("content_filter") => FinishReason::ContentFilter,
        _ => FinishReason::Stop,
    }
}

/// Tool-call arguments as a JSON object: parsed when they are an object, `{"value": …}` for
/// other JSON, `{"raw": "…"}` when they are not JSON at all.
pub fn arguments(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return Value::Object(serde_json::Map::new());
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(object)) => Value::Object(object),
        Ok(other) => serde_json::json!({ "value": other }),
        Err(_) => serde_json::json!({ "raw": raw }),
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<CallDelta>,
}

#[derive(Deserialize)]
struct CallDelta {
    #[serde(default)]
    index: usize,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

/// The events in one stream chunk (`data:` payload other than `[DONE]`).
pub fn chunk_events(provider: &'static str, data: &str) -> Result<Vec<StreamEvent>, ProviderError> {
    let chunk: Chunk = serde_json::from_str(data).map_err(|error| ProviderError::Upstream {
        provider,
        message: format!("unreadable stream chunk: {error}"),
    })?;
    let mut events = Vec::new();
    for choice in chunk.choices {
        if let Some(text) = choice.delta.content.filter(|text| !text.is_empty()) {
            events.push(StreamEvent::Text(text));
        }
        for call in choice.delta.tool_calls {
            let function = call.function.unwrap_or(FunctionDelta {
                name: None,
                arguments: None,
            });
            if let (Some(id), Some(name)) = (call.id, function.name) {
                events.push(StreamEvent::ToolCallStart {
                    index: call.index,
                    id,
                    name,
                });
            }
            if let Some(fragment) = function.arguments.filter(|fragment| !fragment.is_empty()) {
                events.push(StreamEvent::ToolCallArguments {
                    index: call.index,
                    fragment,
                });
            }
        }
        if let Some(reason) = choice.finish_reason {
            events.push(StreamEvent::Finish(finish_reason(Some(&reason))));
        }
    }
    if let Some(usage) = chunk.usage {
        events.push(StreamEvent::Usage(Usage::new(
            usage.prompt_tokens,
            usage.completion_tokens,
        )));
    }
    Ok(events)
}
