//! Payloads of the registered job types, validated into domain values with every problem
//! named by its field path. The normalised form is what is stored and sent to workers.

use serde::{Deserialize, Serialize};

use serde_json::Value;

use super::InvalidField;
use super::ids::UserId;

/// Roles a chat message may have.
pub const MESSAGE_ROLES: [&str; 4] = ["user", "assistant", "system", "tool"];

/// Size limits of a `knowledge.update` payload.
#[derive(Debug, Clone, Copy)]
pub struct KnowledgeUpdateLimits {
    /// Most messages in one job.
    pub max_messages: usize,
    /// Most bytes of one message's content.
    pub max_content_bytes: usize,
    /// Most bytes of all contents together.
    pub max_total_bytes: usize,
}

impl Default for KnowledgeUpdateLimits {
    fn default() -> Self {
        Self {
            max_messages: 500,
            max_content_bytes: 64 * 1024,
            max_total_bytes: 512 * 1024,
        }
    }
}

/// One message of a journal, as a job carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeUpdateMessage {
    /// `user`, `assistant`, `system` or `tool`.
    pub role: String,
    /// Message text (never empty: messages without text are left out).
    pub content: String,
    /// Position in the journal, if the caller knows it (positive).
    pub sequence: Option<i32>,
    /// RFC 3339 timestamp, normalised to UTC, if given.
    pub created_at: Option<String>,
}

/// The validated payload of a `knowledge.update` job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeUpdate {
    /// Which journal the messages come from (e.g. `2026/11/23`).
    pub journal_reference: String,
    /// The messages to distil, in order.
    pub messages: Vec<KnowledgeUpdateMessage>,
    /// The user on whose behalf the job runs (always the job's owner).
    pub requested_by_user_id: String,
}

/// Unvalidated input, field for field as it arrives on the wire.
#[derive(Debug, Clone, Default)]
pub struct RawKnowledgeUpdate {
    /// `journal_reference`.
    pub journal_reference: String,
    /// `messages`: role, content, sequence (0 = unset), created_at (empty = unset).
    pub messages: Vec<(String, String, i32, String)>,
    /// `requested_by_user_id` (empty = the job's owner).
    pub requested_by_user_id: String,
}

impl KnowledgeUpdate {
    /// Validates `raw` for a job owned by `owner`, collecting every problem. A message without
    /// content is left out of the transcript unchecked: the original's clients send proto
    /// defaults, so a turn without text (a tool call) arrives with an empty `content`. A job
    /// whose every message is empty is accepted with an empty transcript (nothing to distil).
    pub fn validate(
        raw: RawKnowledgeUpdate,
        owner: &UserId,
        limits: KnowledgeUpdateLimits,
    ) -> Result<Self, Vec<InvalidField>> {
        const BASE: &str = "knowledge_update";
        let mut problems = Vec::new();
        let journal_reference = raw.journal_reference.trim().to_owned();
        if journal_reference.is_empty() {
            problems.push(InvalidField::new(
                format!("{BASE}.journal_reference"),
                "is required",
            ));
        }
        let requested_by = raw.requested_by_user_id.trim();
        if !requested_by.is_empty() && requested_by != owner.as_str() {
            problems.push(InvalidField::new(
                format!("{BASE}.requested_by_user_id"),
                "must be empty or equal to user_id",
            ));
        }
        if raw.messages.is_empty() {
            problems.push(InvalidField::new(
                format!("{BASE}.messages"),
                "needs at least one message",
            ));
        }
        if raw.messages.len() > limits.max_messages {
            problems.push(InvalidField::new(
                format!("{BASE}.messages"),
                format!(
                    "has {} messages; at most {} are allowed per job",
                    raw.messages.len(),
                    limits.max_messages
                ),
            ));
        }
        let total: usize = raw
            .messages
            .iter()
            .map(|(_, content, _, _)| content.len())
            .sum();
        if total > limits.max_total_bytes {
            problems.push(InvalidField::new(
                format!("{BASE}.messages"),
                format!(
                    "hold {total} bytes of content; at most {} are allowed per job",
                    limits.max_total_bytes
                ),
            ));
        }
        let mut messages = Vec::with_capacity(raw.messages.len());
        for (index, (role, content, sequence, created_at)) in raw.messages.into_iter().enumerate() {
            if content.trim().is_empty() {
                continue;
            }
            let field = |name: &str| format!("{BASE}.messages[{index}].{name}");
            let role = role.trim().to_ascii_lowercase();
            if !MESSAGE_ROLES.contains(&role.as_str()) {
                problems.push(InvalidField::new(
                    field("role"),
                    format!("must be one of {}", MESSAGE_ROLES.join(", ")),
                ));
            }
            if content.len() > limits.max_content_bytes {
                problems.push(InvalidField::new(
                    field("content"),
                    format!(
                        "is {} bytes; at most {} are allowed",
                        content.len(),
                        limits.max_content_bytes
                    ),
                ));
            }
            if sequence < 0 {
                problems.push(InvalidField::new(field("sequence"), "must not be negative"));
            }
            let created_at = match created_at.trim() {
                "" => None,
                text => match chrono::DateTime::parse_from_rfc3339(text) {
                    Ok(time) => Some(
                        time.with_timezone(&chrono::Utc)
                            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    ),
                    Err(_) => {
                        problems.push(InvalidField::new(
                            field("created_at"),
                            "must be an RFC 3339 timestamp",
                        ));
                        None
                    }
                },
            };
            messages.push(KnowledgeUpdateMessage {
                role,
                content,
                sequence: (sequence > 0).then_some(sequence),
                created_at,
            });
        }
        if problems.is_empty() {
            Ok(Self {
                journal_reference,
                messages,
                requested_by_user_id: owner.as_str().to_owned(),
            })
        } else {
            Err(problems)
        }
    }
}

