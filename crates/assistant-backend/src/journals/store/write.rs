//! Writes. The sequence rule: a message's number is taken from its conversation's
//! `last_sequence` (`UPDATE ... RETURNING`) in the same transaction as its insert, after the
//! conversation row is locked, so concurrent writers of one journal are serialised and numbers
//! are never shared or skipped (a rolled-back insert also rolls back its number). An assistant
//! reply takes its number when its turn starts (`reserve_reply`), so whatever the user sends
//! while it is being written sorts after it.

use serde_json::json;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::JournalStore;
use super::rows::{MessageRow, message_columns};
use crate::journals::error::JournalError;
use crate::journals::model::{JournalMessage, MessageId, MessageStatus, Role};

/// The result of [`JournalStore::append_message`].
#[derive(Debug, Clone, PartialEq)]
pub struct Appended {
    /// The stored message: the new one, or the original one with the same client id.
    pub message: JournalMessage,
    /// True when the client id was seen before and nothing was written.
    pub duplicate: bool,
}

impl JournalStore {
    /// Creates the journal `reference` of `user` if missing (else touches its `updated_at`);
    /// returns its id.
    pub async fn ensure_conversation(
        &self,
        user: Uuid,
        reference: &str,
    ) -> Result<Uuid, JournalError> {
        let mut connection = self
            .pool
            .acquire()
            .await
            .map_err(JournalError::database("ensure journal"))?;
        lock_conversation(&mut connection, user, reference).await
    }

    /// Appends a message to the journal `reference` of `user` (creating the journal), with the
    /// next sequence. Idempotent on `client_message_id`: a repeated id returns the original
    /// message unchanged and writes nothing.
    pub async fn append_message(
        &self,
        user: Uuid,
        reference: &str,
        role: Role,
        content: &str,
        client_message_id: Uuid,
    ) -> Result<Appended, JournalError> {
        let mut tx = self.begin().await?;
        let conversation = lock_conversation(&mut tx, user, reference).await?;
        let existing: Option<MessageRow> = sqlx::query_as(&format!(
            "SELECT {} FROM messages m WHERE m.conversation_id = $1 AND m.client_message_id = $2",
            message_columns()
        ))
        .bind(conversation)
        .bind(client_message_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(JournalError::database("find message by client id"))?;
        if let Some(row) = existing {
            // Nothing to write: leave `updated_at` as it was.
            tx.rollback()
                .await
                .map_err(JournalError::database("append message"))?;
            return Ok(Appended {
                message: row.try_into()?,
                duplicate: true,
            });
        }
        let message = NewMessage {
            conversation,
            user,
            role,
            content: Some(content),
            client_message_id: Some(client_message_id),
            status: MessageStatus::Complete,
            metadata: None,
        };
        let message = insert_message(&mut tx, message).await?;
        commit(tx, "append message").await?;
        Ok(Appended {
            message,
            duplicate: false,
        })
    }

    /// Reserves the next sequence of the journal `reference` of `user` for an assistant reply
    /// about to be generated: an empty message with status `streaming`.
    pub async fn reserve_reply(
        &self,
        user: Uuid,
        reference: &str,
    ) -> Result<JournalMessage, JournalError> {
        let mut tx = self.begin().await?;
        let conversation = lock_conversation(&mut tx, user, reference).await?;
        let message = NewMessage {
            conversation,
            user,
            role: Role::Assistant,
            content: None,
            client_message_id: None,
            status: MessageStatus::Streaming,
            metadata: None,
        };
        let message = insert_message(&mut tx, message).await?;
        commit(tx, "reserve reply").await?;
        Ok(message)
    }

    /// Completes a reserved reply with its text.
    pub async fn complete_reply(
        &self,
        user: Uuid,
        id: MessageId,
        content: &str,
    ) -> Result<JournalMessage, JournalError> {
        self.finish_reply(user, id, Some(content), MessageStatus::Complete, None)
            .await
    }

    /// Ends a reserved reply as `failed`, keeping the text generated so far and the error
    /// (added to its metadata as `error`).
    pub async fn fail_reply(
        &self,
        user: Uuid,
        id: MessageId,
        partial: Option<&str>,
        error: &str,
    ) -> Result<JournalMessage, JournalError> {
        let metadata = json!({ "error": error });
        self.finish_reply(user, id, partial, MessageStatus::Failed, Some(metadata))
            .await
    }

    async fn finish_reply(
        &self,
        user: Uuid,
        id: MessageId,
        content: Option<&str>,
        status: MessageStatus,
        metadata: Option<serde_json::Value>,
    ) -> Result<JournalMessage, JournalError> {
        let updated: Option<MessageRow> = sqlx::query_as(&format!(
            "UPDATE messages AS m SET content = $3, status = $4,
                 metadata = CASE WHEN $5::jsonb IS NULL THEN m.metadata
                                 ELSE COALESCE(m.metadata, '{{}}'::jsonb) || $5::jsonb END
             FROM conversations c
             WHERE m.id = $2 AND c.id = m.conversation_id AND c.user_id = $1
               AND m.status = 'streaming'
             RETURNING {}",
            message_columns()
        ))
        .bind(user)
        .bind(id.0)
        .bind(content)
        .bind(status.as_str())
        .bind(metadata)
        .fetch_optional(&self.pool)
        .await
        .map_err(JournalError::database("finish reply"))?;
        if let Some(row) = updated {
            return row.try_into();
        }
        let exists: Option<bool> = sqlx::query_scalar(
            "SELECT TRUE FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.id = $2 AND c.user_id = $1",
        )
        .bind(user)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(JournalError::database("finish reply"))?;
        Err(match exists {
            Some(_) => JournalError::ReplyNotStreaming { id },
            None => JournalError::MessageNotFound { id },
        })
    }

    pub(super) async fn begin(&self) -> Result<Transaction<'static, Postgres>, JournalError> {
        self.pool
            .begin()
            .await
            .map_err(JournalError::database("begin transaction"))
    }
}

