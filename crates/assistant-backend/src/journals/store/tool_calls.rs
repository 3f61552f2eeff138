//! Tool calls of assistant replies: recorded when the assistant starts one (with the tool's
//! name and arguments, which the next turn's context replays), finished with its response or
//! error (shown to the person) and the result the model was given. Both are scoped to the user
//! owning the message.

use sqlx::types::Json;
use uuid::Uuid;

use super::JournalStore;
use super::rows::TOOL_CALL_JSON;
use crate::journals::error::JournalError;
use crate::journals::model::{MessageId, ToolCall, ToolOutcome};

/// A tool call as the assistant starts it.
#[derive(Debug, Clone, Copy)]
pub struct ToolCallStart<'a> {
    /// The model's id of the call.
    pub tool_call_id: &'a str,
    /// The tool's name, as the model called it.
    pub name: &'a str,
    /// The arguments the model gave.
    pub arguments: &'a serde_json::Value,
    /// What the person sees as the call's title.
    pub title: &'a str,
    /// What the person sees as what the call does.
    pub description: &'a str,
}

impl JournalStore {
    /// Records a tool call the assistant started while writing `message`.
    pub async fn add_tool_call(
        &self,
        user: Uuid,
        message: MessageId,
        call: ToolCallStart<'_>,
    ) -> Result<ToolCall, JournalError> {
        let stored: Option<Json<ToolCall>> = sqlx::query_scalar(&format!(
            "INSERT INTO tool_calls AS t
                 (message_id, tool_call_id, title, description, name, arguments)
             SELECT m.id, $3, $4, $5, $6, $7
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.id = $2 AND c.user_id = $1
             RETURNING {TOOL_CALL_JSON}"
        ))
        .bind(user)
        .bind(message.0)
        .bind(call.tool_call_id)
        .bind(call.title)
        .bind(call.description)
        .bind(call.name)
        .bind(Json(call.arguments))
        .fetch_optional(&self.pool)
        .await
        .map_err(JournalError::database("add tool call"))?;
        stored
            .map(|call| call.0)
            .ok_or(JournalError::MessageNotFound { id: message })
    }

    /// Records how the tool call `tool_call_id` of `message` ended, and `result`, what the
    /// model was told.
    pub async fn finish_tool_call(
        &self,
        user: Uuid,
        message: MessageId,
        tool_call_id: &str,
        outcome: ToolOutcome,
        result: &str,
    ) -> Result<ToolCall, JournalError> {
        let (response, error) = match outcome {
            ToolOutcome::Response(response) => (Some(response), None),
            ToolOutcome::Error(error) => (None, Some(error)),
        };
        let call: Option<Json<ToolCall>> = sqlx::query_scalar(&format!(
            "UPDATE tool_calls AS t SET response = $4, error = $5, result = $6
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE t.message_id = $2 AND t.tool_call_id = $3
               AND m.id = t.message_id AND c.user_id = $1
             RETURNING {TOOL_CALL_JSON}"
        ))
        .bind(user)
        .bind(message.0)
        .bind(tool_call_id)
        .bind(response)
        .bind(error)
        .bind(result)
        .fetch_optional(&self.pool)
        .await
        .map_err(JournalError::database("finish tool call"))?;
        call.map(|call| call.0)
            .ok_or_else(|| JournalError::ToolCallNotFound {
                message,
                tool_call_id: tool_call_id.to_owned(),
            })
    }
}
