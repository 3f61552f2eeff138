//! Chat turns in the journal. A turn starts in one transaction under the conversation's row
//! lock, in three statements: the lock; one check that finds a repeated client message id, a
//! reply still being written (one turn at a time) and the turn's context (the earlier messages
//! with their tool calls), closing as failed any reserved reply older than the longest a turn
//! may run (left over from a process that died, so the journal is not blocked forever); and one
//! insert of the person's message and the reserved reply with two consecutive sequences. The
//! turn gets its context from here, so it calls the model without reading the journal again.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::types::Json;
use uuid::Uuid;

use super::JournalStore;
use super::rows::{MessageRow, corrupt, message_columns, parse_role};
use super::write::{commit, lock_conversation};
use crate::journals::error::JournalError;
use crate::journals::model::{JournalMessage, MessageStatus, Role};

/// What starts a turn: see [`JournalStore::begin_turn`].
#[derive(Debug, Clone, Copy)]
pub struct TurnRequest<'a> {
    /// The person.
    pub user: Uuid,
    /// Their journal.
    pub reference: &'a str,
    /// What they wrote.
    pub content: &'a str,
    /// The client's id of the message (a repeat is answered with the original stream).
    pub client_message_id: Uuid,
    /// The new turn's stream.
    pub stream_id: Uuid,
    /// A reply `streaming` for longer than this is left over from a process that died.
    pub stale_after: Duration,
    /// At most this many messages make up the turn's context, the new one included.
    pub context_messages: i64,
}

