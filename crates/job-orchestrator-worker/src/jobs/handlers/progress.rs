//! Progress reports of a running attempt. A handler calls [`Progress::report`] as often as it
//! likes: the call only replaces the attempt's latest detail and never waits. The attempt's
//! [`ProgressWriter`], polled by the worker beside the handler, writes that latest detail to the
//! job (its `detail` and a STARTED status event, fenced by the attempt; see
//! `exobrain_jobs::store::JobStore::report_progress`) with at most one write in flight and at
//! most one write per [`PROGRESS_INTERVAL`]: reports in between coalesce, and the last one is
//! written once the interval has passed, unless the attempt ends first. A write the database
//! refuses is tried again (a newer report replaces it); once a write finds the attempt stale,
//! the writer writes nothing more.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use exobrain_jobs::domain::ProgressDetail;
use exobrain_jobs::store::{Fence, JobStore};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Shortest time between two progress writes of one attempt.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// Where a handler reports its progress: a cheap handle to the attempt's latest detail.
#[derive(Debug, Clone)]
pub struct Progress {
    latest: Arc<Latest>,
}

/// The detail reported last and not written yet.
#[derive(Debug, Default)]
struct Latest {
    detail: Mutex<Option<ProgressDetail>>,
    reported: Notify,
}

impl Latest {
    fn slot(&self) -> MutexGuard<'_, Option<ProgressDetail>> {
        self.detail
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Progress {
    /// Reports where the attempt stands (user-facing, e.g. `step 8/11 entity graphs 4/9`; cut
    /// to 200 characters). Never waits: the latest report wins, and is written shortly.
    pub fn report(&self, detail: impl Into<String>) {
        *self.latest.slot() = Some(ProgressDetail::new(detail));
        self.latest.reported.notify_one();
    }
}

/// Writes one attempt's progress reports to the job store.
#[derive(Debug)]
pub struct ProgressWriter {
    latest: Arc<Latest>,
    store: JobStore,
    fence: Fence,
}

impl ProgressWriter {
    /// A writer for the attempt `fence` stands for, writing through `store`.
    pub fn new(store: JobStore, fence: Fence) -> Self {
        Self {
            latest: Arc::default(),
            store,
            fence,
        }
    }

    /// The handle handlers report to.
    pub fn progress(&self) -> Progress {
        Progress {
            latest: self.latest.clone(),
        }
    }

    /// Writes reports until dropped (the attempt ended): poll it while the handler runs.
    pub async fn run(self) -> Infallible {
        let mut failing = false;
        loop {
            let pending = self.latest.slot().take();
            let Some(detail) = pending else {
                self.latest.reported.notified().await;
                continue;
            };
            let began = Instant::now();
            match self.store.report_progress(&self.fence, &detail).await {
                Ok(true) => failing = false,
                Ok(false) => {
                    tracing::debug!("attempt no longer current; its progress is not recorded");
                    return std::future::pending().await;
                }
                Err(error) => {
                    if !failing {
                        tracing::warn!(%error, "cannot record progress yet, retrying");
                    }
                    failing = true;
                    self.latest.slot().get_or_insert(detail);
                }
            }
            tokio::time::sleep_until(began + PROGRESS_INTERVAL).await;
        }
    }
}
