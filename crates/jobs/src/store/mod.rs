//! Job records in `job_orchestrator_db`. Every write that must reach JetStream (job requests,
//! status events) is recorded in the outbox inside the same transaction, so a job that was
//! accepted is never lost, whatever NATS is doing. Writes take slices so callers can group
//! many jobs into one commit.

mod attempts;
mod batches;
mod cancel;
mod checkpoints;
mod dead_letters;
mod enqueue;
mod fence;
mod leases;
mod letters;
mod listing;
mod messages;
mod page;
mod progress;
mod request_error;
mod scope;
mod snapshot;
mod stats;
mod transitions;
mod unpublishable;

use exobrain_common::db::is_unavailable;
use exobrain_common::error::{ErrorKind, ServiceError};
use exobrain_common::nats::NatsConfig;
use sqlx::{PgPool, Postgres, Transaction};

use crate::outbox::{Outbox, Publisher};

pub use attempts::{Attempt, Outcome, Transitioned};
pub use batches::{AcceptedBatch, BatchSnapshot};
pub use cancel::CANCELLED_DETAIL;
pub use dead_letters::DeadLetter;
pub use enqueue::Accepted;
pub use fence::Fence;
pub use leases::{LEASE_EXPIRED_DETAIL, RELEASED_DETAIL};
pub use letters::PoisonMessage;
pub use listing::JobFilter;
pub use page::{Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest};
pub use request_error::RequestError;
pub use scope::Scope;
pub use snapshot::JobSnapshot;
pub use stats::{JobStats, TypeStats};
pub use unpublishable::UNPUBLISHABLE;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such job.
    #[error("job {0} not found")]
    NotFound(String),
    /// The job belongs to another user.
    #[error("job {0} belongs to another user")]
    NotOwner(String),
    /// A stored row could not be read (a bug or a manual edit).
    #[error("job {job_id} has an unreadable {what}")]
    Corrupt {
        /// The job.
        job_id: String,
        /// What could not be read.
        what: &'static str,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl ServiceError for StoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotFound(_) => ErrorKind::NotFound,
            StoreError::NotOwner(_) => ErrorKind::PermissionDenied,
            StoreError::Corrupt { .. } => ErrorKind::Internal,
            StoreError::Database(error) if is_unavailable(error) => ErrorKind::Unavailable,
            StoreError::Database(_) => ErrorKind::Internal,
        }
    }
}

/// The PostgreSQL job store.
#[derive(Debug, Clone)]
pub struct JobStore {
    pool: PgPool,
    nats: NatsConfig,
    publisher: Option<Publisher>,
}

impl JobStore {
    /// A store on `pool` that names outbox subjects with `nats`'s prefix.
    /// Without a publisher, its messages wait for the relay.
    pub fn new(pool: PgPool, nats: NatsConfig) -> Self {
        Self {
            pool,
            nats,
            publisher: None,
        }
    }

    /// The same store, handing the messages of each commit to `publisher` at once.
    pub fn with_publisher(mut self, publisher: Publisher) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// Subject a job request is published on: `jobs.<job_type>.requested`.
    pub fn request_subject(&self, job_type: &str) -> String {
        self.nats.subject(&format!("jobs.{job_type}.requested"))
    }

    /// Subject of a job's status events: `jobs.status.<job_id>`.
    pub fn status_subject(&self, job_id: &str) -> String {
        self.nats.subject(&format!("jobs.status.{job_id}"))
    }

    /// Subject of result events: `jobs.events.<job_type>.<completed|failed>`.
    pub fn event_subject(&self, job_type: &str, outcome: &str) -> String {
        self.nats
            .subject(&format!("jobs.events.{job_type}.{outcome}"))
    }

    /// Subject of dead letters: `jobs.dlq`.
    pub fn dlq_subject(&self) -> String {
        self.nats.subject("jobs.dlq")
    }

    /// The job database.
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Writes `outbox` inside `tx`, commits, then hands the messages to the publisher.
    pub(crate) async fn commit(
        &self,
        mut tx: Transaction<'_, Postgres>,
        outbox: Outbox,
    ) -> Result<(), StoreError> {
        let queued = outbox.write(&mut tx).await?;
        tx.commit().await?;
        if let (Some(publisher), Some(queued)) = (&self.publisher, queued) {
            publisher.send(queued);
        }
        Ok(())
    }
}
