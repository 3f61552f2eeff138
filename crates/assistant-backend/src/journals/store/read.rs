//! Reads: one entry, pages of entries, search, and pages of messages. Counts and
//! `last_message_at` always cover the whole conversation, whatever matched.

use uuid::Uuid;

use super::rows::{ENTRY_COLUMNS, EntryRow, MessageRow, message_columns};
use super::{JournalStore, MAX_ENTRIES_PAGE, MAX_MESSAGES_PAGE};
use crate::journals::error::{JournalError, check_limit};
use crate::journals::model::{JournalEntry, JournalMessage};

impl JournalStore {
    /// The journal `reference` of `user`, if it exists.
    pub async fn get(
        &self,
        user: Uuid,
        reference: &str,
    ) -> Result<Option<JournalEntry>, JournalError> {
        let sql = format!("{ENTRY_COLUMNS} WHERE c.user_id = $1 AND c.reference = $2");
        let row: Option<EntryRow> = sqlx::query_as(&sql)
            .bind(user)
            .bind(reference)
            .fetch_optional(&self.pool)
            .await
            .map_err(JournalError::database("get journal"))?;
        Ok(row.map(JournalEntry::from))
    }

    /// Up to `limit` (1..=100) journals of `user`, newest reference first, with references
    /// strictly below `cursor` when one is given.
    pub async fn list(
        &self,
        user: Uuid,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Vec<JournalEntry>, JournalError> {
        let limit = check_limit(limit, MAX_ENTRIES_PAGE)?;
        let sql = format!(
            "{ENTRY_COLUMNS} WHERE c.user_id = $1 AND ($2::text IS NULL OR c.reference < $2)
             ORDER BY c.reference DESC LIMIT $3"
        );
        let rows: Vec<EntryRow> = sqlx::query_as(&sql)
            .bind(user)
            .bind(cursor)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(JournalError::database("list journals"))?;
        Ok(rows.into_iter().map(JournalEntry::from).collect())
    }

    /// Up to `limit` (1..=100) journals of `user` whose reference or any message contains
    /// `query` (case-insensitive, taken literally: `%`, `_` and `\` match themselves), newest
    /// reference first. Message text is matched through the trigram index of migration 0004.
    pub async fn search(
        &self,
        user: Uuid,
        query: &str,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, JournalError> {
        let limit = check_limit(limit, MAX_ENTRIES_PAGE)?;
        let sql = format!(
            r"{ENTRY_COLUMNS}
             WHERE c.user_id = $1
               AND (c.reference ILIKE $2 ESCAPE '\'
                    OR c.id IN (SELECT m.conversation_id FROM messages m
                                WHERE m.content ILIKE $2 ESCAPE '\'))
             ORDER BY c.reference DESC LIMIT $3"
        );
        let rows: Vec<EntryRow> = sqlx::query_as(&sql)
            .bind(user)
            .bind(contains_pattern(query))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(JournalError::database("search journals"))?;
        Ok(rows.into_iter().map(JournalEntry::from).collect())
    }

    /// Up to `limit` (1..=500) messages of the journal `reference` of `user`, highest sequence
    /// first, with sequences strictly below `cursor` when one is given. An unknown journal has
    /// no messages.
    pub async fn messages(
        &self,
        user: Uuid,
        reference: &str,
        limit: i64,
        cursor: Option<i32>,
    ) -> Result<Vec<JournalMessage>, JournalError> {
        let limit = check_limit(limit, MAX_MESSAGES_PAGE)?;
        let sql = format!(
            "SELECT {}
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.user_id = $1 AND c.reference = $2 AND ($3::int IS NULL OR m.sequence < $3)
             ORDER BY m.sequence DESC LIMIT $4",
            message_columns()
        );
        let rows: Vec<MessageRow> = sqlx::query_as(&sql)
            .bind(user)
            .bind(reference)
            .bind(cursor)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(JournalError::database("list messages"))?;
        rows.into_iter().map(JournalMessage::try_from).collect()
    }
}

/// `%query%` with the LIKE metacharacters of `query` escaped (escape character `\`).
fn contains_pattern(query: &str) -> String {
    let mut pattern = String::with_capacity(query.len() + 2);
    pattern.push('%');
    for ch in query.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_metacharacters_are_taken_literally() {
        assert_eq!(contains_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
        assert_eq!(contains_pattern("plain"), "%plain%");
    }
}
