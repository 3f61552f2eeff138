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

mod diagnostics;
mod knowledge_update;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::domain::JobId;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

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
}

impl JobContext {
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
}

impl Handlers {
    /// The handler of every job type this worker knows.
    pub fn standard(dependencies: &Dependencies) -> Self {
        let mut handlers = Self::default();
        handlers.register(
            "knowledge.update",
            Arc::new(knowledge_update::KnowledgeUpdate),
        );
        handlers.register("diagnostics.echo", Arc::new(diagnostics::Echo));
        handlers.register(
            "diagnostics.sleep",
            Arc::new(diagnostics::Sleep {
                pool: dependencies.pool.clone(),
            }),
        );
        handlers.register("diagnostics.fail", Arc::new(diagnostics::Fail));
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
