//! Where a record's facts came from: the job, the journal and the messages they were read
//! from, and what wrote them. One rule decides a record's provenance from a delta (its own,
//! every empty part filled from the delta's) and one whether a write that leaves a record's
//! facts as they are replaces it (when it states a different one). Stored with every node and
//! edge as JSON; parts added later read as empty from older rows.

use serde::{Deserialize, Serialize};

/// Most message sequences one record's provenance may name.
pub const MAX_MESSAGE_SEQUENCES: usize = 1_000;

/// Where a record's facts came from, stored with the record. Every part is optional; stored
/// JSON written before a part existed still reads (a missing part is empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The job that produced it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub job_id: String,
    /// The journal the facts were read from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub journal_reference: String,
    /// The messages the facts were read from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_ids: Vec<String>,
    /// What wrote it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub extractor: String,
    /// Sequences of the journal messages the facts were read from: each at least 1, sorted,
    /// no repeats, at most [`MAX_MESSAGE_SEQUENCES`] (the delta parser guarantees it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_sequences: Vec<i64>,
}

impl Provenance {
    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self == &Provenance::default()
    }

    /// A record's provenance: its own parts, each empty one taken from `delta` (the
    /// provenance stated for the whole delta). Message ids and message sequences are each
    /// taken whole: a record naming any keeps only its own.
    pub fn filled_from(self, delta: &Provenance) -> Provenance {
        fn text(own: String, fallback: &str) -> String {
            if own.is_empty() {
                fallback.to_owned()
            } else {
                own
            }
        }
        fn list<T: Clone>(own: Vec<T>, fallback: &[T]) -> Vec<T> {
            if own.is_empty() {
                fallback.to_vec()
            } else {
                own
            }
        }
        Provenance {
            job_id: text(self.job_id, &delta.job_id),
            journal_reference: text(self.journal_reference, &delta.journal_reference),
            message_ids: list(self.message_ids, &delta.message_ids),
            extractor: text(self.extractor, &delta.extractor),
            message_sequences: list(self.message_sequences, &delta.message_sequences),
        }
    }

    /// Whether a write stating this provenance for a record whose facts it leaves as they
    /// are replaces the record's `stored` provenance: when it states any, and states
    /// something else. (A write that changes the facts always stores its own.)
    pub fn replaces(&self, stored: &Provenance) -> bool {
        !self.is_empty() && self != stored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta_source() -> Provenance {
        Provenance {
            job_id: "job-7".into(),
            journal_reference: "2024-05-01".into(),
            message_ids: vec!["m1".into(), "m2".into()],
            extractor: "knowledge.update".into(),
            message_sequences: vec![1, 2, 3],
        }
    }

    #[test]
    fn a_record_without_provenance_takes_the_deltas() {
        assert_eq!(
            Provenance::default().filled_from(&delta_source()),
            delta_source()
        );
    }

    #[test]
    fn a_records_own_parts_win_and_its_empty_parts_come_from_the_delta() {
        let own = Provenance {
            journal_reference: "2024-05-02".into(),
            message_sequences: vec![5, 8],
            ..Provenance::default()
        };
        assert_eq!(
            own.filled_from(&delta_source()),
            Provenance {
                job_id: "job-7".into(),
                journal_reference: "2024-05-02".into(),
                message_ids: vec!["m1".into(), "m2".into()],
                extractor: "knowledge.update".into(),
                message_sequences: vec![5, 8],
            }
        );
    }

    #[test]
    fn lists_are_taken_whole_never_merged() {
        let own = Provenance {
            message_ids: vec!["m9".into()],
            message_sequences: vec![9],
            ..Provenance::default()
        };
        let filled = own.filled_from(&delta_source());
        assert_eq!(filled.message_ids, ["m9"]);
        assert_eq!(filled.message_sequences, [9]);
    }

    #[test]
    fn only_a_different_stated_provenance_replaces_the_stored_one() {
        let stored = delta_source();
        assert!(!delta_source().replaces(&stored), "the same write again");
        assert!(
            !Provenance::default().replaces(&stored),
            "a write stating none"
        );
        let later = Provenance {
            message_sequences: vec![4],
            ..delta_source()
        };
        assert!(later.replaces(&stored));
        assert!(later.replaces(&Provenance::default()));
    }

    #[test]
    fn nothing_stated_anywhere_stays_empty() {
        assert!(
            Provenance::default()
                .filled_from(&Provenance::default())
                .is_empty()
        );
    }

    #[test]
    fn provenance_stored_before_message_sequences_existed_still_reads() {
        let old: Provenance =
            serde_json::from_str(r#"{"job_id": "job-1", "message_ids": ["m1"]}"#).unwrap();
        assert_eq!(old.job_id, "job-1");
        assert!(old.message_sequences.is_empty());
        let written = serde_json::to_value(delta_source()).unwrap();
        assert_eq!(written["message_sequences"], serde_json::json!([1, 2, 3]));
        assert_eq!(
            serde_json::to_value(Provenance::default()).unwrap(),
            serde_json::json!({})
        );
    }
}
