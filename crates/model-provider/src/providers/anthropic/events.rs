//! Anthropic's server-sent events as canonical stream events: text deltas as text, each
//! `tool_use` block as a tool-call start numbered among the reply's tool calls with its
//! `input_json_delta` fragments, the stop reason at `message_delta`, usage at `message_stop`,
//! and an `error` event as an error. The structured-output tool's input streams as text. A
//! stream that stops before `message_stop` ends with an error, never silently.

use std::collections::HashMap;
use std::fmt::Display;

use eventsource_stream::Event;
use serde::Deserialize;

use super::reply::{WireBlock, WireUsage, finish_reason, stream_error};
use super::request::OutputTool;
use crate::chat::{StreamEvent, Usage};
use crate::providers::error::ProviderError;

/// One output item of the decoder: an event or error for the caller, or `None` once the
/// stream is over (nothing after it is read).
pub type Step = Option<Result<StreamEvent, ProviderError>>;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireEvent {
    MessageStart {
        message: Started,
    },
    ContentBlockStart {
        index: usize,
        content_block: WireBlock,
    },
    ContentBlockDelta {
        index: usize,
        delta: WireDelta,
    },
    ContentBlockStop {
        index: usize,
    },
    MessageDelta {
        #[serde(default)]
        delta: MessageChange,
        #[serde(default)]
        usage: Option<WireUsage>,
    },
    MessageStop,
    Error {
        error: WireError,
    },
    /// `ping` and event types added later.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct Started {
    #[serde(default)]
    usage: WireUsage,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireDelta {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    /// Thinking, signatures, citations.
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct MessageChange {
    #[serde(default)]
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

/// An open `tool_use` content block.
#[derive(Debug)]
enum Open {
    /// A tool call, by its position among the reply's tool calls.
    Call(usize),
    /// The structured-output tool; a wrapped answer is collected until the block ends.
    Output { collected: String, streamed: bool },
}

/// The state of one reply stream.
#[derive(Debug)]
pub struct Decoder {
    provider: &'static str,
    output: Option<OutputTool>,
    open: HashMap<usize, Open>,
    calls: usize,
    input_tokens: u64,
    output_tokens: u64,
}

impl Decoder {
    /// A decoder for a reply to a request sent with the structured-output tool `output`.
    pub fn new(provider: &'static str, output: Option<OutputTool>) -> Self {
        Self {
            provider,
            output,
            open: HashMap::new(),
            calls: 0,
            input_tokens: 0,
            output_tokens: 0,
        }
    }

    /// The steps for the next upstream event, or for the end of the upstream body (`None`).
    pub fn step<E: Display>(&mut self, event: Option<Result<Event, E>>) -> Vec<Step> {
        let outcome = match event {
            Some(Ok(event)) => self.event(&event.data),
            Some(Err(error)) => Err(self.failed(format!("stream broke: {error}"))),
            None => Err(self.failed("stream ended before message_stop".into())),
        };
        match outcome {
            Ok((events, done)) => {
                let mut steps: Vec<Step> =
                    events.into_iter().map(|event| Some(Ok(event))).collect();
                if done {
                    steps.push(None);
                }
                steps
            }
            Err(error) => vec![Some(Err(error)), None],
        }
    }

    /// The events for one `data:` payload, and whether the reply is complete.
    fn event(&mut self, data: &str) -> Result<(Vec<StreamEvent>, bool), ProviderError> {
        if data.trim().is_empty() {
            return Ok((Vec::new(), false));
        }
        let event: WireEvent = serde_json::from_str(data)
            .map_err(|error| self.failed(format!("unreadable stream event: {error}")))?;
        let mut events = Vec::new();
        match event {
            WireEvent::MessageStart { message } => self.count(message.usage),
            WireEvent::ContentBlockStart {
                index,
                content_block,
            } => match content_block {
                WireBlock::Text { text } if !text.is_empty() => {
                    events.push(StreamEvent::Text(text))
                }
                WireBlock::ToolUse { id, name, .. } => {
                    events.extend(self.start_tool(index, id, name))
                }
                WireBlock::Text { .. } | WireBlock::Other => {}
            },
            WireEvent::ContentBlockDelta { index, delta } => match delta {
                WireDelta::TextDelta { text } if !text.is_empty() => {
                    events.push(StreamEvent::Text(text))
                }
                WireDelta::InputJsonDelta { partial_json } if !partial_json.is_empty() => {
                    events.extend(self.arguments(index, partial_json));
                }
                WireDelta::TextDelta { .. }
                | WireDelta::InputJsonDelta { .. }
                | WireDelta::Other => {}
            },
            WireEvent::ContentBlockStop { index } => events.extend(self.stop_block(index)),
            WireEvent::MessageDelta { delta, usage } => {
                if let Some(usage) = usage {
                    self.count(usage);
                }
                if let Some(reason) = delta.stop_reason {
                    let answered = self.output.is_some() && self.calls == 0;
                    events.push(StreamEvent::Finish(finish_reason(Some(&reason), answered)));
                }
            }
            WireEvent::MessageStop => {
                events.push(StreamEvent::Usage(Usage::new(
                    self.input_tokens,
                    self.output_tokens,
                )));
                return Ok((events, true));
            }
            WireEvent::Error { error } => {
                return Err(stream_error(self.provider, &error.kind, error.message));
            }
            WireEvent::Other => {}
        }
        Ok((events, false))
    }

    fn start_tool(&mut self, block: usize, id: String, name: String) -> Option<StreamEvent> {
        if self.output.as_ref().is_some_and(|tool| tool.name == name) {
            let open = Open::Output {
                collected: String::new(),
                streamed: false,
            };
            self.open.insert(block, open);
            return None;
        }
        let index = self.calls;
        self.calls += 1;
        self.open.insert(block, Open::Call(index));
        Some(StreamEvent::ToolCallStart { index, id, name })
    }

    fn arguments(&mut self, block: usize, fragment: String) -> Option<StreamEvent> {
        let wrapped = self.output.as_ref().is_some_and(|tool| tool.wrapped);
        match self.open.get_mut(&block)? {
            Open::Call(index) => Some(StreamEvent::ToolCallArguments {
                index: *index,
                fragment,
            }),
            Open::Output { collected, .. } if wrapped => {
                collected.push_str(&fragment);
                None
            }
            Open::Output { streamed, .. } => {
                *streamed = true;
                Some(StreamEvent::Text(fragment))
            }
        }
    }

    /// The structured answer still owed when its block ends: a wrapped answer taken out of its
    /// wrapper (as collected when it is not JSON), or `{}` when nothing streamed.
    fn stop_block(&mut self, block: usize) -> Option<StreamEvent> {
        let Some(Open::Output {
            collected,
            streamed,
        }) = self.open.remove(&block)
        else {
            return None;
        };
        let tool = self.output.as_ref()?;
        if streamed {
            return None;
        }
        let text = if collected.trim().is_empty() {
            tool.text(serde_json::json!({}))
        } else {
            serde_json::from_str(&collected).map_or(collected, |input| tool.text(input))
        };
        Some(StreamEvent::Text(text))
    }

    fn count(&mut self, usage: WireUsage) {
        if let Some(input) = usage.input() {
            self.input_tokens = input;
        }
        if let Some(output) = usage.output() {
            self.output_tokens = output;
        }
    }

    fn failed(&self, message: String) -> ProviderError {
        ProviderError::Upstream {
            provider: self.provider,
            message,
        }
    }
}
