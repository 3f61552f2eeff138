//! The open watches (WatchJobStatus and WatchBatchStatus together): how many each user has
//! and how long each may live. A watch is admitted only while its user has fewer than
//! `max_per_user` open; its [`WatchPermit`] travels with the task that feeds the stream and
//! gives the place back when that task ends, whichever way it ends: the terminal event, an
//! error, the client leaving (noticed at once, not at the next event), or the lifetime cap,
//! after which the client gets DEADLINE_EXCEEDED saying to watch again. The number of open
//! watches is the gauge `jobs_watches_open`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use exobrain_jobs::domain::UserId;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tonic::Status;

use super::error::ApiError;

/// Default `JOB_WATCH_MAX_SECONDS`.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(3600);
/// Default `JOB_WATCH_MAX_PER_USER`.
pub const DEFAULT_MAX_PER_USER: usize = 32;

/// The caps on watches.
#[derive(Debug, Clone, Copy)]
pub struct WatchLimits {
    /// How long one watch may stay open.
    pub max_lifetime: Duration,
    /// Watches one user may have open at once.
    pub max_per_user: usize,
}

impl Default for WatchLimits {
    fn default() -> Self {
        Self {
            max_lifetime: DEFAULT_MAX_LIFETIME,
            max_per_user: DEFAULT_MAX_PER_USER,
        }
    }
}

/// The open watches of a process.
#[derive(Debug, Clone)]
pub struct Watchers {
    limits: WatchLimits,
    open: Arc<Mutex<HashMap<UserId, usize>>>,
}

impl Watchers {
    /// No watch open yet.
    pub fn new(limits: WatchLimits) -> Self {
        Self {
            limits,
            open: Arc::default(),
        }
    }

    /// Admits one more watch for `user`, or refuses it when they have the most allowed.
    pub fn admit(&self, user: &UserId) -> Result<WatchPermit, ApiError> {
        let mut open = self.open();
        let count = open.entry(user.clone()).or_default();
        if *count >= self.limits.max_per_user {
            return Err(ApiError::TooManyWatches {
                user: user.to_string(),
                limit: self.limits.max_per_user,
            });
        }
        *count += 1;
        record(&open);
        Ok(WatchPermit {
            watchers: self.clone(),
            user: user.clone(),
            deadline: Instant::now() + self.limits.max_lifetime,
        })
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, usize>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn record(open: &HashMap<UserId, usize>) {
    let total: usize = open.values().sum();
    metrics::gauge!("jobs_watches_open").set(total as f64);
}

/// One admitted watch; its place is given back when dropped.
#[derive(Debug)]
pub struct WatchPermit {
    watchers: Watchers,
    user: UserId,
    deadline: Instant,
}

impl WatchPermit {
    /// Feeds the watch with `pump` until it ends by itself, the client behind `sender`
    /// leaves, or the watch's lifetime is over (the client is then told so), and gives the
    /// watch's place back.
    pub async fn run<T>(
        self,
        sender: &mpsc::Sender<Result<T, Status>>,
        pump: impl Future<Output = ()>,
    ) {
        tokio::select! {
            () = pump => {}
            () = sender.closed() => {}
            () = tokio::time::sleep_until(self.deadline) => {
                let seconds = self.watchers.limits.max_lifetime.as_secs_f64();
                // A client too slow to have room for it has stopped reading anyway.
                let _ = sender.try_send(Err(ApiError::WatchExpired { seconds }.into()));
            }
        }
    }
}

impl Drop for WatchPermit {
    fn drop(&mut self) {
        let mut open = self.watchers.open();
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user);
            }
        }
        record(&open);
    }
}
