//! Why an update failed, and whether another attempt may help. Messages name the step and
//! say what went wrong in words a person can act on; they never quote the conversation.

use crate::knowledge::KnowledgeError;
use crate::model::structured::AskError;
use crate::ports::CheckpointFailure;

/// A failed update.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpdateError {
    /// The job may not run as asked (its payload or its owner).
    #[error("{0}")]
    Refused(String),
    /// A model step got no usable answer.
    #[error("{step}: {error}")]
    Model {
        /// The step.
        step: String,
        /// What happened.
        error: AskError,
    },
    /// A knowledge-interface call failed.
    #[error("{step}: {error}")]
    Knowledge {
        /// The step.
        step: String,
        /// What happened.
        error: KnowledgeError,
    },
    /// A checkpoint could not be kept.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointFailure),
    /// The job was told to stop.
    #[error("interrupted")]
    Interrupted,
}

impl UpdateError {
    /// Whether another attempt may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Refused(_) => false,
            Self::Model { error, .. } => match error {
                AskError::Model(error) => error.is_transient(),
                AskError::Invalid { .. } => false,
            },
            Self::Knowledge { error, .. } => error.is_transient(),
            Self::Checkpoint(failure) => !matches!(failure, CheckpointFailure::TooLarge(_)),
            Self::Interrupted => true,
        }
    }

    /// A knowledge-interface failure in `step`.
    pub fn knowledge(step: &str) -> impl FnOnce(KnowledgeError) -> Self + '_ {
        move |error| Self::Knowledge {
            step: step.to_owned(),
            error,
        }
    }

    /// A model failure in `step`.
    pub fn model(step: &str) -> impl FnOnce(AskError) -> Self + '_ {
        move |error| Self::Model {
            step: step.to_owned(),
            error,
        }
    }
}
