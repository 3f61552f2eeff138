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
//!
//! Processes with different registries (an API that accepts a type no local worker runs, an
//! older or newer version) share the `JOBS` stream, so a process only ever adds its request
//! subjects to it and never removes another's: a request subject that no stream captures
//! would make every request of that type unpublishable.
//!
//! Every stream is kept on `JOBS_STREAM_REPLICAS` servers (1 on a single server, 3 on the
//! production cluster): a stream found with another count is updated to it, which JetStream
//! does in place on a cluster. A count the server cannot satisfy (more than one on a server
//! without a cluster, more than the cluster has) stops startup with an error that names the
//! variable, instead of a topology quietly weaker than configured.

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use exobrain_common::nats::NatsConfig;

use crate::domain::Registry;

/// The variable that sets the replica count of every stream.
pub const REPLICAS_VAR: &str = "JOBS_STREAM_REPLICAS";

/// Most replicas JetStream keeps of a stream.
pub const MAX_REPLICAS: usize = 5;

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

/// Creates the four streams with `replicas` replicas each, or updates them to this
/// configuration; the `JOBS` stream keeps the request subjects other processes added.
pub async fn ensure(
    js: &jetstream::Context,
    nats: &NatsConfig,
    registry: &Registry,
    replicas: usize,
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
            num_replicas: replicas,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        },
        stream::Config {
            name: names.status.clone(),
            subjects: vec![nats.subject("jobs.status.>")],
            max_age: day,
            max_messages_per_subject: 50,
            discard: stream::DiscardPolicy::Old,
            num_replicas: replicas,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        },
        stream::Config {
            name: names.events.clone(),
            subjects: vec![nats.subject("jobs.events.>")],
            max_age: 7 * day,
            num_replicas: replicas,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        },
        stream::Config {
            name: names.dlq.clone(),
            subjects: vec![nats.subject("jobs.dlq")],
            max_age: 365 * day,
            num_replicas: replicas,
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        },
    ];
    for config in configs {
        let name = config.name.clone();
        let applied = if name == names.jobs {
            add_subjects(js, config).await
        } else {
            match js.get_stream(&name).await {
                Ok(_) => js.update_stream(config).await.map(|_| ()),
                Err(_) => js.create_stream(config).await.map(|_| ()),
            }
            .map_err(|error| error.to_string())
        };
        applied
            .and(check_replicas(js, &name, replicas).await)
            .map_err(|error| {
                format!(
                    "cannot create or update stream {name}: {error}{}",
                    replicas_hint(replicas)
                )
            })?;
    }
    Ok(names)
}

/// Reads the stream back and counts the servers that hold it (its leader and the other
/// peers): a single server accepts an update to more replicas and echoes it in the
/// configuration, yet keeps the one copy it has.
async fn check_replicas(
    js: &jetstream::Context,
    name: &str,
    replicas: usize,
) -> Result<(), String> {
    let mut stream = js.get_stream(name).await.map_err(|e| e.to_string())?;
    let info = stream.info().await.map_err(|e| e.to_string())?;
    let servers = 1 + info
        .cluster
        .as_ref()
        .map_or(0, |cluster| cluster.replicas.len());
    if servers == replicas && info.config.num_replicas == replicas {
        Ok(())
    } else {
        Err(format!(
            "it is kept on {servers} server(s) ({} configured), not {replicas}",
            info.config.num_replicas
        ))
    }
}

/// What to check when a stream cannot take the configured replica count.
fn replicas_hint(replicas: usize) -> String {
    if replicas > 1 {
        format!(
            " ({REPLICAS_VAR}={replicas} needs a JetStream cluster of at least {replicas} \
             servers; set {REPLICAS_VAR}=1 on a single server)"
        )
    } else {
        String::new()
    }
}

/// Tries of [`add_subjects`] before it gives up on a stream other processes keep changing.
const ADD_TRIES: usize = 5;

/// Creates the stream of `config`, or adds `config`'s subjects to the existing one, keeping
/// every subject it has, and sets its replica count. Another process may update the stream
/// between the read and the write; the subjects are read back and the update repeated until
/// they are all there.
async fn add_subjects(js: &jetstream::Context, config: stream::Config) -> Result<(), String> {
    for _ in 0..ADD_TRIES {
        let current = match js.get_stream(&config.name).await {
            Ok(mut stream) => stream
                .info()
                .await
                .map_err(|e| e.to_string())?
                .config
                .clone(),
            Err(_) => match js.create_stream(config.clone()).await {
                Ok(_) => return Ok(()),
                // Created by another process meanwhile: add to it on the next try.
                Err(_) if js.get_stream(&config.name).await.is_ok() => continue,
                Err(error) => return Err(error.to_string()),
            },
        };
        let mut subjects = current.subjects.clone();
        let missing: Vec<String> = config
            .subjects
            .iter()
            .filter(|subject| !subjects.contains(subject))
            .cloned()
            .collect();
        if missing.is_empty() && current.num_replicas == config.num_replicas {
            return Ok(());
        }
        subjects.extend(missing);
        subjects.sort();
        js.update_stream(stream::Config {
            subjects,
            ..config.clone()
        })
        .await
        .map_err(|error| error.to_string())?;
    }
    Err(format!(
        "its subjects kept changing under {ADD_TRIES} tries to add {:?}",
        config.subjects
    ))
}
