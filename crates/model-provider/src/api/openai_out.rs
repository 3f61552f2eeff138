//! Canonical replies in OpenAI's shapes: a `chat.completion` object, and the
//! `chat.completion.chunk` sequence of a stream (a role chunk first, text deltas, tool-call
//! deltas with their `index`, a finish chunk, and a usage chunk with empty `choices` when the
//! client asked for usage).

use serde_json::{Value, json};

use crate::chat::{Block, ChatResponse, FinishReason, StreamEvent, Usage};

/// A complete reply as a `chat.completion`.
pub fn completion(response: &ChatResponse, created: u64) -> Value {
    let text: String = response
        .message
        .content
        .iter()
        .filter_map(|block| match block {
            Block::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let calls: Vec<Value> = response
        .message
        .content
        .iter()
        .filter_map(|block| match block {
            Block::ToolCall { id, name, arguments } => Some(json!({
                "id": id, "type": "function", "function": { "name": name, "arguments": arguments.to_string() },
            })),
            _ => None,
        })
        .collect();
    let mut message = json!({
        "role": "assistant",
        "content": if text.is_empty() && !calls.is_empty() { Value::Null } else { json!(text) },
    });
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    json!({
        "id": response.id, "object": "chat.completion", "created": created, "model": response.model,
        "choices": [{ "index": 0, "message": message, "finish_reason": response.finish_reason, "logprobs": null }],
        "usage": usage(&response.usage),
    })
}

fn usage(usage: &Usage) -> Value {
    json!({
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    })
}

/// Turns stream events into `chat.completion.chunk` objects of one reply.
#[derive(Debug)]
pub struct Chunker {
    id: String,
    model: String,
    created: u64,
    include_usage: bool,
    started: bool,
}

impl Chunker {
    /// Chunks of reply `id` for `model` (the alias).
    pub fn new(id: String, model: String, created: u64, include_usage: bool) -> Self {
        Self {
            id,
            model,
            created,
            include_usage,
            started: false,
        }
    }

    /// The chunks for `event`.
    pub fn chunks(&mut self, event: StreamEvent) -> Vec<Value> {
        let mut chunks = Vec::new();
        if !self.started {
            self.started = true;
            chunks.push(self.choice(json!({ "role": "assistant", "content": "" }), None));
        }
        match event {
            StreamEvent::Text(text) => chunks.push(self.choice(json!({ "content": text }), None)),
            StreamEvent::ToolCallStart { index, id, name } => chunks.push(self.choice(
                json!({ "tool_calls": [{ "index": index, "id": id, "type": "function",
                                          "function": { "name": name, "arguments": "" } }] }),
                None,
            )),
            StreamEvent::ToolCallArguments { index, fragment } => chunks.push(self.choice(
                json!({ "tool_calls": [{ "index": index, "function": { "arguments": fragment } }] }),
                None,
            )),
            StreamEvent::Finish(reason) => chunks.push(self.choice(json!({}), Some(reason))),
            StreamEvent::Usage(counts) if self.include_usage => {
                let mut chunk = self.base();
                chunk["choices"] = json!([]);
                chunk["usage"] = usage(&counts);
                chunks.push(chunk);
            }
            StreamEvent::Usage(_) => {}
        }
        chunks
    }

    fn base(&self) -> Value {
        json!({ "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model })
    }

    fn choice(&self, delta: Value, finish: Option<FinishReason>) -> Value {
        let mut chunk = self.base();
        chunk["choices"] =
            json!([{ "index": 0, "delta": delta, "finish_reason": finish, "logprobs": null }]);
        chunk
    }
}
