//! Rows as PostgreSQL returns them, and their conversion to the model. The stored spellings of
//! roles and statuses are checked here; an unknown one is reported as a database fault.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use crate::journals::error::JournalError;
use crate::journals::model::{
    EntryStatus, JournalEntry, JournalMessage, MessageId, MessageStatus, Role, ToolCall,
};

/// Columns of a journal summary; `FROM conversations c` must follow.
pub(super) const ENTRY_COLUMNS: &str = "
    SELECT c.id, c.reference, c.created_at, c.updated_at,
           stats.last_message_at, stats.message_count
    FROM conversations c
    CROSS JOIN LATERAL (
        SELECT MAX(m.created_at) AS last_message_at, COUNT(*) AS message_count
        FROM messages m
        WHERE m.conversation_id = c.id
    ) stats";

/// A tool call `t` as the JSON of [`ToolCall`].
pub(super) const TOOL_CALL_JSON: &str = "jsonb_build_object(
    'id', t.id, 'tool_call_id', t.tool_call_id, 'title', t.title,
    'description', t.description, 'response', t.response, 'error', t.error)";

/// Columns of a message `m` with its tool calls, decoded by [`MessageRow`].
pub(super) fn message_columns() -> String {
    format!(
        "m.id, m.role, m.content, m.sequence, m.created_at, m.metadata, m.status,
         COALESCE((SELECT jsonb_agg({TOOL_CALL_JSON} ORDER BY t.created_at, t.id)
                   FROM tool_calls t WHERE t.message_id = m.id), '[]'::jsonb) AS tool_calls"
    )
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct EntryRow {
    id: Uuid,
    reference: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_message_at: Option<DateTime<Utc>>,
    message_count: i64,
}

impl From<EntryRow> for JournalEntry {
    fn from(row: EntryRow) -> Self {
        JournalEntry {
            id: row.id,
            reference: row.reference,
            created_at: row.created_at,
            updated_at: row.updated_at,
            last_message_at: row.last_message_at,
            message_count: row.message_count,
            status: EntryStatus::Open,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct MessageRow {
    id: Uuid,
    role: String,
    content: Option<String>,
    sequence: i32,
    created_at: DateTime<Utc>,
    metadata: Option<serde_json::Value>,
    status: String,
    tool_calls: Json<Vec<ToolCall>>,
}

impl TryFrom<MessageRow> for JournalMessage {
    type Error = JournalError;

    fn try_from(row: MessageRow) -> Result<Self, JournalError> {
        Ok(JournalMessage {
            id: MessageId(row.id),
            role: parse_role(&row.role)?,
            content: row.content,
            sequence: row.sequence,
            created_at: row.created_at,
            metadata: row.metadata,
            status: parse_status(&row.status)?,
            tool_calls: row.tool_calls.0,
        })
    }
}

pub(super) fn parse_role(stored: &str) -> Result<Role, JournalError> {
    match stored {
        "user" => Ok(Role::User),
        "assistant" => Ok(Role::Assistant),
        other => Err(corrupt(format!("unknown message role `{other}`"))),
    }
}

fn parse_status(stored: &str) -> Result<MessageStatus, JournalError> {
    match stored {
        "streaming" => Ok(MessageStatus::Streaming),
        "complete" => Ok(MessageStatus::Complete),
        "failed" => Ok(MessageStatus::Failed),
        other => Err(corrupt(format!("unknown message status `{other}`"))),
    }
}

pub(super) fn corrupt(detail: String) -> JournalError {
    JournalError::Database {
        operation: "decode message",
        detail,
    }
}
