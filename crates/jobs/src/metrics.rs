//! Descriptions of the metrics this crate's stores emit in whichever process runs them (the
//! orchestrator API and the worker both register [`METRICS`] at startup): the outbox (published
//! messages, depth, age of the oldest row, parked rows) and the group commits' sizes.

use exobrain_common::metrics::Description;
use metrics::Unit;

/// Every metric of this crate.
pub const METRICS: &[Description] = &[
    Description::counter(
        "jobs_outbox_published_total",
        Unit::Count,
        "Job messages published to JetStream from the outbox, by who published them (publisher: right after the commit; relay: a later retry).",
    ),
    Description::gauge(
        "jobs_outbox_depth",
        Unit::Count,
        "Outbox rows (committed transactions) waiting to be published to JetStream.",
    ),
    Description::gauge(
        "jobs_outbox_oldest_age_seconds",
        Unit::Seconds,
        "Age of the oldest outbox row waiting to be published; 0 when none waits.",
    ),
    Description::gauge(
        "jobs_outbox_parked",
        Unit::Count,
        "Outbox rows given up on after repeated failures, kept for operators.",
    ),
    Description::histogram(
        "jobs_group_commit_size",
        Unit::Count,
        "Requests committed together in one group commit, by group.",
    ),
];
