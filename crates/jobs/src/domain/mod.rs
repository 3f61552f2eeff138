//! Job domain types: validated identifiers, the lifecycle state machine, batch progress, the
//! registry of job types with their payload rules, and what handlers store while they run
//! (progress details, checkpoints). Pure code: no I/O, no transport types
//! except the conversions at the edge.

pub mod batch;
pub mod checkpoint;
pub mod ids;
pub mod new_job;
pub mod payload;
pub mod progress;
pub mod registry;
pub mod retry;
pub mod state;

pub use batch::BatchCounts;
pub use checkpoint::{CheckpointError, CheckpointKey, CheckpointPart, CheckpointValue};
pub use ids::{BatchId, DeadLetterId, IdempotencyKey, JobId, JobType, UserId};
pub use new_job::NewJob;
pub use payload::{KnowledgeUpdate, KnowledgeUpdateLimits, KnowledgeUpdateMessage};
pub use progress::ProgressDetail;
pub use registry::{JobTypeSpec, Registry};
pub use state::JobState;

/// A request field that failed validation; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InvalidField {
    /// Path of the offending field, e.g. `knowledge_update.messages[2].role`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub problem: String,
}

impl InvalidField {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}