/// The outcome of [`JournalStore::begin_turn`].
#[derive(Debug, Clone, PartialEq)]
pub enum TurnStart {
    /// A new turn: the person's message, the reply reserved after it and the turn's context.
    Started {
        /// The person's message.
        message: Box<JournalMessage>,
        /// The reply, `streaming` and empty.
        reply: Box<JournalMessage>,
        /// The context: the person's message, then earlier messages, newest first.
        history: Vec<TurnContextMessage>,
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

/// One message of a turn's context.
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

/// A context message as the check returns it (JSON).
#[derive(serde::Deserialize)]
struct ContextJson {
    role: String,
    content: Option<String>,
    tool_calls: Vec<ContextToolCall>,
}

/// What the check found.
#[derive(sqlx::FromRow)]
struct Check {
    duplicate: bool,
    original_stream: Option<String>,
    busy: bool,
    running_stream: Option<String>,
    history: Json<Vec<ContextJson>>,
}

/// The check of a turn start ($1 conversation, $2 client message id, $3 stale seconds,
/// $4 context messages). Its statements share one snapshot, so the reply closed as stale here
/// still looks `streaming` to the other parts: they tell it apart by its id.
const CHECK: &str = "
    WITH stale AS (
        UPDATE messages SET status = 'failed',
            metadata = COALESCE(metadata, '{}'::jsonb)
                || jsonb_build_object('error', 'interrupted: the reply was never finished')
        WHERE conversation_id = $1 AND status = 'streaming'
          AND created_at < NOW() - make_interval(secs => $3)
        RETURNING id),
    original AS (
        SELECT metadata->>'stream_id' AS stream FROM messages
        WHERE conversation_id = $1 AND client_message_id = $2),
    running AS (
        SELECT metadata->>'stream_id' AS stream FROM messages
        WHERE conversation_id = $1 AND status = 'streaming' AND id NOT IN (SELECT id FROM stale)
        ORDER BY sequence DESC LIMIT 1),
    history AS (
        SELECT m.sequence, m.role, m.content,
               COALESCE((SELECT jsonb_agg(jsonb_build_object(
                             'tool_call_id', t.tool_call_id, 'name', t.name,
                             'arguments', t.arguments, 'result', t.result,
                             'response', t.response, 'error', t.error)
                         ORDER BY t.created_at, t.id)
                         FROM tool_calls t WHERE t.message_id = m.id), '[]'::jsonb) AS tool_calls
        FROM messages m
        WHERE m.conversation_id = $1
          AND (m.status <> 'streaming' OR m.id IN (SELECT id FROM stale))
          AND (COALESCE(m.content, '') <> ''
               OR EXISTS (SELECT 1 FROM tool_calls t WHERE t.message_id = m.id))
        ORDER BY m.sequence DESC
        LIMIT $4)
    SELECT EXISTS (SELECT 1 FROM original) AS duplicate,
           (SELECT stream FROM original) AS original_stream,
           EXISTS (SELECT 1 FROM running) AS busy,
           (SELECT stream FROM running) AS running_stream,
           (SELECT COALESCE(jsonb_agg(jsonb_build_object(
                       'role', h.role, 'content', h.content, 'tool_calls', h.tool_calls)
                   ORDER BY h.sequence DESC), '[]'::jsonb)
            FROM history h) AS history";

impl JournalStore {
    /// Starts a chat turn: stores the person's message (idempotent on its client message id)
    /// and reserves the reply, both tagged with the stream id in their metadata, and returns
    /// them with the turn's context. A reply still `streaming` for longer than `stale_after`
    /// is closed as failed first.
    pub async fn begin_turn(&self, request: TurnRequest<'_>) -> Result<TurnStart, JournalError> {
        let mut tx = self.begin().await?;
        let conversation = lock_conversation(&mut tx, request.user, request.reference).await?;
        let check: Check = sqlx::query_as(CHECK)
            .bind(conversation)
            .bind(request.client_message_id)
            .bind(request.stale_after.as_secs_f64())
            .bind((request.context_messages - 1).max(0))
            .fetch_one(&mut *tx)
            .await
            .map_err(JournalError::database("check turn start"))?;
        if check.duplicate {
            tx.rollback()
                .await
                .map_err(JournalError::database("begin turn"))?;
            return Ok(TurnStart::Duplicate {
                stream_id: check.original_stream.and_then(|id| id.parse().ok()),
            });
        }
        if check.busy {
            // Keep the stale-reply cleanup even though this turn does not start.
            commit(tx, "begin turn").await?;
            return Ok(TurnStart::Busy {
                stream_id: check.running_stream.and_then(|id| id.parse().ok()),
            });
        }
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "WITH numbered AS (
                 UPDATE conversations SET last_sequence = last_sequence + 2
                 WHERE id = $1 RETURNING last_sequence)
             INSERT INTO messages AS m
                 (conversation_id, user_id, role, content, client_message_id, sequence, status,
                  metadata)
             SELECT $1, $2, new.role, new.content, new.client_message_id,
                    numbered.last_sequence - new.back, new.status, $5
             FROM numbered, (VALUES ($6, $3::text, $4::uuid, 1, $7),
                                    ($8, NULL, NULL, 0, $9))
                  AS new (role, content, client_message_id, back, status)
             RETURNING {}",
            message_columns()
        ))
        .bind(conversation)
        .bind(request.user)
        .bind(request.content)
        .bind(request.client_message_id)
        .bind(json!({ "stream_id": request.stream_id }))
        .bind(Role::User.as_str())
        .bind(MessageStatus::Complete.as_str())
        .bind(Role::Assistant.as_str())
        .bind(MessageStatus::Streaming.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(JournalError::database("insert turn messages"))?;
        commit(tx, "begin turn").await?;
        let mut stored = rows
            .into_iter()
            .map(JournalMessage::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        stored.sort_by_key(|message| message.sequence);
        let [message, reply]: [JournalMessage; 2] = stored
            .try_into()
            .map_err(|_| corrupt("a turn start did not store two messages".to_owned()))?;
        let mut history = vec![TurnContextMessage {
            role: Role::User,
            content: request.content.to_owned(),
            tool_calls: Vec::new(),
        }];
        for earlier in check.history.0 {
            history.push(TurnContextMessage {
                role: parse_role(&earlier.role)?,
                content: earlier.content.unwrap_or_default(),
                tool_calls: earlier.tool_calls,
            });
        }
        Ok(TurnStart::Started {
            message: Box::new(message),
            reply: Box::new(reply),
            history,
        })
    }
}
