//! What admission needs to know about queues, kept cheap to ask on every enqueue: each user's
//! unfinished jobs (counted in the database in the background at most once a second per user,
//! plus what this process accepted since) and each job type's backlog in JetStream (refreshed every second by
//! a background task). Both are approximate by design: they bound a runaway client and an
//! overloaded system, they are not exact quotas.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use exobrain_common::shutdown::CancellationToken;
use exobrain_jobs::domain::UserId;
use exobrain_jobs::store::{JobStore, StoreError};
use futures::TryStreamExt;

/// How long a user's counted queue length is trusted.
const OPEN_JOBS_TTL: Duration = Duration::from_secs(1);
/// How often the JetStream backlog is read.
const BACKLOG_PERIOD: Duration = Duration::from_secs(1);

/// Unfinished jobs per user.
#[derive(Debug, Clone, Default)]
pub struct OpenJobs {
    counted: Arc<Mutex<HashMap<String, (u64, Instant)>>>,
}

impl OpenJobs {
    /// `owner`'s unfinished jobs, counting no further than `up_to`. The first question about
    /// a user waits for the database; later ones answer from the cache at once and, when the
    /// count is older than a second, refresh it in the background.
    pub async fn get(
        &self,
        store: &JobStore,
        owner: &UserId,
        up_to: u64,
    ) -> Result<u64, StoreError> {
        let cached = self.counted().get_mut(owner.as_str()).map(|(open, at)| {
            let stale = at.elapsed() >= OPEN_JOBS_TTL;
            if stale {
                // Claims the refresh, so concurrent callers do not start another one.
                *at = Instant::now();
            }
            (*open, stale)
        });
        match cached {
            Some((open, stale)) => {
                if stale {
                    let (this, store, owner) = (self.clone(), store.clone(), owner.clone());
                    tokio::spawn(async move { this.count(&store, &owner, up_to).await });
                }
                Ok(open)
            }
            None => self.count(store, owner, up_to).await,
        }
    }

    async fn count(&self, store: &JobStore, owner: &UserId, up_to: u64) -> Result<u64, StoreError> {
        let open = store.open_jobs(owner, up_to).await?;
        self.counted()
            .insert(owner.as_str().to_owned(), (open, Instant::now()));
        Ok(open)
    }

    /// Adds `change` (negative for jobs that ended) to `owner`'s count until the next
    /// database count.
    pub fn add(&self, owner: &UserId, change: i64) {
        if let Some((open, _)) = self.counted().get_mut(owner.as_str()) {
            *open = open.saturating_add_signed(change);
        }
    }

    fn counted(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Instant)>> {
        self.counted
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Requests waiting in JetStream per request subject.
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    by_subject: Arc<RwLock<HashMap<String, u64>>>,
}

impl Backlog {
    /// Messages waiting on `subject` at the last reading (0 before the first).
    pub fn get(&self, subject: &str) -> u64 {
        self.by_subject
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(subject)
            .copied()
            .unwrap_or(0)
    }

    /// Reads the per-subject message counts of `stream` (subjects matching `filter`) every
    /// second until `token` is cancelled, and exports them as `jobs_stream_backlog`.
    pub async fn follow(
        self,
        js: jetstream::Context,
        stream: String,
        filter: String,
        token: CancellationToken,
    ) {
        let mut tick = tokio::time::interval(BACKLOG_PERIOD);
        loop {
            tokio::select! {
                _ = token.cancelled() => return,
                _ = tick.tick() => {}
            }
            match read(&js, &stream, &filter).await {
                Ok(counts) => {
                    for (subject, count) in &counts {
                        metrics::gauge!("jobs_stream_backlog", "subject" => subject.clone())
                            .set(*count as f64);
                    }
                    *self
                        .by_subject
                        .write()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = counts;
                }
                Err(error) => tracing::debug!(%error, "cannot read the job backlog"),
            }
        }
    }
}

async fn read(
    js: &jetstream::Context,
    stream: &str,
    filter: &str,
) -> Result<HashMap<String, u64>, String> {
    let stream = js
        .get_stream(stream)
        .await
        .map_err(|error| error.to_string())?;
    let subjects = stream
        .info_with_subjects(filter)
        .await
        .map_err(|error| error.to_string())?;
    subjects
        .map_ok(|(subject, count)| (subject, count as u64))
        .try_collect()
        .await
        .map_err(|error| error.to_string())
}
