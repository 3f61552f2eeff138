//! Counting every user's jobs for operators: per job type, how many are in each state, how
//! many wait to run, and how many finished lately. One grouped scan; nothing is stored.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{JobStore, StoreError};
use crate::domain::JobState;

/// One job type's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeStats {
    /// Jobs currently in each state (states without jobs are absent).
    pub by_state: HashMap<JobState, u64>,
    /// Jobs that reached a terminal state within the window.
    pub completed_in_window: u64,
}

impl TypeStats {
    /// Jobs currently in `state`.
    pub fn count(&self, state: JobState) -> u64 {
        self.by_state.get(&state).copied().unwrap_or_default()
    }

    /// Jobs waiting to run: pending, or waiting for their next attempt.
    pub fn backlog(&self) -> u64 {
        self.count(JobState::Pending) + self.count(JobState::Retrying)
    }
}

/// The counts of every job type, as of `generated_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStats {
    /// By job type name.
    pub by_type: BTreeMap<String, TypeStats>,
    /// When they were counted (the database's clock).
    pub generated_at: DateTime<Utc>,
}

impl JobStore {
    /// Every user's jobs counted by type and state, with those finished within `window`.
    pub async fn job_stats(&self, window: Duration) -> Result<JobStats, StoreError> {
        let rows: Vec<(String, String, bool, i64, i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT job_type, status, is_terminal, count(*),
                    count(*) FILTER (WHERE completed_at >= NOW() - make_interval(secs => $1)),
                    NOW()
             FROM orchestrator_jobs
             GROUP BY job_type, status, is_terminal",
        )
        .bind(window.as_secs_f64())
        .fetch_all(self.pool())
        .await?;
        let mut generated_at = Utc::now();
        let mut by_type: BTreeMap<String, TypeStats> = BTreeMap::new();
        for (job_type, status, is_terminal, count, completed, now) in rows {
            generated_at = now;
            let state =
                JobState::from_db(&status, is_terminal).ok_or_else(|| StoreError::Corrupt {
                    job_id: format!("(a {job_type} job)"),
                    what: "status",
                })?;
            let stats = by_type.entry(job_type).or_default();
            *stats.by_state.entry(state).or_default() += u64::try_from(count).unwrap_or_default();
            stats.completed_in_window += u64::try_from(completed).unwrap_or_default();
        }
        Ok(JobStats {
            by_type,
            generated_at,
        })
    }
}
