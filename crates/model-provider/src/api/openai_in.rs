//! An OpenAI chat-completions request as the canonical request. Every field OpenAI documents
//! that the gateway can honour is mapped (array content parts with text, `developer` messages,
//! tool calls and results, `tool_choice`, `response_format` json_schema and json_object,
//! `max_tokens` and `max_completion_tokens`, `stop`, `temperature`, `reasoning_effort`,
//! `stream`); anything unusable is refused with a 400 naming the field.

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use crate::catalog::ReasoningEffort;
use crate::chat::{Block, ChatRequest, Message, StructuredOutput, Tool, ToolChoice};

/// The request as OpenAI clients send it.
#[derive(Debug, Deserialize)]
pub struct CompletionRequest {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    messages: Vec<WireMessage>,
    #[serde(default)]
    tools: Vec<Value>,
    #[serde(default)]
    tool_choice: Option<Value>,
    #[serde(default)]
    response_format: Option<Value>,
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    stream_options: Option<Value>,
    #[serde(default)]
    temperature: Option<f64>,
    #[serde(default)]
    max_tokens: Option<u32>,
    #[serde(default)]
    max_completion_tokens: Option<u32>,
    #[serde(default)]
    stop: Option<Value>,
    #[serde(default)]
    reasoning_effort: Option<ReasoningEffort>,
}

impl CompletionRequest {
    /// Whether a streamed reply should end with a usage chunk.
    pub fn wants_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|options| options.get("include_usage"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

#[derive(Debug, Deserialize)]
struct WireMessage {
    role: String,
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    tool_calls: Vec<Value>,
    #[serde(default)]
    tool_call_id: Option<String>,
}

/// The canonical request for `request`.
pub fn canonical(request: &CompletionRequest) -> Result<ChatRequest, ApiError> {
    let model = request
        .model
        .clone()
        .filter(|model| !model.trim().is_empty())
        .ok_or_else(|| ApiError::bad("model", "is required"))?;
    let mut messages = Vec::with_capacity(request.messages.len());
    for (index, message) in request.messages.iter().enumerate() {
        messages.push(message_of(index, message)?);
    }
    let tools = request
        .tools
        .iter()
        .enumerate()
        .map(|(index, tool)| tool_of(index, tool))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ChatRequest {
        model,
        messages,
        tools,
        tool_choice: request
            .tool_choice
            .as_ref()
            .map(tool_choice_of)
            .transpose()?,
        structured_output: request
            .response_format
            .as_ref()
            .map(structured_output_of)
            .transpose()?
            .flatten(),
        stream: request.stream,
        temperature: request.temperature,
        max_tokens: request.max_completion_tokens.or(request.max_tokens),
        stop: stop_of(request.stop.as_ref())?,
        reasoning_effort: request.reasoning_effort,
    })
}

fn message_of(index: usize, message: &WireMessage) -> Result<Message, ApiError> {
    let at = |field: &str| format!("messages[{index}].{field}");
    let text = text_of(&at("content"), message.content.as_ref())?;
    let texts = || {
        text.clone()
            .into_iter()
            .map(|text| Block::Text { text })
            .collect::<Vec<_>>()
    };
    match message.role.as_str() {
        "system" | "developer" => Ok(Message::System { content: texts() }),
        "user" => Ok(Message::User { content: texts() }),
        "tool" => {
            let tool_call_id = message.tool_call_id.clone().ok_or_else(|| {
                ApiError::bad(at("tool_call_id"), "is required for tool messages")
            })?;
            let content = Value::String(text.unwrap_or_default());
            Ok(Message::User {
                content: vec![Block::ToolResult {
                    tool_call_id,
                    content,
                    is_error: false,
                }],
            })
        }
        "assistant" => {
            let mut content = texts();
            for (call_index, call) in message.tool_calls.iter().enumerate() {
                content.push(tool_call_of(
                    &at(&format!("tool_calls[{call_index}]")),
                    call,
                )?);
            }
            Ok(Message::Assistant { content })
        }
        other => Err(ApiError::bad(
            at("role"),
            format!("unknown role `{other}` (system, developer, user, assistant, tool)"),
        )),
    }
}

/// The text of a message's content: a string, or an array whose parts are all text.
fn text_of(at: &str, content: Option<&Value>) -> Result<Option<String>, ApiError> {
    match content {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone()).filter(|text| !text.is_empty())),
        Some(Value::Array(parts)) => {
            let mut texts = Vec::new();
            for (part_index, part) in parts.iter().enumerate() {
                match (
                    part.get("type").and_then(Value::as_str),
                    part.get("text").and_then(Value::as_str),
                ) {
                    (Some("text"), Some(text)) => texts.push(text),
                    (kind, _) => {
                        return Err(ApiError::bad(
                            format!("{at}[{part_index}]"),
                            format!(
                                "content part type {} is not supported; only text parts are",
                                kind.unwrap_or("(none)")
                            ),
                        ));
                    }
                }
            }
            Ok(Some(texts.join("")).filter(|text| !text.is_empty()))
        }
        Some(_) => Err(ApiError::bad(
            at,
            "must be a string or an array of content parts",
        )),
    }
}