/// Where in `value` a NUL character stands (in a string or a key), as a path such as
/// `.messages[2].content`; PostgreSQL's `jsonb` cannot store one, so a payload holding one is
/// refused at the edge instead of failing inside the store.
pub fn nul_path(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| nul_path(item).map(|inner| format!("[{index}]{inner}"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(format!(".{}", key.replace('\0', "\\u0000")));
            }
            nul_path(item).map(|inner| format!(".{key}{inner}"))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_character_is_found_with_its_path() {
        let payload = serde_json::json!({"messages": [{"content": "ok"}, {"content": "a\u{0}b"}]});
        assert_eq!(nul_path(&payload).as_deref(), Some(".messages[1].content"));
        assert_eq!(
            nul_path(&serde_json::json!({"clean": ["text", 1, null]})),
            None
        );
    }

    fn owner() -> UserId {
        UserId::parse("user_id", "user-1").expect("user")
    }

    fn message(role: &str, content: &str, created_at: &str) -> (String, String, i32, String) {
        (role.into(), content.into(), 1, created_at.into())
    }

    #[test]
    fn a_good_payload_is_normalised() {
        let raw = RawKnowledgeUpdate {
            journal_reference: " 2026/11/23 ".into(),
            messages: vec![message(
                "User",
                "I met Ana in Lisbon.",
                "2026-11-23T10:00:00+01:00",
            )],
            requested_by_user_id: String::new(),
        };
        let update = KnowledgeUpdate::validate(raw, &owner(), Default::default()).expect("valid");
        assert_eq!(update.journal_reference, "2026/11/23");
        assert_eq!(update.requested_by_user_id, "user-1");
        assert_eq!(update.messages[0].role, "user");
        assert_eq!(
            update.messages[0].created_at.as_deref(),
            Some("2026-11-23T09:00:00Z")
        );
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let raw = RawKnowledgeUpdate {
            journal_reference: String::new(),
            messages: vec![message("robot", "Hi", "yesterday")],
            requested_by_user_id: "someone-else".into(),
        };
        let problems =
            KnowledgeUpdate::validate(raw, &owner(), Default::default()).expect_err("invalid");
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "knowledge_update.journal_reference",
                "knowledge_update.requested_by_user_id",
                "knowledge_update.messages[0].role",
                "knowledge_update.messages[0].created_at",
            ]
        );
    }

    #[test]
    fn size_limits_are_enforced() {
        let limits = KnowledgeUpdateLimits {
            max_messages: 2,
            max_content_bytes: 10,
            max_total_bytes: 15,
        };
        let raw = RawKnowledgeUpdate {
            journal_reference: "2026/11/23".into(),
            messages: vec![
                message("user", "0123456789", ""),
                message("user", "0123456789", ""),
                message("user", "x", ""),
            ],
            requested_by_user_id: String::new(),
        };
        let problems = KnowledgeUpdate::validate(raw, &owner(), limits).expect_err("too big");
        assert!(
            problems.iter().any(|p| p.problem.contains("at most 2")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.problem.contains("bytes of content")),
            "{problems:?}"
        );
    }

    #[test]
    fn messages_without_content_are_left_out_of_the_transcript() {
        let raw = RawKnowledgeUpdate {
            journal_reference: "2026/11/23".into(),
            messages: vec![
                message("user", "Hello", ""),
                (String::new(), String::new(), 0, String::new()),
                message("assistant", " \n", ""),
                message("assistant", "Hi", ""),
            ],
            requested_by_user_id: String::new(),
        };
        let update = KnowledgeUpdate::validate(raw, &owner(), Default::default()).expect("valid");
        let contents: Vec<_> = update.messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(contents, ["Hello", "Hi"]);

        let only_empty = RawKnowledgeUpdate {
            journal_reference: "2026/11/23".into(),
            messages: vec![message("tool", "", "")],
            requested_by_user_id: String::new(),
        };
        let update =
            KnowledgeUpdate::validate(only_empty, &owner(), Default::default()).expect("valid");
        assert!(update.messages.is_empty());
    }

    #[test]
    fn an_empty_job_is_refused() {
        let raw = RawKnowledgeUpdate {
            journal_reference: "r".into(),
            ..Default::default()
        };
        let problems =
            KnowledgeUpdate::validate(raw, &owner(), Default::default()).expect_err("empty");
        assert_eq!(problems[0].field, "knowledge_update.messages");
    }
}
