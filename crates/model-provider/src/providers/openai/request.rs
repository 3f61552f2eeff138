//! The canonical chat request as an OpenAI chat-completions body: one message per system or
//! user text block, tool results as `tool` messages, each assistant turn as one message with
//! its text and all its tool calls, tools as functions, structured output as a strict
//! `json_schema` response format, and usage requested on streams.

use serde_json::{Map, Value, json};

use crate::chat::{Block, ChatRequest, Message, ToolChoice};

/// How the upstream names the output-token limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLimitField {
    /// `max_completion_tokens` (OpenAI).
    MaxCompletionTokens,
    /// `max_tokens` (most OpenAI-compatible servers).
    MaxTokens,
}

/// The request body for `request` (whose `model` is already the upstream name).
pub fn body(request: &ChatRequest, limit_field: TokenLimitField) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert("messages".into(), Value::Array(messages(&request.messages)));
    if !request.tools.is_empty() {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({ "type": "function", "function": {
                    "name": tool.name, "description": tool.description.clone().unwrap_or_default(),
                    "parameters": tool.parameters,
                }})
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &request.tool_choice {
        let choice = match choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Tool { name } => {
                json!({ "type": "function", "function": { "name": name } })
            }
        };
        body.insert("tool_choice".into(), choice);
    }
    if let Some(output) = &request.structured_output {
        let mut schema = json!({
            "name": output.name.clone().unwrap_or_else(|| "structured_output".into()),
            "schema": output.schema,
        });
        if output.strict {
            schema["strict"] = json!(true);
        }
        body.insert(
            "response_format".into(),
            json!({ "type": "json_schema", "json_schema": schema }),
        );
    }
    if let Some(temperature) = request.temperature {
        body.insert("temperature".into(), json!(temperature));
    }
    if let Some(limit) = request.max_tokens {
        let field = match limit_field {
            TokenLimitField::MaxCompletionTokens => "max_completion_tokens",
            TokenLimitField::MaxTokens => "max_tokens",
        };
        body.insert(field.into(), json!(limit));
    }
    if !request.stop.is_empty() {
        body.insert("stop".into(), json!(request.stop));
    }
    if let Some(effort) = request.reasoning_effort {
        body.insert("reasoning_effort".into(), json!(effort));
    }
    if request.stream {
        body.insert("stream".into(), json!(true));
        body.insert("stream_options".into(), json!({ "include_usage": true }));
    }
    Value::Object(body)
}

fn messages(messages: &[Message]) -> Vec<Value> {
    let mut out = Vec::new();
    for message in messages {
        match message {
            Message::System { content } | Message::User { content } => {
                for block in content {
                    match block {
                        Block::Text { text } => out.push(json!({ "role": message.role(), "content": text })),
                        Block::ToolResult { tool_call_id, content, .. } => out.push(json!({
                            "role": "tool", "tool_call_id": tool_call_id, "content": as_text(content),
                        })),
                        Block::ToolCall { .. } => {}
                    }
                }
            }
            Message::Assistant { content } => {
                let text = message.text();
                let calls: Vec<Value> = content
                    .iter()
                    .filter_map(|block| match block {
                        Block::ToolCall {
                            id,
                            name,
                            arguments,
                        } => Some(json!({
                            "id": id, "type": "function",
                            "function": { "name": name, "arguments": arguments.to_string() },
                        })),
                        _ => None,
                    })
                    .collect();
                if text.is_empty() && calls.is_empty() {
                    continue;
                }
                let mut turn = json!({ "role": "assistant", "content": if text.is_empty() { Value::Null } else { json!(text) } });
                if !calls.is_empty() {
                    turn["tool_calls"] = Value::Array(calls);
                }
                out.push(turn);
            }
        }
    }
    out
}

/// A tool result as the text OpenAI expects (strings as they are, anything else as JSON).
pub fn as_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
