//! What the pipeline needs from the job runtime that runs it, as ports: a place to keep each
//! finished step's output across attempts ([`Checkpoints`]) and a way to tell a watcher where
//! the job is ([`Progress`]). The worker implements both over its job database; tests and the
//! benchmark use the in-memory versions here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use serde_json::Value;

/// Why a checkpoint could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointFailure {
    /// This attempt is no longer the job's current one: stop, write nothing more.
    #[error("the attempt is no longer current")]
    Stale,
    /// The store cannot be reached now; another attempt may succeed.
    #[error("checkpoint store unavailable: {0}")]
    Unavailable(String),
    /// The key or value is larger than the store keeps.
    #[error("checkpoint too large: {0}")]
    TooLarge(String),
}

/// Step outputs kept across attempts of one job, by key.
pub trait Checkpoints: Send + Sync {
    /// Every checkpoint of the job.
    fn all(&self) -> BoxFuture<'_, Result<HashMap<String, Value>, CheckpointFailure>>;
    /// Keeps `value` under `key`.
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a Value,
    ) -> BoxFuture<'a, Result<(), CheckpointFailure>>;
}

/// Where the job is, for whoever watches it.
pub trait Progress: Send + Sync {
    /// Reports a short user-facing detail (`step 8/11 entity graphs 4/9`); never blocks.
    fn report(&self, detail: String);
}

/// Checkpoints in memory (tests, the benchmark).
#[derive(Debug, Clone, Default)]
pub struct MemoryCheckpoints {
    values: Arc<Mutex<HashMap<String, Value>>>,
}

impl MemoryCheckpoints {
    /// How many are kept.
    pub fn len(&self) -> usize {
        self.values.lock().map(|v| v.len()).unwrap_or_default()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Checkpoints for MemoryCheckpoints {
    fn all(&self) -> BoxFuture<'_, Result<HashMap<String, Value>, CheckpointFailure>> {
        let values = self.values.lock().map(|v| v.clone()).unwrap_or_default();
        Box::pin(async move { Ok(values) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a Value,
    ) -> BoxFuture<'a, Result<(), CheckpointFailure>> {
        if let Ok(mut values) = self.values.lock() {
            values.insert(key.to_owned(), value.clone());
        }
        Box::pin(async { Ok(()) })
    }
}

/// Progress that is only logged at debug level.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoggedProgress;

impl Progress for LoggedProgress {
    fn report(&self, detail: String) {
        tracing::debug!(%detail, "knowledge update progress");
    }
}
