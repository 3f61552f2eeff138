//! What one request, or one piece of background work, may cost: the size of a graph delta,
//! how many names one candidate search asks about, how long a query text may be, how many
//! blocks and neighbours one entity context returns, and how often one block may fail to be
//! embedded on its own before it is parked. Read once from the environment; requests over a
//! limit are refused with INVALID_ARGUMENT naming the variable, so an operator knows what to
//! raise and a caller knows what to split.

use exobrain_common::config::Env;

use crate::grpc::error::KnowledgeError;

/// The largest gRPC message the server decodes (big deltas); a delta cap above it could
/// never be reached.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// The largest decimal offset accepted as a `ListEntitiesByType` page token (the original's
/// tokens); deeper pages are reached with the cursor tokens the service returns.
pub const MAX_PAGE_OFFSET: u64 = 1_000_000;

/// The service's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `KNOWLEDGE_DELTA_MAX_RECORDS`: universes, entities, blocks and edges in one
    /// `UpsertGraphDelta` (default 5,000).
    pub delta_records: usize,
    /// `KNOWLEDGE_DELTA_MAX_BYTES`: the encoded size of one `UpsertGraphDelta` (default
    /// 16 MiB, at most [`MAX_MESSAGE_BYTES`]).
    pub delta_bytes: usize,
    /// `KNOWLEDGE_CANDIDATE_MAX_NAMES`: names in one `FindEntityCandidates` (default 32).
    pub candidate_names: usize,
    /// `KNOWLEDGE_QUERY_MAX_CHARS`: characters of a query text: `SearchBlocks.query`, each
    /// `FindEntityCandidates` name and its `short_description` (default 4,000).
    pub query_chars: usize,
    /// `KNOWLEDGE_CONTEXT_MAX_BLOCKS`: blocks one `GetEntityContext` returns (default 1,000).
    pub context_blocks: usize,
    /// `KNOWLEDGE_CONTEXT_MAX_NEIGHBORS`: edges one `GetEntityContext` returns for the entity,
    /// and again for its blocks together (default 1,000).
    pub context_neighbors: usize,
    /// `KNOWLEDGE_VECTOR_PARK_AFTER`: how often a block may fail to be embedded on its own
    /// (while others succeed) before it is parked (default 5).
    pub vector_park_after: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            delta_records: 5_000,
            delta_bytes: 16 * 1024 * 1024,
            candidate_names: 32,
            query_chars: 4_000,
            context_blocks: 1_000,
            context_neighbors: 1_000,
            vector_park_after: 5,
        }
    }
}

impl Limits {
    /// Reads the variables above, recording every invalid one in `env`.
    pub fn read(env: &mut Env) -> Self {
        let d = Self::default();
        Self {
            delta_records: env.bounded(DELTA_RECORDS, d.delta_records, 1, 1_000_000),
            delta_bytes: env.bounded(DELTA_BYTES, d.delta_bytes, 1_024, MAX_MESSAGE_BYTES),
            candidate_names: env.bounded(CANDIDATE_NAMES, d.candidate_names, 1, 10_000),
            query_chars: env.bounded(QUERY_CHARS, d.query_chars, 16, 1_000_000),
            context_blocks: env.bounded(CONTEXT_BLOCKS, d.context_blocks, 1, 1_000_000),
            context_neighbors: env.bounded(CONTEXT_NEIGHBORS, d.context_neighbors, 1, 1_000_000),
            vector_park_after: env.bounded(VECTOR_PARK_AFTER, d.vector_park_after, 1, 1_000),
        }
    }

    /// Refuses a delta with more records or bytes than allowed.
    pub fn check_delta(&self, records: usize, bytes: usize) -> Result<(), KnowledgeError> {
        if records > self.delta_records {
            return Err(over(format!(
                "the delta has {records} records (universes, entities, blocks and edges); at most {} are accepted ({DELTA_RECORDS}); split it into several deltas",
                self.delta_records
            )));
        }
        if bytes > self.delta_bytes {
            return Err(over(format!(
                "the delta is {bytes} bytes; at most {} are accepted ({DELTA_BYTES}); split it into several deltas",
                self.delta_bytes
            )));
        }
        Ok(())
    }

    /// Refuses a candidate search over too many names.
    pub fn check_names(&self, names: usize) -> Result<(), KnowledgeError> {
        if names > self.candidate_names {
            return Err(over(format!(
                "names: {names} names were sent; at most {} are accepted ({CANDIDATE_NAMES})",
                self.candidate_names
            )));
        }
        Ok(())
    }

    /// Refuses a query text (named `field` in the message) longer than allowed.
    pub fn check_text(&self, field: &str, text: &str) -> Result<(), KnowledgeError> {
        let chars = text.chars().count();
        if chars > self.query_chars {
            return Err(over(format!(
                "{field}: {chars} characters were sent; at most {} are accepted ({QUERY_CHARS})",
                self.query_chars
            )));
        }
        Ok(())
    }
}

const DELTA_RECORDS: &str = "KNOWLEDGE_DELTA_MAX_RECORDS";
const DELTA_BYTES: &str = "KNOWLEDGE_DELTA_MAX_BYTES";
const CANDIDATE_NAMES: &str = "KNOWLEDGE_CANDIDATE_MAX_NAMES";
const QUERY_CHARS: &str = "KNOWLEDGE_QUERY_MAX_CHARS";
const CONTEXT_BLOCKS: &str = "KNOWLEDGE_CONTEXT_MAX_BLOCKS";
const CONTEXT_NEIGHBORS: &str = "KNOWLEDGE_CONTEXT_MAX_NEIGHBORS";
const VECTOR_PARK_AFTER: &str = "KNOWLEDGE_VECTOR_PARK_AFTER";

fn over(message: String) -> KnowledgeError {
    KnowledgeError::Invalid(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_bad_values_are_all_reported() {
        let mut env = Env::from_map([("KNOWLEDGE_DELTA_MAX_RECORDS", "20")]);
        let limits = Limits::read(&mut env);
        assert_eq!(limits.delta_records, 20);
        assert_eq!(limits.delta_bytes, Limits::default().delta_bytes);
        assert!(env.finish().is_ok());

        let mut env = Env::from_map([
            ("KNOWLEDGE_DELTA_MAX_BYTES", "999999999"),
            ("KNOWLEDGE_CANDIDATE_MAX_NAMES", "many"),
        ]);
        Limits::read(&mut env);
        let message = env.finish().expect_err("two problems").to_string();
        assert!(message.contains("KNOWLEDGE_DELTA_MAX_BYTES"), "{message}");
        assert!(
            message.contains("KNOWLEDGE_CANDIDATE_MAX_NAMES"),
            "{message}"
        );
    }

    #[test]
    fn refusals_name_the_variable_to_raise() {
        let limits = Limits {
            delta_records: 2,
            delta_bytes: 1_024,
            candidate_names: 1,
            query_chars: 3,
            ..Limits::default()
        };
        assert!(limits.check_delta(2, 1_024).is_ok());
        for (refused, variable) in [
            (limits.check_delta(3, 10), DELTA_RECORDS),
            (limits.check_delta(1, 1_025), DELTA_BYTES),
            (limits.check_names(2), CANDIDATE_NAMES),
            (limits.check_text("query", "abcd"), QUERY_CHARS),
        ] {
            let error = refused.expect_err(variable);
            assert!(matches!(error, KnowledgeError::Invalid(_)));
            assert!(error.to_string().contains(variable), "{error}");
        }
        assert!(
            limits.check_text("query", "äöü").is_ok(),
            "characters, not bytes"
        );
    }
}
