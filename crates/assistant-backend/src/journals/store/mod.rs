//! PostgreSQL storage of journals: conversations, messages and tool calls. Every statement is
//! scoped to the user id it is given (through `conversations.user_id`), so no call can read or
//! change another user's journal. Reads live in `read`, message writes in `write`, tool calls
//! in `tool_calls`, chat turns in `turns` (the knowledge-update bookkeeping lives in
//! `crate::knowledge`); driver errors are translated to [`JournalError`](super::JournalError)
//! here and never leave.

mod read;
mod rows;
mod tool_calls;
mod turns;
mod write;

use sqlx::PgPool;

pub use tool_calls::ToolCallStart;
pub use turns::{ContextToolCall, TurnContextMessage, TurnRequest, TurnStart};
pub use write::Appended;

/// Largest page of journal entries.
pub const MAX_ENTRIES_PAGE: i64 = 100;
/// Largest page of messages.
pub const MAX_MESSAGES_PAGE: i64 = 500;

/// The journal tables of `assistant_db`.
#[derive(Debug, Clone)]
pub struct JournalStore {
    pool: PgPool,
}

impl JournalStore {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}
