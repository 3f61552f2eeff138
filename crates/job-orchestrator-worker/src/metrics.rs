//! The worker's Prometheus metrics, named in one place: attempts started and how they ended,
//! their durations, dead letters, skipped duplicate deliveries, handlers stopped for a lost
//! lease, jobs running, pool capacity and the consumer backlog, all by job type.

use std::time::Duration;

use exobrain_jobs::domain::JobState;
use exobrain_jobs::store::Outcome;

/// An attempt started.
pub fn started(job_type: &str) {
    metrics::counter!("jobs_started_total", "job_type" => job_type.to_owned()).increment(1);
}

/// An attempt ended with `outcome`, leading the job to `state` (`Some(None)`: stale,
/// `None`: not recorded).
pub fn finished(
    job_type: &str,
    outcome: &Outcome,
    state: Option<Option<JobState>>,
    took: Duration,
) {
    let result = match outcome {
        Outcome::Succeeded(_) => "succeeded",
        Outcome::Failed { .. } => "failed",
        Outcome::TimedOut(_) => "timed_out",
        Outcome::InvalidPayload(_) => "invalid_payload",
    };
    metrics::histogram!("job_attempt_duration_seconds", "job_type" => job_type.to_owned(), "result" => result)
        .record(took.as_secs_f64());
    let counter = match state {
        Some(Some(JobState::Succeeded)) => "jobs_succeeded_total",
        Some(Some(JobState::Retrying)) => "jobs_retried_total",
        Some(Some(JobState::FailedFinal)) => {
            let reason = match outcome {
                Outcome::InvalidPayload(_) => "invalid-payload",
                Outcome::Failed { retry: false, .. } => "not-retryable",
                _ => "max-attempts",
            };
            dead_lettered(job_type, reason);
            "jobs_failed_total"
        }
        _ => "jobs_outcome_ignored_total",
    };
    metrics::counter!(counter, "job_type" => job_type.to_owned()).increment(1);
}

/// A delivery of a job that was finished or running elsewhere was skipped.
pub fn skipped(job_type: &str) {
    metrics::counter!("jobs_skipped_deliveries_total", "job_type" => job_type.to_owned())
        .increment(1);
}

/// A dead letter was written.
pub fn dead_lettered(job_type: &str, reason: &'static str) {
    metrics::counter!("jobs_dead_lettered_total", "job_type" => job_type.to_owned(), "reason" => reason)
        .increment(1);
}

/// Jobs of a pool running now, and the pool's size.
pub fn pool(job_type: &str, running: usize, capacity: usize) {
    metrics::gauge!("jobs_running", "job_type" => job_type.to_owned()).set(running as f64);
    metrics::gauge!("jobs_pool_capacity", "job_type" => job_type.to_owned()).set(capacity as f64);
}

/// Requests waiting in the type's consumer (not yet delivered, and delivered but unacked).
pub fn backlog(job_type: &str, pending: u64, unacked: usize) {
    metrics::gauge!("jobs_backlog", "job_type" => job_type.to_owned()).set(pending as f64);
    metrics::gauge!("jobs_unacked", "job_type" => job_type.to_owned()).set(unacked as f64);
}

/// A handler was stopped because its lease could not be renewed in time.
pub fn lease_lost(job_type: &str) {
    metrics::counter!("jobs_leases_lost_total", "job_type" => job_type.to_owned()).increment(1);
}

/// Leases that expired and were handled by this process's monitor.
pub fn leases_expired(count: usize) {
    metrics::counter!("jobs_leases_expired_total").increment(count as u64);
}
