//! What a running turn says and records: each event goes to the stream's log (and so to every
//! reader), the reply's text is accumulated for the journal, and every tool call is stored on
//! the reply as it starts and as it ends.

use std::time::Instant;

use serde_json::Value;
use uuid::Uuid;

use super::agent::tools::{Labels, ToolOutput};
use super::events::ChatEvent;
use super::log::{LogError, LogWriter};
use crate::journals::{JournalError, Journals, MessageId, ToolCallStart, ToolOutcome};

/// Why a turn could not go on.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// The model failed; the text is for the person.
    #[error("{0}")]
    Model(String),
    /// The event log failed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl TurnError {
    /// What the person is told.
    pub fn public_message(&self) -> String {
        match self {
            TurnError::Model(message) => message.clone(),
            TurnError::Log(_) | TurnError::Journal(_) => {
                "The assistant failed while writing this reply.".to_owned()
            }
        }
    }
}

/// The voice of one turn.
#[derive(Debug)]
pub struct Emitter {
    writer: LogWriter,
    journals: Journals,
    user: Uuid,
    reply: MessageId,
    text: String,
    started: Instant,
}

impl Emitter {
    /// The emitter of the turn writing `reply` for `user`.
    pub fn new(writer: LogWriter, journals: Journals, user: Uuid, reply: MessageId) -> Self {
        Self {
            writer,
            journals,
            user,
            reply,
            text: String::new(),
            started: Instant::now(),
        }
    }

    /// The reply's text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Sends `event` to the stream's readers.
    pub async fn emit(&self, event: &ChatEvent) -> Result<(), TurnError> {
        self.writer.append(event).await?;
        Ok(())
    }

    /// Adds `text` to the reply.
    pub async fn chunk(&mut self, text: &str) -> Result<(), TurnError> {
        if text.is_empty() {
            return Ok(());
        }
        if self.text.is_empty() {
            super::metrics::first_chunk(self.started.elapsed());
        }
        self.text.push_str(text);
        self.emit(&ChatEvent::MessageChunk {
            text: text.to_owned(),
        })
        .await
    }

    /// A tool call starts: stored on the reply, then announced.
    pub async fn tool_started(
        &self,
        id: &str,
        name: &str,
        arguments: &Value,
        labels: &Labels,
    ) -> Result<(), TurnError> {
        self.journals
            .add_tool_call(
                self.user,
                self.reply,
                ToolCallStart {
                    tool_call_id: id,
                    name,
                    arguments,
                    title: &labels.title,
                    description: &labels.description,
                },
            )
            .await?;
        self.emit(&ChatEvent::ToolCall {
            tool_call_id: id.to_owned(),
            title: labels.title.clone(),
            description: labels.description.clone(),
        })
        .await
    }

    /// How long the turn has run.
    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    /// A call of `tool` ended; returns the text the model is given.
    pub async fn tool_finished(
        &self,
        id: &str,
        tool: &str,
        outcome: Result<ToolOutput, String>,
    ) -> Result<(String, bool), TurnError> {
        super::metrics::tool_call(tool, outcome.is_err());
        let (stored, event, result, failed) = match outcome {
            Ok(output) => (
                ToolOutcome::Response(output.summary.clone()),
                ChatEvent::ToolResponse {
                    tool_call_id: id.to_owned(),
                    message: output.summary,
                },
                output.result,
                false,
            ),
            Err(error) => (
                ToolOutcome::Error(error.clone()),
                ChatEvent::Error {
                    tool_call_id: Some(id.to_owned()),
                    message: error.clone(),
                },
                format!("error: {error}"),
                true,
            ),
        };
        self.journals
            .finish_tool_call(self.user, self.reply, id, stored, &result)
            .await?;
        self.emit(&event).await?;
        Ok((result, failed))
    }
}
