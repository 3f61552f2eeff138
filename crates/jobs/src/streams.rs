//! The JetStream topology, created or updated idempotently at startup by every process.
//!
//! | stream | subjects | retention |
//! |---|---|---|
//! | `JOBS` | `jobs.<type>.requested`, one literal subject per registered type | work queue (a message leaves once acked) |
//! | `JOB_STATUS` | `jobs.status.>` | 24 h, at most 50 events per job |
//! | `JOB_EVENTS` | `jobs.events.>` | 7 days |
//! | `JOB_DLQ` | `jobs.dlq` | 365 days |
//!
//! Request subjects are listed literally rather than as `jobs.*.*.requested` because a
//! wildcard would overlap the other streams' subjects, which JetStream refuses; job type names
//! may not start with `status`, `events` or `dlq` for the same reason.

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use exobrain_common::nats::NatsConfig;

use crate::domain::Registry;

/// Stream names, with the process's prefix applied.
#[derive(Debug, Clone)]
pub struct Streams {
    /// Job requests.
    pub jobs: String,
    /// Status events.
    pub status: String,
    /// Result events.
    pub events: String,
    /// Dead letters.
    pub dlq: String,
}

impl Streams {
    /// The names for `nats`'s prefix.
    pub fn named(nats: &NatsConfig) -> Self {
        Self {
            jobs: nats.stream("JOBS"),
            status: nats.stream("JOB_STATUS"),
            events: nats.stream("JOB_EVENTS"),
            dlq: nats.stream("JOB_DLQ"),
        }
    }
}

/// Creates the four streams, or updates them to this configuration.
pub async fn ensure(
    js: &jetstream::Context,
    nats: &NatsConfig,
    registry: &Registry,
) -> Result<Streams, String> {
    let names = Streams::named(nats);
    let day = Duration::from_secs(24 * 3600);
    let mut request_subjects: Vec<String> = registry
        .specs()
        .map(|spec| nats.subject(&format!("jobs.{}.requested", spec.job_type)))
        .collect();
    request_subjects.sort();
    let configs = [
        stream::Config {
            name: names.jobs.clone(),
            subjects: request_subjects,
            retention: stream::RetentionPolicy::WorkQueue,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        },
        stream::Config {
            name: names.status.clone(),
            subjects: vec![nats.subject("jobs.status.>")],
            max_age: day,
            max_messages_per_subject: 50,
            discard: stream::DiscardPolicy::Old,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        },
        stream::Config {
            name: names.events.clone(),
            subjects: vec![nats.subject("jobs.events.>")],
            max_age: 7 * day,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        },
        stream::Config {
            name: names.dlq.clone(),
            subjects: vec![nats.subject("jobs.dlq")],
            max_age: 365 * day,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        },
    ];
    for config in configs {
        let name = config.name.clone();
        match js.get_stream(&name).await {
            Ok(_) => js.update_stream(config).await.map(|_| ()),
            Err(_) => js.create_stream(config).await.map(|_| ()),
        }
        .map_err(|error| format!("cannot create or update stream {name}: {error}"))?;
    }
    Ok(names)
}
