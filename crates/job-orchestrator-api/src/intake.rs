//! Intake: single `EnqueueJob` calls that arrive together are written in one transaction
//! (group commit). Each call is answered only after that transaction committed, so a returned
//! job id is as durable as with a commit of its own; under load, hundreds of calls share one
//! commit instead of each paying for theirs.

use exobrain_jobs::domain::NewJob;
use exobrain_jobs::group::GroupCommit;
use exobrain_jobs::store::{Accepted, JobStore, StoreError};

use crate::grpc::error::ApiError;

/// Most jobs per transaction.
const MAX_GROUP: usize = 512;
/// Transactions in flight at once.
const LANES: usize = 1;

/// Accepts single jobs in groups.
#[derive(Debug, Clone)]
pub struct Intake {
    group: GroupCommit<NewJob, Accepted, StoreError>,
}

impl Intake {
    /// Intake writing to `store`.
    pub fn new(store: JobStore) -> Self {
        let group = GroupCommit::spawn("enqueue", LANES, MAX_GROUP, move |jobs: Vec<NewJob>| {
            let store = store.clone();
            async move { store.enqueue(&jobs, None).await }
        });
        Self { group }
    }

    /// Accepts `job` once its group has committed.
    pub async fn enqueue(&self, job: NewJob) -> Result<Accepted, ApiError> {
        match self.group.submit(job, "enqueue").await {
            Ok(accepted) => Ok(accepted?),
            Err(_) => Err(ApiError::Stopping),
        }
    }
}
