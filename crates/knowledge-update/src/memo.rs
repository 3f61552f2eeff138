//! Checkpoints as the steps use them: everything a previous attempt kept is loaded once at the
//! start; a step whose key is there is not run again (its model calls are not paid for
//! twice, and its answer, which may depend on the graph as it was, stays the same); a step
//! that runs keeps its output before the next one starts.

use std::collections::HashMap;
use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::UpdateError;
use crate::ports::{CheckpointFailure, Checkpoints};

/// The checkpoints of one attempt.
pub struct Memo<'a> {
    kept: HashMap<String, Value>,
    store: &'a dyn Checkpoints,
}

impl std::fmt::Debug for Memo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("kept", &self.kept.len())
            .finish()
    }
}

impl<'a> Memo<'a> {
    /// Loads what earlier attempts kept.
    pub async fn load(store: &'a dyn Checkpoints) -> Result<Self, UpdateError> {
        Ok(Self {
            kept: store.all().await?,
            store,
        })
    }

    /// How many checkpoints the attempt started with.
    pub fn resumed(&self) -> usize {
        self.kept.len()
    }

    /// The kept output of `key`, if any (an unreadable one counts as missing).
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.kept
            .get(key)
            .and_then(|value| T::deserialize(value).ok())
    }

    /// The output of `key`: kept, or computed by `run` and kept.
    pub async fn remember<T, F>(&self, key: &str, run: impl FnOnce() -> F) -> Result<T, UpdateError>
    where
        T: Serialize + DeserializeOwned,
        F: Future<Output = Result<T, UpdateError>>,
    {
        if let Some(kept) = self.get(key) {
            return Ok(kept);
        }
        let value = run().await?;
        self.keep(key, &value).await?;
        Ok(value)
    }

    /// Keeps `value` under `key`.
    pub async fn keep<T: Serialize>(&self, key: &str, value: &T) -> Result<(), UpdateError> {
        let json = serde_json::to_value(value)
            .map_err(|error| CheckpointFailure::TooLarge(error.to_string()))?;
        self.store.put(key, &json).await?;
        Ok(())
    }
}
