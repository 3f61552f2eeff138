//! Step 1: the batch document, the plain-text transcript every model step reads. It is built
//! from the validated payload, never logged (it holds what the person said).

use exobrain_jobs::domain::payload::KnowledgeUpdate;

/// One message of the job, with the sequence it is known by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its sequence in the journal (its 1-based position when the caller sent none).
    pub sequence: i64,
    /// `user`, `assistant`, `system` or `tool`.
    pub role: String,
    /// Its text.
    pub content: String,
    /// When it was written (RFC 3339), if known.
    pub created_at: Option<String>,
}

/// The job's messages in order.
pub fn messages(payload: &KnowledgeUpdate) -> Vec<Message> {
    payload
        .messages
        .iter()
        .enumerate()
        .map(|(index, message)| Message {
            sequence: message.sequence.map(i64::from).unwrap_or(index as i64 + 1),
            role: message.role.clone(),
            content: message.content.clone(),
            created_at: message.created_at.clone(),
        })
        .collect()
}

/// The batch document of `messages` from journal `journal` of `user`.
pub fn document(journal: &str, user: &str, messages: &[Message]) -> String {
    let times: Vec<&str> = messages
        .iter()
        .filter_map(|m| m.created_at.as_deref())
        .collect();
    let start = times.iter().min().copied().unwrap_or("unknown");
    let end = times.iter().max().copied().unwrap_or("unknown");
    let mut text = format!(
        "=== BATCH DOCUMENT ===\nconversation_id: {journal}\nuser_id: {user}\n\
         time_range_start: {start}\ntime_range_end: {end}\n\n"
    );
    for message in messages {
        text.push_str(&format!(
            "--- TURN {} ---\nspeaker: {}\ntimestamp: {}\ncontent:\n{}\n\n",
            message.sequence,
            speaker(&message.role),
            message.created_at.as_deref().unwrap_or("unknown"),
            message.content
        ));
    }
    text.trim_end().to_owned()
}

fn speaker(role: &str) -> String {
    let joined = role.split_whitespace().collect::<Vec<_>>().join("_");
    let upper = joined.replace('-', "_").to_uppercase();
    if upper.is_empty() {
        "UNKNOWN".to_owned()
    } else {
        upper
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(sequence: i64, role: &str, content: &str, at: Option<&str>) -> Message {
        Message {
            sequence,
            role: role.into(),
            content: content.into(),
            created_at: at.map(Into::into),
        }
    }

    #[test]
    fn the_document_names_turns_speakers_and_the_time_range() {
        let text = document(
            "2026/12/06",
            "alice",
            &[
                message(3, "user", "Hello", Some("2026-12-06T10:00:00Z")),
                message(4, "assistant", "Hi!", Some("2026-12-06T09:00:00Z")),
                message(5, "tool-result", "x", None),
            ],
        );
        assert!(text.starts_with("=== BATCH DOCUMENT ===\nconversation_id: 2026/12/06\n"));
        assert!(text.contains("time_range_start: 2026-12-06T09:00:00Z"));
        assert!(text.contains("time_range_end: 2026-12-06T10:00:00Z"));
        assert!(text.contains("--- TURN 4 ---\nspeaker: ASSISTANT\n"));
        assert!(text.contains("speaker: TOOL_RESULT\ntimestamp: unknown"));
        assert!(text.ends_with("content:\nx"));
    }
}
