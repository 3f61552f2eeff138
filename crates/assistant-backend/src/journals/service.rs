//! The journal as the API layer uses it: reads go through the Redis cache (falling back to
//! PostgreSQL when Redis fails), writes go to PostgreSQL and then invalidate the user's cached
//! reads. Search and the knowledge bookkeeping are not cached.

use uuid::Uuid;

use super::cache::JournalCache;
use super::error::JournalError;
use super::model::{JournalEntry, JournalMessage, MessageId, Role, ToolCall, ToolOutcome};
use super::store::{Appended, JournalStore, ToolCallStart, TurnRequest, TurnStart};

/// Journals of every user, cached.
#[derive(Debug, Clone)]
pub struct Journals {
    store: JournalStore,
    cache: JournalCache,
}

impl Journals {
    /// Journals over `store`, with reads cached in `cache`.
    pub fn new(store: JournalStore, cache: JournalCache) -> Self {
        Self { store, cache }
    }

    /// The uncached store, for search and the knowledge bookkeeping.
    pub fn store(&self) -> &JournalStore {
        &self.store
    }

    /// See [`JournalStore::get`]; absence is cached briefly too.
    pub async fn get(
        &self,
        user: Uuid,
        reference: &str,
    ) -> Result<Option<JournalEntry>, JournalError> {
        let settings = self.cache.settings();
        let ttl = |found: &Option<JournalEntry>| match found {
            Some(_) => settings.entry_ttl,
            None => settings.negative_ttl,
        };
        let logical = format!("entry:reference:{reference}");
        self.cache
            .read_through(user, &logical, ttl, || self.store.get(user, reference))
            .await
    }

    /// See [`JournalStore::list`].
    pub async fn list(
        &self,
        user: Uuid,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Vec<JournalEntry>, JournalError> {
        let ttl = self.cache.settings().list_ttl;
        let logical = format!("list:limit:{limit}:cursor:{}", cursor.unwrap_or("_"));
        self.cache
            .read_through(
                user,
                &logical,
                |_| ttl,
                || self.store.list(user, limit, cursor),
            )
            .await
    }

    /// See [`JournalStore::messages`].
    pub async fn messages(
        &self,
        user: Uuid,
        reference: &str,
        limit: i64,
        cursor: Option<i32>,
    ) -> Result<Vec<JournalMessage>, JournalError> {
        let ttl = self.cache.settings().messages_ttl;
        let cursor_part = cursor.map_or_else(|| "_".to_owned(), |sequence| sequence.to_string());
        let logical = format!("messages:limit:{limit}:cursor:{cursor_part}:reference:{reference}");
        self.cache
            .read_through(
                user,
                &logical,
                |_| ttl,
                || self.store.messages(user, reference, limit, cursor),
            )
            .await
    }

    /// See [`JournalStore::search`] (uncached).
    pub async fn search(
        &self,
        user: Uuid,
        query: &str,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, JournalError> {
        self.store.search(user, query, limit).await
    }

    /// Creates (or touches) the journal and returns it.
    pub async fn ensure(&self, user: Uuid, reference: &str) -> Result<JournalEntry, JournalError> {
        self.store.ensure_conversation(user, reference).await?;
        self.cache.invalidate(user).await;
        self.store
            .get(user, reference)
            .await?
            .ok_or_else(|| JournalError::Database {
                operation: "ensure journal",
                detail: format!("journal {reference} vanished after it was created"),
            })
    }

    /// See [`JournalStore::append_message`].
    pub async fn append_message(
        &self,
        user: Uuid,
        reference: &str,
        role: Role,
        content: &str,
        client_message_id: Uuid,
    ) -> Result<Appended, JournalError> {
        let appended = self
            .store
            .append_message(user, reference, role, content, client_message_id)
            .await?;
        if !appended.duplicate {
            self.cache.invalidate(user).await;
        }
        Ok(appended)
    }

    /// See [`JournalStore::begin_turn`].
    pub async fn begin_turn(&self, request: TurnRequest<'_>) -> Result<TurnStart, JournalError> {
        let start = self.store.begin_turn(request).await?;
        if !matches!(start, TurnStart::Duplicate { .. }) {
            self.cache.invalidate(request.user).await;
        }
        Ok(start)
    }

    /// See [`JournalStore::reserve_reply`].
    pub async fn reserve_reply(
        &self,
        user: Uuid,
        reference: &str,
    ) -> Result<JournalMessage, JournalError> {
        let reply = self.store.reserve_reply(user, reference).await?;
        self.cache.invalidate(user).await;
        Ok(reply)
    }

    /// See [`JournalStore::complete_reply`].
    pub async fn complete_reply(
        &self,
        user: Uuid,
        id: MessageId,
        content: &str,
    ) -> Result<JournalMessage, JournalError> {
        let reply = self.store.complete_reply(user, id, content).await?;
        self.cache.invalidate(user).await;
        Ok(reply)
    }

    /// See [`JournalStore::fail_reply`].
    pub async fn fail_reply(
        &self,
        user: Uuid,
        id: MessageId,
        partial: Option<&str>,
        error: &str,
    ) -> Result<JournalMessage, JournalError> {
        let reply = self.store.fail_reply(user, id, partial, error).await?;
        self.cache.invalidate(user).await;
        Ok(reply)
    }

    /// See [`JournalStore::add_tool_call`].
    pub async fn add_tool_call(
        &self,
        user: Uuid,
        message: MessageId,
        call: ToolCallStart<'_>,
    ) -> Result<ToolCall, JournalError> {
        let call = self.store.add_tool_call(user, message, call).await?;
        self.cache.invalidate(user).await;
        Ok(call)
    }

    /// See [`JournalStore::finish_tool_call`].
    pub async fn finish_tool_call(
        &self,
        user: Uuid,
        message: MessageId,
        tool_call_id: &str,
        outcome: ToolOutcome,
        result: &str,
    ) -> Result<ToolCall, JournalError> {
        let call = self
            .store
            .finish_tool_call(user, message, tool_call_id, outcome, result)
            .await?;
        self.cache.invalidate(user).await;
        Ok(call)
    }
}
