//! Descriptions of the metrics the orchestrator API emits: jobs accepted, watch streams open,
//! and the backlog of each job subject in the stream (the store's own are in
//! [`exobrain_jobs::metrics`]).

use exobrain_common::metrics::Description;
use metrics::Unit;

/// Every metric the API emits.
pub const METRICS: &[Description] = &[
    Description::counter(
        "jobs_enqueued_total",
        Unit::Count,
        "Jobs accepted by EnqueueJob(s), by job_type and deduplicated (true: an existing job was returned).",
    ),
    Description::gauge(
        "jobs_watches_open",
        Unit::Count,
        "WatchJobStatus streams open on this process.",
    ),
    Description::gauge(
        "jobs_stream_backlog",
        Unit::Count,
        "Job requests stored in the jobs stream and not yet taken, by subject.",
    ),
];
