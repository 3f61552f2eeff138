//! Chat turns in the journal. A turn starts in one transaction under the conversation's row
//! lock: the person's message is stored (once per client message id) and the reply's row is
//! reserved, unless a reply of that journal is still being written (one turn at a time). A
//! reserved reply older than the longest a turn may run is left over from a process that died:
//! it is closed as failed so the journal is not blocked forever. The turn's context is read
//! back from the same tables, tool calls included.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::types::Json;
use uuid::Uuid;

use super::JournalStore;
use super::rows::parse_role;
use super::write::{NewMessage, commit, insert_message, lock_conversation};
use crate::journals::error::JournalError;
use crate::journals::model::{JournalMessage, MessageStatus, Role};

/// The outcome of [`JournalStore::begin_turn`].
#[derive(Debug, Clone, PartialEq)]
pub enum TurnStart {
    /// A new turn: the person's message and the reply reserved after it.
    Started {
        /// The person's message.
        message: Box<JournalMessage>,
        /// The reply, `streaming` and empty.
        reply: Box<JournalMessage>,
    },
    /// The client message id was seen before: nothing was written. `stream_id` is the
    /// original turn's stream (none for messages stored without one).
    Duplicate {
        /// The original turn's stream.
        stream_id: Option<Uuid>,
    },
    /// Another reply of this journal is still being written.
    Busy {
        /// The stream of the turn in progress.
        stream_id: Option<Uuid>,
    },
}

/// One message of a turn's context, newest first as read.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnContextMessage {
    /// Who wrote it.
    pub role: Role,
    /// Its text (a failed reply keeps what was written before it failed).
    pub content: String,
    /// Tool calls made while writing it, oldest first.
    pub tool_calls: Vec<ContextToolCall>,
}

/// A tool call as the model made it and what it was told.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ContextToolCall {
    /// The model's id of the call.
    pub tool_call_id: String,
    /// The tool's name (absent on calls stored before names were kept).
    pub name: Option<String>,
    /// Its arguments.
    pub arguments: Option<Value>,
    /// What the model was told (else the person's view of the outcome is used).
    pub result: Option<String>,
    /// The person's view of a successful outcome.
    pub response: Option<String>,
    /// The person's view of a failure.
    pub error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ContextRow {
    role: String,
    content: Option<String>,
    tool_calls: Json<Vec<ContextToolCall>>,
}

impl JournalStore {
    /// Starts a chat turn in the journal `reference` of `user`: stores `content` as the
    /// person's message (idempotent on `client_message_id`) and reserves the reply, both
    /// tagged with `stream_id` in their metadata. A reply still `streaming` for longer than
    /// `stale_after` is closed as failed first.
    pub async fn begin_turn(
        &self,
        user: Uuid,
        reference: &str,
        content: &str,
        client_message_id: Uuid,
        stream_id: Uuid,
        stale_after: Duration,
    ) -> Result<TurnStart, JournalError> {
        let mut tx = self.begin().await?;
        let conversation = lock_conversation(&mut tx, user, reference).await?;
        let original: Option<Option<String>> = sqlx::query_scalar(
            "SELECT metadata->>'stream_id' FROM messages
             WHERE conversation_id = $1 AND client_message_id = $2",
        )
        .bind(conversation)
        .bind(client_message_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(JournalError::database("find message by client id"))?;
        if let Some(stream) = original {
            tx.rollback()
                .await
                .map_err(JournalError::database("begin turn"))?;
            return Ok(TurnStart::Duplicate {
                stream_id: stream.and_then(|id| id.parse().ok()),
            });
        }
        let stale_seconds = stale_after.as_secs_f64();
        sqlx::query(
            "UPDATE messages SET status = 'failed',
                 metadata = COALESCE(metadata, '{}'::jsonb)
                     || jsonb_build_object('error', 'interrupted: the reply was never finished')
             WHERE conversation_id = $1 AND status = 'streaming'
               AND created_at < NOW() - make_interval(secs => $2)",
        )
        .bind(conversation)
        .bind(stale_seconds)
        .execute(&mut *tx)
        .await
        .map_err(JournalError::database("close stale replies"))?;
        let running: Option<Option<String>> = sqlx::query_scalar(
            "SELECT metadata->>'stream_id' FROM messages
             WHERE conversation_id = $1 AND status = 'streaming'
             ORDER BY sequence DESC LIMIT 1",
        )
        .bind(conversation)
        .fetch_optional(&mut *tx)
        .await
        .map_err(JournalError::database("find turn in progress"))?;
        if let Some(stream) = running {
            // Keep the stale-reply cleanup even though this turn does not start.
            commit(tx, "begin turn").await?;
            return Ok(TurnStart::Busy {
                stream_id: stream.and_then(|id| id.parse().ok()),
            });
        }
        let tag = json!({ "stream_id": stream_id });
        let message = insert_message(
            &mut tx,
            NewMessage {
                conversation,
                user,
                role: Role::User,
                content: Some(content),
                client_message_id: Some(client_message_id),
                status: MessageStatus::Complete,
                metadata: Some(tag.clone()),
            },
        )
        .await?;
        let reply = insert_message(
            &mut tx,
            NewMessage {
                conversation,
                user,
                role: Role::Assistant,
                content: None,
                client_message_id: None,
                status: MessageStatus::Streaming,
                metadata: Some(tag),
            },
        )
        .await?;
        commit(tx, "begin turn").await?;
        Ok(TurnStart::Started {
            message: Box::new(message),
            reply: Box::new(reply),
        })
    }

    /// Up to `limit` messages of the journal `reference` of `user` before `before_sequence`,
    /// newest first, with their tool calls: what a turn's context is built from. Replies
    /// still being written and empty messages are left out.
    pub async fn turn_context(
        &self,
        user: Uuid,
        reference: &str,
        before_sequence: i32,
        limit: i64,
    ) -> Result<Vec<TurnContextMessage>, JournalError> {
        let rows: Vec<ContextRow> = sqlx::query_as(
            "SELECT m.role, m.content,
                    COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                  'tool_call_id', t.tool_call_id, 'name', t.name,
                                  'arguments', t.arguments, 'result', t.result,
                                  'response', t.response, 'error', t.error)
                              ORDER BY t.created_at, t.id)
                              FROM tool_calls t WHERE t.message_id = m.id),
                             '[]'::jsonb) AS tool_calls
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.user_id = $1 AND c.reference = $2 AND m.sequence < $3
               AND m.status <> 'streaming'
               AND (COALESCE(m.content, '') <> ''
                    OR EXISTS (SELECT 1 FROM tool_calls t WHERE t.message_id = m.id))
             ORDER BY m.sequence DESC
             LIMIT $4",
        )
        .bind(user)
        .bind(reference)
        .bind(before_sequence)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(JournalError::database("read turn context"))?;
        rows.into_iter()
            .map(|row| {
                let role = parse_role(&row.role)?;
                Ok(TurnContextMessage {
                    role,
                    content: row.content.unwrap_or_default(),
                    tool_calls: row.tool_calls.0,
                })
            })
            .collect()
    }
}
