//! Bookkeeping for the knowledge update: which finished messages it has not taken yet, and
//! marking the ones it took. Kept minimal until the update itself moves here.

use uuid::Uuid;

use super::JournalStore;
use super::rows::UncommittedRow;
use crate::journals::error::JournalError;
use crate::journals::model::{MessageId, UncommittedMessage};

impl JournalStore {
    /// Finished, non-empty messages of `user` (of one journal, or of all) that no knowledge
    /// update has taken yet, in journal and sequence order.
    pub async fn uncommitted_messages(
        &self,
        user: Uuid,
        reference: Option<&str>,
    ) -> Result<Vec<UncommittedMessage>, JournalError> {
        let rows: Vec<UncommittedRow> = sqlx::query_as(
            "SELECT m.id, m.role, m.content, m.sequence, m.created_at
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.user_id = $1 AND ($2::text IS NULL OR c.reference = $2)
               AND NOT m.committed_to_knowledge_base AND m.status = 'complete'
               AND m.content IS NOT NULL AND btrim(m.content) <> ''
             ORDER BY c.reference, m.sequence",
        )
        .bind(user)
        .bind(reference)
        .fetch_all(&self.pool)
        .await
        .map_err(JournalError::database("list uncommitted messages"))?;
        rows.into_iter().map(UncommittedMessage::try_from).collect()
    }

    /// Marks messages of `user` as taken by a knowledge update; ids of other users' messages
    /// are ignored. Returns how many were marked.
    pub async fn mark_committed(&self, user: Uuid, ids: &[MessageId]) -> Result<u64, JournalError> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let result = sqlx::query(
            "UPDATE messages AS m SET committed_to_knowledge_base = TRUE
             FROM conversations c
             WHERE c.id = m.conversation_id AND c.user_id = $1 AND m.id = ANY($2)",
        )
        .bind(user)
        .bind(ids)
        .execute(&self.pool)
        .await
        .map_err(JournalError::database("mark messages committed"))?;
        Ok(result.rows_affected())
    }
}
