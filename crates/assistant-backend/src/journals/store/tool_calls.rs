//! Tool calls of assistant replies: recorded when the assistant starts one, finished with its
//! response or error. Both are scoped to the user owning the message.

use sqlx::types::Json;
use uuid::Uuid;

use super::JournalStore;
use super::rows::TOOL_CALL_JSON;
use crate::journals::error::JournalError;
use crate::journals::model::{MessageId, ToolCall, ToolOutcome};

impl JournalStore {
    /// Records a tool call the assistant started while writing `message`.
    pub async fn add_tool_call(
        &self,
        user: Uuid,
        message: MessageId,
        tool_call_id: &str,
        title: &str,
        description: &str,
    ) -> Result<ToolCall, JournalError> {
        let call: Option<Json<ToolCall>> = sqlx::query_scalar(&format!(
            "INSERT INTO tool_calls AS t (message_id, tool_call_id, title, description)
             SELECT m.id, $3, $4, $5
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.id = $2 AND c.user_id = $1
             RETURNING {TOOL_CALL_JSON}"
        ))
        .bind(user)
        .bind(message.0)
        .bind(tool_call_id)
        .bind(title)
        .bind(description)
        .fetch_optional(&self.pool)
        .await
        .map_err(JournalError::database("add tool call"))?;
        call.map(|call| call.0)
            .ok_or(JournalError::MessageNotFound { id: message })
    }

    /// Records how the tool call `tool_call_id` of `message` ended.
    pub async fn finish_tool_call(
        &self,
        user: Uuid,
        message: MessageId,
        tool_call_id: &str,
        outcome: ToolOutcome,
    ) -> Result<ToolCall, JournalError> {
        let (response, error) = match outcome {
            ToolOutcome::Response(response) => (Some(response), None),
            ToolOutcome::Error(error) => (None, Some(error)),
        };
        let call: Option<Json<ToolCall>> = sqlx::query_scalar(&format!(
            "UPDATE tool_calls AS t SET response = $4, error = $5
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
