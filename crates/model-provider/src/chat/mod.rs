//! The canonical chat contract: the native `/v1/internal/chat/messages` request and reply
//! (field for field as the other services send and read them), and the stream events every
//! provider produces. The OpenAI-compatible route converts to and from these types; providers
//! translate them to their own wire formats.

pub mod validate;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::ReasoningEffort;

/// A chat request for an alias.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ChatRequest {
    /// The alias.
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Tools the model may call.
    #[serde(default)]
    pub tools: Vec<Tool>,
    /// Whether and which tool must be called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// A JSON schema the reply text must satisfy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_output: Option<StructuredOutput>,
    /// Stream the reply as server-sent events.
    #[serde(default)]
    pub stream: bool,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Most output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sequences that end the reply.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub stop: Vec<String>,
    /// Reasoning effort for models that have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<ReasoningEffort>,
}

/// One message, tagged by role.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Message {
    /// Instructions (text blocks only).
    System {
        /// Its blocks.
        content: Vec<Block>,
    },
    /// The user's turn (text and tool results).
    User {
        /// Its blocks.
        content: Vec<Block>,
    },
    /// The model's turn (text and tool calls).
    Assistant {
        /// Its blocks.
        content: Vec<Block>,
    },
}

impl Message {
    /// The role's name.
    pub fn role(&self) -> &'static str {
        match self {
            Message::System { .. } => "system",
            Message::User { .. } => "user",
            Message::Assistant { .. } => "assistant",
        }
    }

    /// The blocks.
    pub fn content(&self) -> &[Block] {
        match self {
            Message::System { content }
            | Message::User { content }
            | Message::Assistant { content } => content,
        }
    }

    /// The text blocks joined.
    pub fn text(&self) -> String {
        self.content()
            .iter()
            .filter_map(|block| match block {
                Block::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A content block.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// The model asks for a tool call.
    ToolCall {
        /// Call id, echoed by the result.
        id: String,
        /// Tool name.
        name: String,
        /// Arguments (a JSON object).
        #[serde(default = "empty_object")]
        arguments: Value,
    },
    /// The result of a tool call.
    ToolResult {
        /// The call answered.
        tool_call_id: String,
        /// Any JSON.
        content: Value,
        /// Whether the tool failed.
        #[serde(default)]
        is_error: bool,
    },
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Tool {
    /// Always `function`.
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    /// Name.
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON schema of its arguments.
    #[serde(default = "empty_object")]
    pub parameters: Value,
}

/// Tool policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// No tool calls.
    None,
    /// At least one tool call.
    Required,
    /// This tool must be called.
    Tool {
        /// Its name.
        name: String,
    },
}

/// A schema the reply must satisfy.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct StructuredOutput {
    /// Schema name (providers that need one get `structured_output`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The JSON schema.
    pub schema: Value,
    /// Strict mode.
    #[serde(default)]
    pub strict: bool,
}

/// Why a reply ended, in OpenAI's words (Anthropic's are mapped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// Natural end or stop sequence.
    Stop,
    /// Output token limit.
    Length,
    /// The reply asks for tool calls.
    ToolCalls,
    /// Filtered by the provider.
    ContentFilter,
}

/// Token counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Reply tokens.
    pub output_tokens: u64,
    /// Both.
    pub total_tokens: u64,
}

impl Usage {
    /// Counts with the total filled in.
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Self {
            input_tokens,
            output_tokens,
            total_tokens: input_tokens + output_tokens,
        }
    }
}

/// The assistant's reply message.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ReplyMessage {
    /// Always `assistant`.
    pub role: String,
    /// Text and tool-call blocks.
    pub content: Vec<Block>,
}

/// A complete (non-streamed) reply.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ChatResponse {
    /// Provider's id of the reply.
    pub id: String,
    /// The alias asked for.
    pub model: String,
    /// The reply.
    pub message: ReplyMessage,
    /// Why it ended.
    pub finish_reason: FinishReason,
    /// Token counts.
    pub usage: Usage,
}

/// A piece of a streamed reply, as providers produce it.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More reply text.
    Text(String),
    /// A tool call begins.
    ToolCallStart {
        /// Position among the reply's tool calls.
        index: usize,
        /// Call id.
        id: String,
        /// Tool name.
        name: String,
    },
    /// More of a tool call's argument JSON.
    ToolCallArguments {
        /// The call's position.
        index: usize,
        /// A fragment of the JSON text.
        fragment: String,
    },
    /// The reply ended.
    Finish(FinishReason),
    /// Token counts (after the end).
    Usage(Usage),
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn function_type() -> String {
    "function".into()
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
        Nothing(()),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
        OneOrMany::Nothing(()) => Vec::new(),
    })
}
