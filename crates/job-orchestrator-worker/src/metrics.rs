//! The worker's Prometheus metrics, named in one place: attempts started and how they ended,
//! how long requests waited to be picked up, the attempts' durations, dead letters, skipped
//! duplicate deliveries, handlers stopped for a lost lease, jobs running, pool capacity and
//! the consumer backlog, all by job type.

use std::time::Duration;

use chrono::{DateTime, Utc};
use exobrain_common::metrics::Description;
use exobrain_jobs::domain::JobState;
use exobrain_jobs::store::Outcome;
use metrics::Unit;

/// Every metric the worker emits (the job stores' own are in [`exobrain_jobs::metrics`]).
pub const METRICS: &[Description] = &[
    Description::counter(
        "jobs_started_total",
        Unit::Count,
        "Job attempts started, by job_type.",
    ),
    Description::histogram(
        "job_pickup_delay_seconds",
        Unit::Seconds,
        "Time from a job request being written (enqueue, or retry) to its attempt starting, by job_type.",
    ),
    Description::histogram(
        "job_attempt_duration_seconds",
        Unit::Seconds,
        "Duration of job attempts, by job_type and result (succeeded, failed, timed_out, invalid_payload).",
    ),
    Description::counter(
        "jobs_succeeded_total",
        Unit::Count,
        "Jobs that ended succeeded, by job_type.",
    ),
    Description::counter(
        "jobs_retried_total",
        Unit::Count,
        "Failed attempts scheduled for a retry, by job_type.",
    ),
    Description::counter(
        "jobs_failed_total",
        Unit::Count,
        "Jobs that failed for good (and were dead-lettered), by job_type.",
    ),
    Description::counter(
        "jobs_outcome_ignored_total",
        Unit::Count,
        "Attempt outcomes not recorded because the job had moved on (stale lease), by job_type.",
    ),
    Description::counter(
        "jobs_skipped_deliveries_total",
        Unit::Count,
        "Deliveries skipped because the job was finished or running elsewhere, by job_type.",
    ),
    Description::counter(
        "jobs_dead_lettered_total",
        Unit::Count,
        "Dead letters written, by job_type and reason (max-attempts, not-retryable, invalid-payload).",
    ),
    Description::gauge(
        "jobs_running",
        Unit::Count,
        "Jobs running in this worker now, by job_type.",
    ),
    Description::gauge(
        "jobs_pool_capacity",
        Unit::Count,
        "Jobs this worker runs at once at most, by job_type.",
    ),
    Description::gauge(
        "jobs_backlog",
        Unit::Count,
        "Requests waiting in the job type's JetStream consumer, not yet delivered (the consumer's lag), by job_type.",
    ),
    Description::gauge(
        "jobs_unacked",
        Unit::Count,
        "Requests delivered to the job type's consumer and not yet acknowledged, by job_type.",
    ),
    Description::counter(
        "jobs_leases_lost_total",
        Unit::Count,
        "Handlers stopped because their lease could not be renewed in time, by job_type.",
    ),
    Description::counter(
        "jobs_leases_expired_total",
        Unit::Count,
        "Expired leases of other workers handled by this worker's monitor.",
    ),
];

/// An attempt started, `waited` after its request was written (when that is known).
pub fn started(job_type: &str, waited: Option<Duration>) {
    metrics::counter!("jobs_started_total", "job_type" => job_type.to_owned()).increment(1);
    if let Some(waited) = waited {
        metrics::histogram!("job_pickup_delay_seconds", "job_type" => job_type.to_owned())
            .record(waited.as_secs_f64());
    }
}

/// How long before `now` the request written at `written` (RFC 3339) was; `None` when the
/// time is missing or unreadable, zero when it lies ahead (clocks of two hosts disagree).
pub fn waited_since(written: &str, now: DateTime<Utc>) -> Option<Duration> {
    let written = DateTime::parse_from_rfc3339(written).ok()?;
    Some(
        (now - written.with_timezone(&Utc))
            .to_std()
            .unwrap_or_default(),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pickup_delay_is_measured_from_the_request_time() {
        let now = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.500000Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(
            waited_since("2026-01-02T03:04:03.250000Z", now),
            Some(Duration::from_millis(2250))
        );
        assert_eq!(
            waited_since("2026-01-02T03:04:06Z", now),
            Some(Duration::ZERO),
            "a request from the future waited for nothing"
        );
        assert_eq!(waited_since("", now), None);
        assert_eq!(waited_since("yesterday", now), None);
    }
}
