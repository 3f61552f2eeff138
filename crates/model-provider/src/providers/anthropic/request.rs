//! The canonical chat request as an Anthropic Messages body: system text hoisted to `system`,
//! consecutive turns of one role merged (the API demands alternation), tool calls and results
//! as `tool_use` / `tool_result` blocks, tools with normalised schemas, and structured output
//! as one more tool the model is made to call. It decides nothing about transport.

use serde_json::{Map, Value, json};

use super::schema::{self, WRAPPED_PROPERTY};
use crate::chat::{Block, ChatRequest, Message, Tool, ToolChoice};
use crate::providers::error::ProviderError;
use crate::providers::openai::request::as_text;

/// Output-token limit when neither the request nor its alias sets one (Anthropic requires it).
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The output tool's name when the structured output has none.
const OUTPUT_TOOL: &str = "structured_output";

const OUTPUT_DESCRIPTION: &str = "Give your final answer by calling this tool; its input is the answer, exactly as the schema describes it.";

/// The forced tool that carries a structured-output reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTool {
    /// The tool's name (the structured output's name, or `structured_output`).
    pub name: String,
    /// The schema was not an object schema: the answer is the input's `input` field.
    pub wrapped: bool,
}

impl OutputTool {
    /// The reply text for the tool's `input`: the answer as JSON text.
    pub fn text(&self, input: Value) -> String {
        let answer = match input {
            Value::Object(mut fields) if self.wrapped => {
                fields.remove(WRAPPED_PROPERTY).unwrap_or(Value::Null)
            }
            other => other,
        };
        answer.to_string()
    }
}

/// A Messages API body and how its reply must be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The JSON body.
    pub body: Value,
    /// The structured-output tool, when the request asked for structured output.
    pub output: Option<OutputTool>,
}

/// The body for `request` (whose `model` is already the upstream name); `stream` asks for
/// server-sent events. A tool schema that cannot be used is [`ProviderError::Invalid`].
pub fn body(request: &ChatRequest, stream: bool) -> Result<Prepared, ProviderError> {
    let (system, turns) = conversation(&request.messages);
    let mut tools = request
        .tools
        .iter()
        .enumerate()
        .map(|(position, tool)| tool_definition(position, tool))
        .collect::<Result<Vec<_>, _>>()?;
    let mut choice = request.tool_choice.as_ref().map(tool_choice);
    let output = match &request.structured_output {
        Some(structured) => {
            let name = structured
                .name
                .clone()
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| OUTPUT_TOOL.to_owned());
            let invalid =
                |why: &str| ProviderError::Invalid(format!("structured_output ({name}): {why}"));
            if request.tools.iter().any(|tool| tool.name == name) {
                return Err(invalid("a tool already has this name"));
            }
            let schema = schema::normalise(&structured.schema).map_err(|why| invalid(&why))?;
            tools.push(json!({ "name": name, "description": OUTPUT_DESCRIPTION, "input_schema": schema.schema }));
            choice = Some(output_choice(request, &name));
            Some(OutputTool {
                name,
                wrapped: schema.wrapped,
            })
        }
        None => None,
    };

    let mut body = Map::new();
    body.insert("model".into(), json!(request.model));
    body.insert(
        "max_tokens".into(),
        json!(request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS)),
    );
    if !system.is_empty() {
        body.insert("system".into(), Value::Array(system));
    }
    body.insert("messages".into(), Value::Array(turns));
    if !tools.is_empty() {
        body.insert("tools".into(), Value::Array(tools));
        // Anthropic refuses a tool_choice without tools, and without tools "none" is moot.
        if let Some(choice) = choice {
            body.insert("tool_choice".into(), choice);
        }
    }
    if let Some(temperature) = request.temperature {
        body.insert("temperature".into(), json!(temperature));
    }
    if !request.stop.is_empty() {
        body.insert("stop_sequences".into(), json!(request.stop));
    }
    if stream {
        body.insert("stream".into(), json!(true));
    }
    Ok(Prepared {
        body: Value::Object(body),
        output,
    })
}

/// The system blocks, and the other turns with consecutive same-role turns merged and empty
/// ones left out.
fn conversation(messages: &[Message]) -> (Vec<Value>, Vec<Value>) {
    let mut system = Vec::new();
    let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for message in messages {
        let blocks: Vec<Value> = message.content().iter().filter_map(block).collect();
        if let Message::System { .. } = message {
            system.extend(blocks.into_iter().filter(|block| block["type"] == "text"));
            continue;
        }
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((role, content)) if *role == message.role() => content.extend(blocks),
            _ => turns.push((message.role(), blocks)),
        }
    }
    let turns = turns
        .into_iter()
        .map(|(role, content)| json!({ "role": role, "content": content }))
        .collect();
    (system, turns)
}

/// One content block; empty text is left out because the API rejects it.
fn block(block: &Block) -> Option<Value> {
    Some(match block {
        Block::Text { text } if text.is_empty() => return None,
        Block::Text { text } => json!({ "type": "text", "text": text }),
        Block::ToolCall {
            id,
            name,
            arguments,
        } => json!({ "type": "tool_use", "id": id, "name": name, "input": arguments }),
        Block::ToolResult {
            tool_call_id,
            content,
            is_error,
        } => json!({
            "type": "tool_result", "tool_use_id": tool_call_id,
            "content": as_text(content), "is_error": is_error,
        }),
    })
}

fn tool_definition(position: usize, tool: &Tool) -> Result<Value, ProviderError> {
    let schema = schema::normalise(&tool.parameters).map_err(|why| {
        ProviderError::Invalid(format!("tools[{position}] ({}): {why}", tool.name))
    })?;
    Ok(json!({
        "name": tool.name,
        "description": tool.description.clone().unwrap_or_default(),
        "input_schema": schema.schema,
    }))
}

fn tool_choice(choice: &ToolChoice) -> Value {
    match choice {
        ToolChoice::Auto => json!({ "type": "auto" }),
        ToolChoice::None => json!({ "type": "none" }),
        ToolChoice::Required => json!({ "type": "any" }),
        ToolChoice::Tool { name } => json!({ "type": "tool", "name": name }),
    }
}

/// The tool choice with structured output: the output tool is forced unless the request also
/// offers tools it may call, in which case the model must call one of them or answer through
/// the output tool (a named tool choice still wins).
fn output_choice(request: &ChatRequest, output: &str) -> Value {
    match &request.tool_choice {
        Some(named @ ToolChoice::Tool { .. }) => tool_choice(named),
        Some(ToolChoice::None) => json!({ "type": "tool", "name": output }),
        _ if request.tools.is_empty() => json!({ "type": "tool", "name": output }),
        _ => json!({ "type": "any" }),
    }
}
