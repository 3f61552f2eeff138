//! The chat stream's events, as the web UI reads them (`event:` name and JSON `data`):
//! `message_chunk {text}`, `tool_call {tool_call_id, title, description}`,
//! `tool_response {tool_call_id, message}`, `error {tool_call_id, message}` (a tool's failure
//! when `tool_call_id` is set, the turn's otherwise) and, always last, `done {reason}`.

use serde::Serialize;

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DoneReason {
    /// The reply was written.
    Complete,
    /// The turn failed; an `error` event came first.
    Error,
    /// The person cancelled the turn.
    Cancelled,
}

/// One event of a chat stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum ChatEvent {
    /// More of the reply's markdown.
    MessageChunk {
        /// The text to append.
        text: String,
    },
    /// The assistant started a tool call.
    ToolCall {
        /// The call's id, repeated by its response or error.
        tool_call_id: String,
        /// Short title, e.g. `Knowledge search`.
        title: String,
        /// What the call does, e.g. `Searching your notes for “Anna”`.
        description: String,
    },
    /// A tool call finished.
    ToolResponse {
        /// The call.
        tool_call_id: String,
        /// Its outcome in a few words.
        message: String,
    },
    /// A tool call failed (`tool_call_id` set) or the turn failed (`null`).
    Error {
        /// The failed call, if a tool failed.
        tool_call_id: Option<String>,
        /// What went wrong, for the person.
        message: String,
    },
    /// The last event of every stream.
    Done {
        /// How the turn ended.
        reason: DoneReason,
    },
}

impl ChatEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            ChatEvent::MessageChunk { .. } => "message_chunk",
            ChatEvent::ToolCall { .. } => "tool_call",
            ChatEvent::ToolResponse { .. } => "tool_response",
            ChatEvent::Error { .. } => "error",
            ChatEvent::Done { .. } => "done",
        }
    }

    /// The SSE data: the event's fields as a JSON object.
    pub fn data(&self) -> String {
        let tagged = serde_json::to_value(self).unwrap_or_default();
        tagged
            .get("data")
            .map(ToString::to_string)
            .unwrap_or_else(|| "{}".to_owned())
    }
}

/// The name of the final event.
pub const DONE: &str = "done";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_the_fields_the_web_ui_reads() {
        let chunk = ChatEvent::MessageChunk {
            text: "Hé \"x\"".into(),
        };
        assert_eq!(chunk.name(), "message_chunk");
        assert_eq!(chunk.data(), r#"{"text":"Hé \"x\""}"#);
        let error = ChatEvent::Error {
            tool_call_id: None,
            message: "failed".into(),
        };
        assert_eq!(error.data(), r#"{"message":"failed","tool_call_id":null}"#);
        let done = ChatEvent::Done {
            reason: DoneReason::Cancelled,
        };
        assert_eq!(
            (done.name(), done.data().as_str()),
            (DONE, r#"{"reason":"cancelled"}"#)
        );
    }
}