fn tool_call_of(at: &str, call: &Value) -> Result<Block, ApiError> {
    let function = call
        .get("function")
        .ok_or_else(|| ApiError::bad(format!("{at}.function"), "is required"))?;
    let name = function
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad(format!("{at}.function.name"), "is required"))?;
    let id = call
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad(format!("{at}.id"), "is required"))?;
    let arguments = match function.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(Value::String(raw)) if raw.trim().is_empty() => json!({}),
        Some(Value::String(raw)) => serde_json::from_str::<Value>(raw)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| {
                ApiError::bad(
                    format!("{at}.function.arguments"),
                    "must be a JSON object encoded as a string",
                )
            })?,
        Some(Value::Object(object)) => Value::Object(object.clone()),
        Some(_) => {
            return Err(ApiError::bad(
                format!("{at}.function.arguments"),
                "must be a JSON object encoded as a string",
            ));
        }
    };
    Ok(Block::ToolCall {
        id: id.to_owned(),
        name: name.to_owned(),
        arguments,
    })
}

fn tool_of(index: usize, tool: &Value) -> Result<Tool, ApiError> {
    let at = format!("tools[{index}]");
    if tool.get("type").and_then(Value::as_str) != Some("function") {
        return Err(ApiError::bad(
            format!("{at}.type"),
            "only function tools are supported",
        ));
    }
    let function = tool
        .get("function")
        .ok_or_else(|| ApiError::bad(format!("{at}.function"), "is required"))?;
    let name = function
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ApiError::bad(format!("{at}.function.name"), "is required"))?;
    let parameters = match function.get("parameters") {
        None | Some(Value::Null) => json!({ "type": "object", "properties": {} }),
        Some(Value::Object(object)) => Value::Object(object.clone()),
        Some(_) => {
            return Err(ApiError::bad(
                format!("{at}.function.parameters"),
                "must be a JSON schema object",
            ));
        }
    };
    Ok(Tool {
        kind: "function".into(),
        name: name.to_owned(),
        description: function
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        parameters,
    })
}

fn tool_choice_of(choice: &Value) -> Result<ToolChoice, ApiError> {
    match choice {
        Value::String(policy) => match policy.as_str() {
            "auto" => Ok(ToolChoice::Auto),
            "none" => Ok(ToolChoice::None),
            "required" => Ok(ToolChoice::Required),
            other => Err(ApiError::bad(
                "tool_choice",
                format!("`{other}` is not auto, none or required"),
            )),
        },
        Value::Object(_) => choice
            .pointer("/function/name")
            .and_then(Value::as_str)
            .map(|name| ToolChoice::Tool {
                name: name.to_owned(),
            })
            .ok_or_else(|| ApiError::bad("tool_choice.function.name", "is required")),
        _ => Err(ApiError::bad(
            "tool_choice",
            "must be a string or {\"type\":\"function\",\"function\":{\"name\":…}}",
        )),
    }
}

fn structured_output_of(format: &Value) -> Result<Option<StructuredOutput>, ApiError> {
    let kind = format.get("type").and_then(Value::as_str);
    match kind {
        Some("text") => Ok(None),
        Some("json_object") => Ok(Some(StructuredOutput {
            name: None,
            schema: json!({ "type": "object" }),
            strict: false,
        })),
        Some("json_schema") => {
            let spec = format
                .get("json_schema")
                .filter(|spec| spec.is_object())
                .ok_or_else(|| ApiError::bad("response_format.json_schema", "must be an object"))?;
            let schema = spec
                .get("schema")
                .filter(|schema| schema.is_object())
                .ok_or_else(|| {
                    ApiError::bad(
                        "response_format.json_schema.schema",
                        "must be a JSON schema object",
                    )
                })?;
            Ok(Some(StructuredOutput {
                name: spec.get("name").and_then(Value::as_str).map(str::to_owned),
                schema: schema.clone(),
                strict: spec.get("strict").and_then(Value::as_bool).unwrap_or(false),
            }))
        }
        _ => Err(ApiError::bad(
            "response_format.type",
            "must be text, json_object or json_schema",
        )),
    }
}

fn stop_of(stop: Option<&Value>) -> Result<Vec<String>, ApiError> {
    match stop {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(one)) => Ok(vec![one.clone()]),
        Some(Value::Array(many)) => many
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::bad("stop", "must hold strings"))
            })
            .collect(),
        Some(_) => Err(ApiError::bad(
            "stop",
            "must be a string or an array of strings",
        )),
    }
}
