//! How the messages of one knowledge update are cut into jobs: one journal per job, and within
//! a journal consecutive messages up to a token budget. Pure rules, no I/O.
//!
//! The token count is an estimate (characters / 4, rounded), as in the original service; the
//! budget bounds the prompt the pipeline builds, so a message alone over it still goes, as a
//! job of its own, rather than being split mid-sentence or dropped.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::journals::MessageId;

/// A finished message of the user that no knowledge update has taken (or only failed ones).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingMessage {
    /// The message row.
    pub id: MessageId,
    /// The journal it belongs to (`YYYY/MM/DD`).
    pub journal_reference: String,
    /// Who wrote it, as stored (`user` or `assistant`).
    pub role: String,
    /// Its text.
    pub content: String,
    /// Its place in the journal.
    pub sequence: i32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// How many earlier jobs carried it and failed for good or were cancelled; part of the
    /// idempotency key, so a retry is a new job rather than the failed one again.
    pub earlier_failures: i64,
}

/// The messages of one job: one journal, in sequence order.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The journal of every message.
    pub journal_reference: String,
    /// At least one message.
    pub messages: Vec<PendingMessage>,
}

impl Chunk {
    /// The job's idempotency key: the same messages (on the same attempt) always give the
    /// same key, so a lost reply retried by the client finds the job it already created.
    pub fn idempotency_key(&self) -> String {
        let mut digest = Sha256::new();
        for message in &self.messages {
            digest.update(format!("{}:{};", message.id, message.earlier_failures));
        }
        format!("knowledge.update:{}", hex::encode(digest.finalize()))
    }

    /// The ids of its messages.
    pub fn message_ids(&self) -> Vec<MessageId> {
        self.messages.iter().map(|message| message.id).collect()
    }
}

/// Estimated tokens of `text`: characters / 4, rounded half up.
pub fn estimate_tokens(text: &str) -> usize {
    (text.chars().count() + 2) / 4
}

/// Cuts `messages` (ordered by journal, then sequence) into chunks: a new chunk starts at a
/// new journal, or when adding the next message would take a non-empty chunk over
/// `max_tokens`.
pub fn chunk(messages: Vec<PendingMessage>, max_tokens: usize) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut used = 0;
    for message in messages {
        let tokens = estimate_tokens(&message.content);
        match chunks.last_mut() {
            Some(current)
                if current.journal_reference == message.journal_reference
                    && used + tokens <= max_tokens =>
            {
                used += tokens;
                current.messages.push(message);
            }
            _ => {
                used = tokens;
                chunks.push(Chunk {
                    journal_reference: message.journal_reference.clone(),
                    messages: vec![message],
                });
            }
        }
    }
    chunks
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn message(journal: &str, sequence: i32, chars: usize) -> PendingMessage {
        PendingMessage {
            id: MessageId(Uuid::new_v4()),
            journal_reference: journal.to_owned(),
            role: "user".to_owned(),
            content: "x".repeat(chars),
            sequence,
            created_at: Utc::now(),
            earlier_failures: 0,
        }
    }

    #[test]
    fn tokens_are_characters_over_four_rounded() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("a"), 0);
        assert_eq!(estimate_tokens("ab"), 1);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("äöüß"), 1, "characters, not bytes");
    }

    #[test]
    fn a_new_journal_starts_a_new_chunk() {
        let chunks = chunk(
            vec![message("2026/12/05", 1, 4), message("2026/12/06", 1, 4)],
            8000,
        );
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1].journal_reference, "2026/12/06");
    }

    #[test]
    fn an_oversized_message_is_a_chunk_of_its_own() {
        let chunks = chunk(
            vec![message("d", 1, 4), message("d", 2, 400), message("d", 3, 4)],
            10,
        );
        let sizes: Vec<usize> = chunks.iter().map(|c| c.messages.len()).collect();
        assert_eq!(sizes, [1, 1, 1]);
    }

    #[test]
    fn the_key_changes_with_a_retry_and_not_otherwise() {
        let first = chunk(vec![message("d", 1, 4)], 10).remove(0);
        assert_eq!(first.idempotency_key(), first.clone().idempotency_key());
        let mut retry = first.clone();
        retry.messages[0].earlier_failures = 1;
        assert_ne!(first.idempotency_key(), retry.idempotency_key());
    }

    proptest! {
        #[test]
        fn chunks_keep_every_message_once_in_order_and_within_budget(
            spec in proptest::collection::vec((0u8..3, 0usize..200), 0..60),
            max_tokens in 1usize..100,
        ) {
            let mut messages: Vec<PendingMessage> = spec
                .iter()
                .enumerate()
                .map(|(i, (journal, chars))| message(&format!("2026/12/0{journal}"), i as i32, *chars))
                .collect();
            messages.sort_by(|a, b| a.journal_reference.cmp(&b.journal_reference).then(a.sequence.cmp(&b.sequence)));
            let chunks = chunk(messages.clone(), max_tokens);
            let flattened: Vec<PendingMessage> = chunks.iter().flat_map(|c| c.messages.clone()).collect();
            prop_assert_eq!(flattened, messages);
            for chunk in &chunks {
                prop_assert!(!chunk.messages.is_empty());
                prop_assert!(chunk.messages.iter().all(|m| m.journal_reference == chunk.journal_reference));
                let tokens: usize = chunk.messages.iter().map(|m| estimate_tokens(&m.content)).sum();
                prop_assert!(chunk.messages.len() == 1 || tokens <= max_tokens);
            }
            for pair in chunks.windows(2) {
                let joined: usize = pair[0].messages.iter().chain(&pair[1].messages[..1]).map(|m| estimate_tokens(&m.content)).sum();
                prop_assert!(pair[0].journal_reference != pair[1].journal_reference || joined > max_tokens,
                    "a chunk is cut only when the next message does not fit");
            }
        }
    }
}