pub(super) struct NewMessage<'a> {
    pub(super) conversation: Uuid,
    pub(super) user: Uuid,
    pub(super) role: Role,
    pub(super) content: Option<&'a str>,
    pub(super) client_message_id: Option<Uuid>,
    pub(super) status: MessageStatus,
    pub(super) metadata: Option<serde_json::Value>,
}

/// Creates or touches the conversation, holding its row lock until the transaction ends.
pub(super) async fn lock_conversation(
    connection: &mut PgConnection,
    user: Uuid,
    reference: &str,
) -> Result<Uuid, JournalError> {
    sqlx::query_scalar(
        "INSERT INTO conversations (user_id, reference) VALUES ($1, $2)
         ON CONFLICT (user_id, reference) DO UPDATE SET updated_at = NOW()
         RETURNING id",
    )
    .bind(user)
    .bind(reference)
    .fetch_one(connection)
    .await
    .map_err(JournalError::database("ensure journal"))
}

/// Takes the next sequence of `message.conversation` and inserts the message with it.
pub(super) async fn insert_message(
    connection: &mut PgConnection,
    message: NewMessage<'_>,
) -> Result<JournalMessage, JournalError> {
    let sequence: i32 = sqlx::query_scalar(
        "UPDATE conversations SET last_sequence = last_sequence + 1
         WHERE id = $1 RETURNING last_sequence",
    )
    .bind(message.conversation)
    .fetch_one(&mut *connection)
    .await
    .map_err(JournalError::database("allocate sequence"))?;
    let row: MessageRow = sqlx::query_as(&format!(
        "INSERT INTO messages AS m
             (conversation_id, user_id, role, content, client_message_id, sequence, status,
              metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING {}",
        message_columns()
    ))
    .bind(message.conversation)
    .bind(message.user)
    .bind(message.role.as_str())
    .bind(message.content)
    .bind(message.client_message_id)
    .bind(sequence)
    .bind(message.status.as_str())
    .bind(message.metadata)
    .fetch_one(connection)
    .await
    .map_err(JournalError::database("insert message"))?;
    row.try_into()
}

pub(super) async fn commit(
    tx: Transaction<'static, Postgres>,
    operation: &'static str,
) -> Result<(), JournalError> {
    tx.commit().await.map_err(JournalError::database(operation))
}
