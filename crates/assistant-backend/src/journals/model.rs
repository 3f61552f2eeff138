//! The journal as the API shows it: entries (one per user and day), their messages and the
//! tool calls of assistant replies. Field names are the wire contract of the web UI; timestamps
//! serialise as RFC 3339 in UTC with a `Z`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;
use uuid::Uuid;

/// A message row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct MessageId(pub Uuid);

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One day's journal of one user, with counts over all of its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JournalEntry {
    pub id: Uuid,
    /// `YYYY/MM/DD` of the day in the user's time zone.
    pub reference: String,
    #[serde(serialize_with = "utc_z")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "utc_z")]
    pub updated_at: DateTime<Utc>,
    #[schema(required)]
    #[serde(serialize_with = "optional_utc_z")]
    pub last_message_at: Option<DateTime<Utc>>,
    pub message_count: i64,
    /// Always `"open"`: journals are never closed.
    pub status: EntryStatus,
}

/// The state of a journal entry; there is only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    Open,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// Whether a message is final. User messages are always `complete`; an assistant reply is
/// `streaming` from its reservation until it completes or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Streaming,
    Complete,
    Failed,
}

impl MessageStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Streaming => "streaming",
            MessageStatus::Complete => "complete",
            MessageStatus::Failed => "failed",
        }
    }
}

/// One message of a journal, with the tool calls made while writing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JournalMessage {
    pub id: MessageId,
    pub role: Role,
    #[schema(required)]
    pub content: Option<String>,
    pub sequence: i32,
    #[serde(serialize_with = "utc_z")]
    pub created_at: DateTime<Utc>,
    /// `{"error": "..."}` on a failed reply, otherwise `null`.
    #[schema(required)]
    pub metadata: Option<serde_json::Value>,
    /// An addition to the original contract: lets the UI show a reply still being written.
    pub status: MessageStatus,
    /// Ordered by (created_at, id).
    pub tool_calls: Vec<ToolCall>,
}

/// A tool the assistant called, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToolCall {
    pub id: Uuid,
    pub tool_call_id: String,
    pub title: String,
    pub description: String,
    #[schema(required)]
    pub response: Option<String>,
    #[schema(required)]
    pub error: Option<String>,
}

/// How a tool call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOutcome {
    Response(String),
    Error(String),
}

fn utc_z<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn optional_utc_z<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => utc_z(at, serializer),
        None => serializer.serialize_none(),
    }
}
