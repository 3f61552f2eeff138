//! Job handlers: the code each job type runs, looked up by type. A handler gets a
//! [`JobContext`] (the job, its attempt, a cancellation token and deterministic ids derived
//! from the job) and returns a result summary, or a [`Failure`] that says whether another
//! attempt may help.
//!
//! The contract every handler keeps:
//! - **Idempotent effects.** An attempt may run again after a crash: key every effect with
//!   [`JobContext::derive_id`], so a re-run upserts the same records.
//! - **Stop when told.** [`JobContext::cancel`] fires when the job was cancelled, the worker
//!   is shutting down, or the attempt's lease is lost (taken over, or not renewed in time
//!   because the worker cannot reach the database); another attempt may then run elsewhere,
//!   so return promptly and write nothing more.
//! - **Fence writes with the attempt.** Between losing the lease and noticing it a handler may
//!   still write. [`JobContext::attempt`] is a fencing token: a write to the job database
//!   checks in the same statement that the attempt is still the job's current one held by
//!   [`JobContext::worker_id`] (see `diagnostics.rs`), and a service written to elsewhere is
//!   passed `(job_id, attempt)` and refuses a write older than the newest attempt it saw.
//! - **Report progress, checkpoint steps.** [`JobContext::progress`] takes a user-facing
//!   detail at any rate and never waits; the latest one becomes the job's status detail.
//!   [`JobContext::checkpoints`] stores each completed step's output, fenced by the attempt; an
//!   attempt reads them first and resumes after the last one. A put answering
//!   [`CheckpointError::Stale`] means stop (it converts into a [`Failure`] with `?`).

mod checkpoints;
mod diagnostics;
mod knowledge_update;
mod progress;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::domain::JobId;
use exobrain_jobs::store::{Attempt, Fence, JobStore};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

pub use checkpoints::Checkpoints;
pub use exobrain_jobs::domain::{CheckpointError, CheckpointPart};
pub use progress::{PROGRESS_INTERVAL, Progress, ProgressWriter};

/// What a handler knows about the attempt it runs.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The job.
    pub job_id: JobId,
    /// Its type.
    pub job_type: String,
    /// The user it runs for.
    pub owner: String,
    /// Attempt number, from 1: the fencing token of this run (a later attempt always has a
    /// larger one).
    pub attempt: i32,
    /// The validated payload.
    pub payload: Value,
    /// Cancelled when the handler must stop: the job was cancelled, its lease was lost, or
    /// the worker is shutting down past its grace period.
    pub cancel: CancellationToken,
    /// The worker running the attempt (the lease owner).
    pub worker_id: String,
    /// Where the handler reports its progress (the job's status detail while it runs).
    pub progress: Progress,
    /// The job's checkpoints: read what earlier attempts completed, store what this one does.
    pub checkpoints: Checkpoints,
}

impl JobContext {
    /// The context of `attempt` run by `worker_id` and stopped by `cancel`, writing through
    /// `store`; with the writer of its progress, to poll while the handler runs and drop when
    /// the attempt ends.
    pub fn for_attempt(
        attempt: &Attempt,
        worker_id: &str,
        cancel: CancellationToken,
        store: &JobStore,
    ) -> (Self, ProgressWriter) {
        let fence = Fence::of(attempt, worker_id);
        let writer = ProgressWriter::new(store.clone(), fence.clone());
        let context = Self {
            job_id: attempt.job_id,
            job_type: attempt.job_type.clone(),
            owner: attempt.owner.clone(),
            attempt: attempt.attempt,
            payload: attempt.payload.clone(),
            cancel,
            worker_id: worker_id.to_owned(),
            progress: writer.progress(),
            checkpoints: Checkpoints::new(store.clone(), fence),
        };
        (context, writer)
    }

    /// A deterministic id for the effect named `key` of this job: the same in every attempt,
    /// so an upsert keyed by it applies once however often the job runs.
    pub fn derive_id(&self, key: &str) -> Uuid {
        self.job_id.derive(key)
    }
}

/// A failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// User-facing summary (no internals, no stack traces).
    pub detail: String,
    /// Whether another attempt may succeed.
    pub retry: bool,
}

impl Failure {
    /// A failure worth another attempt.
    pub fn transient(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            retry: true,
        }
    }

    /// A failure no retry will fix.
    pub fn permanent(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            retry: false,
        }
    }
}

impl From<CheckpointError> for Failure {
    /// A stale attempt or an unavailable database is worth another attempt (a stale
    /// attempt's outcome is ignored anyway); a key or value that cannot be stored is not.
    fn from(error: CheckpointError) -> Self {
        match error {
            CheckpointError::Stale | CheckpointError::Unavailable => {
                Self::transient(error.to_string())
            }
            CheckpointError::TooLarge { .. } | CheckpointError::NulCharacter { .. } => {
                Self::permanent(error.to_string())
            }
        }
    }
}

/// What a handler returns.
pub type HandlerResult = Pin<Box<dyn Future<Output = Result<Value, Failure>> + Send>>;

/// The code of one job type.
pub trait Handler: Send + Sync + std::fmt::Debug {
    /// Runs one attempt.
    fn run(&self, context: JobContext) -> HandlerResult;
}

/// Handlers by job type.
#[derive(Debug, Clone, Default)]
pub struct Handlers {
    by_type: HashMap<String, Arc<dyn Handler>>,
}

/// What handlers may use.
#[derive(Debug, Clone)]
pub struct Dependencies {
    /// The job database (diagnostic effects).
    pub pool: PgPool,
    /// The `knowledge.update` pipeline.
    pub knowledge_update: Arc<exobrain_knowledge_update::Pipeline>,
}

impl Handlers {
    /// The handler of every job type this worker knows.
    pub fn standard(dependencies: &Dependencies) -> Self {
        let mut handlers = Self::default();
        handlers.register(
            "knowledge.update",
            Arc::new(knowledge_update::KnowledgeUpdate::new(
                dependencies.knowledge_update.clone(),
            )),
        );
        handlers.register("diagnostics.echo", Arc::new(diagnostics::Echo));
        handlers.register(
            "diagnostics.sleep",
            Arc::new(diagnostics::Sleep {
                pool: dependencies.pool.clone(),
            }),
        );
        handlers.register("diagnostics.fail", Arc::new(diagnostics::Fail));
        handlers.register("diagnostics.steps", Arc::new(diagnostics::Steps));
        handlers
    }

    /// Sets the handler of `job_type`.
    pub fn register(&mut self, job_type: &str, handler: Arc<dyn Handler>) {
        self.by_type.insert(job_type.to_owned(), handler);
    }

    /// The handler of `job_type`.
    pub fn get(&self, job_type: &str) -> Option<Arc<dyn Handler>> {
        self.by_type.get(job_type).cloned()
    }
}
