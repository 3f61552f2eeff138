//! The worker's side of the job lifecycle: attempts are started and finished through group
//! commits (every job picked up or finished at about the same time shares one transaction),
//! and the attempts running in this process are tracked so their leases can be renewed, their
//! handlers stopped when a lease is lost, and the rest handed back at shutdown.
//!
//! A lease counts as lost when a renewal says so (the job was cancelled or taken over), and
//! also when this process could not renew it for the lease minus a quarter: a worker cut off
//! from PostgreSQL stops its handler before another worker can take the job over, instead of
//! running it alongside the next attempt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::domain::{JobId, JobState};
use exobrain_jobs::group::{GroupCommit, Stopped};
use exobrain_jobs::store::{Attempt, JobStore, Outcome, StoreError};

use crate::metrics;

/// Most transitions per transaction.
const MAX_GROUP: usize = 512;
/// Transactions of one kind in flight at once.
const LANES: usize = 1;

/// Why a lifecycle write failed.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The database refused or was unreachable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The process is shutting down.
    #[error(transparent)]
    Stopped(#[from] Stopped),
}

#[derive(Debug)]
struct Running {
    attempt: i32,
    job_type: String,
    stop: CancellationToken,
    /// When the last renewal that held the lease was sent (at first, when it started).
    renewed: Instant,
    /// The lease is presumed lost: the handler was told to stop.
    lost: bool,
    /// The handler returned; only the outcome is being recorded.
    finishing: bool,
}

/// Starts, finishes and tracks this process's attempts.
#[derive(Debug)]
pub struct Lifecycle {
    store: JobStore,
    worker_id: String,
    lease: Duration,
    starts: GroupCommit<JobId, Option<Attempt>, StoreError>,
    finishes: GroupCommit<(Attempt, Outcome), Option<JobState>, StoreError>,
    running: Mutex<HashMap<JobId, Running>>,
}

/// Removes an attempt from the running set when dropped.
#[derive(Debug)]
pub struct Tracked<'a> {
    lifecycle: &'a Lifecycle,
    job_id: JobId,
}

impl Tracked<'_> {
    /// Notes that the handler returned: from now on only the outcome is being recorded, and
    /// a lapsing lease no longer stops anything. Says whether the lease was presumed lost
    /// before (so the handler was told to stop).
    pub fn handler_returned(&self) -> bool {
        let mut running = self.lifecycle.running();
        running.get_mut(&self.job_id).is_some_and(|run| {
            run.finishing = true;
            run.lost
        })
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        self.lifecycle.running().remove(&self.job_id);
    }
}

impl Lifecycle {
    /// A lifecycle for `worker_id` whose leases last `lease` between renewals.
    pub fn new(store: JobStore, worker_id: String, lease: Duration) -> Arc<Self> {
        let starts = {
            let (store, worker_id) = (store.clone(), worker_id.clone());
            GroupCommit::spawn("start", LANES, MAX_GROUP, move |job_ids: Vec<JobId>| {
                let (store, worker_id) = (store.clone(), worker_id.clone());
                async move {
                    store
                        .start_attempts(&worker_id, lease_until(lease), &job_ids)
                        .await
                }
            })
        };
        let finishes = {
            let (store, worker_id) = (store.clone(), worker_id.clone());
            GroupCommit::spawn(
                "finish",
                LANES,
                MAX_GROUP,
                move |finished: Vec<(Attempt, Outcome)>| {
                    let (store, worker_id) = (store.clone(), worker_id.clone());
                    async move { store.finish_attempts(&worker_id, &finished).await }
                },
            )
        };
        Arc::new(Self {
            store,
            worker_id,
            lease,
            starts,
            finishes,
            running: Mutex::new(HashMap::new()),
        })
    }

    /// This process's worker id (the lease owner).
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// How long a lease lasts between renewals.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Starts the next attempt of `job_id`; `None` when the job is not waiting to run.
    pub async fn start(&self, job_id: JobId) -> Result<Option<Attempt>, LifecycleError> {
        Ok(self.starts.submit(job_id, "start").await??)
    }

    /// Records how `attempt` ended; `None` when it was stale.
    pub async fn finish(
        &self,
        attempt: Attempt,
        outcome: Outcome,
    ) -> Result<Option<JobState>, LifecycleError> {
        Ok(self.finishes.submit((attempt, outcome), "finish").await??)
    }

    /// Hands `attempt` back without counting it (shutdown); true when it was released.
    pub async fn release(&self, attempt: &Attempt) -> Result<bool, LifecycleError> {
        let released = self
            .store
            .release_attempts(&self.worker_id, &[(attempt.job_id, attempt.attempt)])
            .await?;
        Ok(!released.is_empty())
    }

    /// Tracks `attempt` as running until the returned guard drops: its lease is renewed
    /// meanwhile, and `stop` is cancelled if the lease is lost. Keep the guard until the
    /// attempt's outcome is recorded.
    pub fn track(&self, attempt: &Attempt, stop: CancellationToken) -> Tracked<'_> {
        self.running().insert(
            attempt.job_id,
            Running {
                attempt: attempt.attempt,
                job_type: attempt.job_type.clone(),
                stop,
                renewed: Instant::now(),
                lost: false,
                finishing: false,
            },
        );
        Tracked {
            lifecycle: self,
            job_id: attempt.job_id,
        }
    }

    /// Attempts running now.
    pub fn running_count(&self) -> usize {
        self.running().len()
    }

    /// Renews the leases of every running attempt and stops the handlers of those whose lease
    /// is gone (job cancelled, or taken over after this process stalled).
    pub async fn renew_leases(&self) -> Result<(), StoreError> {
        let renewing: Vec<(JobId, i32)> = self
            .running()
            .iter()
            .map(|(id, run)| (*id, run.attempt))
            .collect();
        let sent = Instant::now();
        let lost = self
            .store
            .renew_leases(&self.worker_id, &renewing, lease_until(self.lease))
            .await?;
        let mut running = self.running();
        for (job_id, attempt) in &renewing {
            let Some(run) = running
                .get_mut(job_id)
                .filter(|run| run.attempt == *attempt)
            else {
                continue;
            };
            if lost.contains(job_id) {
                tracing::info!(%job_id, "lease lost (job cancelled or taken over); stopping its handler");
                run.stop.cancel();
            } else {
                run.renewed = sent;
            }
        }
        Ok(())
    }

    /// Stops the handlers whose lease was last renewed longer ago than the lease minus a
    /// quarter (this process cannot reach the database).
    pub fn stop_lapsed(&self) {
        let limit = self.lease - self.lease / 4;
        for (job_id, run) in self.running().iter_mut() {
            if run.lost || run.finishing || run.renewed.elapsed() < limit {
                continue;
            }
            tracing::warn!(
                %job_id,
                unrenewed_ms = run.renewed.elapsed().as_millis() as u64,
                "lease presumed lost (not renewed in time); stopping its handler"
            );
            run.lost = true;
            run.stop.cancel();
            metrics::lease_lost(&run.job_type);
        }
    }

    /// Hands back every attempt still running (shutdown, after the handlers were stopped and
    /// did not return in time).
    pub async fn release_all(&self) -> Result<usize, StoreError> {
        let running: Vec<(JobId, i32)> = self
            .running()
            .iter()
            .map(|(id, run)| (*id, run.attempt))
            .collect();
        Ok(self
            .store
            .release_attempts(&self.worker_id, &running)
            .await?
            .len())
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, Running>> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn lease_until(lease: Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX)
}
