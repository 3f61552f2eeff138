//! Checkpoints of a running job, as its handler sees them: each completed step's output (or
//! each completed per-item call) stored under a key, so an attempt that follows a crash, a
//! timeout or a lost lease reads them back and resumes after the last one. They are kept while
//! the job retries and deleted when it ends. A write is fenced by the attempt (see
//! `exobrain_jobs::store::JobStore::put_checkpoint`): once the attempt is stale a put writes
//! nothing and answers [`CheckpointError::Stale`], and the handler must stop.

use std::collections::HashMap;
use std::sync::Arc;

use exobrain_jobs::domain::{CheckpointError, CheckpointKey, CheckpointValue};
use exobrain_jobs::store::{Fence, JobStore};
use serde_json::Value;

/// The checkpoints of one job, written as one of its attempts: a cheap handle.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: JobStore,
    fence: Fence,
}

impl Checkpoints {
    /// The checkpoints of the job `fence` stands for, written as that attempt.
    pub fn new(store: JobStore, fence: Fence) -> Self {
        Self {
            inner: Arc::new(Inner { store, fence }),
        }
    }

    /// Every checkpoint of the job, by key (one query): what earlier attempts, and this one,
    /// completed.
    pub async fn all(&self) -> Result<HashMap<String, Value>, CheckpointError> {
        self.inner.store.checkpoints(self.inner.fence.job_id).await
    }

    /// The checkpoint stored under `key`, if any.
    pub async fn get(&self, key: &str) -> Result<Option<Value>, CheckpointError> {
        let key = CheckpointKey::parse(key)?;
        self.inner
            .store
            .checkpoint(self.inner.fence.job_id, &key)
            .await
    }

    /// Stores `value` under `key` (at most 200 bytes; the value at most 4 MiB of JSON),
    /// replacing what an earlier attempt stored there. [`CheckpointError::Stale`] when this
    /// attempt is no longer the job's current one: nothing was written, stop.
    pub async fn put(&self, key: &str, value: &Value) -> Result<(), CheckpointError> {
        let key = CheckpointKey::parse(key)?;
        let value = CheckpointValue::encode(value)?;
        self.inner
            .store
            .put_checkpoint(&self.inner.fence, &key, &value)
            .await
    }
}
