//! Journals: one conversation per user and day (reference `YYYY/MM/DD` in the user's time
//! zone), its messages in a race-free order, and the tool calls of assistant replies.
//!
//! `model` is the wire shape, `day` decides which day "now" is, `store` is PostgreSQL,
//! `cache` the Redis read cache, and [`Journals`] puts the two together for the API. Nothing
//! here knows about HTTP.

mod cache;
mod day;
mod error;
mod model;
mod service;
mod settings;
mod store;

pub use cache::JournalCache;
pub use day::{TIME_ZONE_KEY, parse_zone, today_reference};
pub use error::JournalError;
pub use model::{
    EntryStatus, JournalEntry, JournalMessage, MessageId, MessageStatus, Role, ToolCall,
    ToolOutcome,
};
pub use service::Journals;
pub use settings::JournalCacheSettings;
pub use store::{
    Appended, ContextToolCall, JournalStore, MAX_ENTRIES_PAGE, MAX_MESSAGES_PAGE, ToolCallStart,
    TurnContextMessage, TurnRequest, TurnStart,
};
