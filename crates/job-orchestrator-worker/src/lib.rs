//! The job orchestrator worker: consumes job requests from JetStream and runs them. This
//! module wires configuration, the job database, NATS and the admin listener: one pool per
//! served job type, lease upkeep, heartbeats, the outbox publisher and relay, readiness and
//! metrics, and the shutdown sequence.

pub mod config;
pub mod heartbeat;
pub mod jobs;
pub mod metrics;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use exobrain_common::admin;
use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::db;
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;
use exobrain_jobs::store::JobStore;
use exobrain_jobs::{MIGRATOR, StoresConfig, outbox};
use jobs::consumer::{self, PoolSettings};
use jobs::execute::{RunSettings, Runner};
use jobs::handlers::{Dependencies, Handlers};
use jobs::lifecycle::Lifecycle;
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;

pub use config::Config;

/// How long interrupted handlers get to return before their attempts are handed back anyway.
const INTERRUPT_GRACE: Duration = Duration::from_secs(5);

/// Connects PostgreSQL and NATS (failing fast when unreachable), binds one consumer per
/// served job type, and runs jobs until `shutdown` is cancelled. Then it stops taking work,
/// lets running jobs finish within the shutdown grace period, interrupts and hands back the
/// rest, publishes what it committed, and returns.
pub async fn run(
    config: Config,
    admin: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    exobrain_common::metrics::describe(exobrain_jobs::metrics::METRICS);
    exobrain_common::metrics::describe(crate::metrics::METRICS);
    let (pool, nats) = config.stores.connect().await?;
    let registry = config.registry();
    let nats_config = &config.stores.nats;
    let serve_error = |what: &'static str| move |cause: String| RunError::Serve { what, cause };
    let streams = exobrain_jobs::streams::ensure(
        &nats.jetstream,
        nats_config,
        &registry,
        config.stores.stream_replicas,
    )
    .await
    .map_err(serve_error("JetStream setup"))?;
    let jobs_stream = nats
        .jetstream
        .get_stream(&streams.jobs)
        .await
        .map_err(|error| RunError::Serve {
            what: "JetStream setup",
            cause: error.to_string(),
        })?;
    let worker_id = format!(
        "worker-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );

    let store = JobStore::new(pool.clone(), nats_config.clone());
    let outbox = outbox::start(store.clone(), nats.jetstream.clone(), outbox::SERVICE_RELAY);
    let store = store.with_publisher(outbox.publisher.clone());
    let lifecycle = Lifecycle::new(store.clone(), worker_id.clone(), config.lease);
    let handlers = Handlers::standard(&dependencies(pool.clone(), &config)?);
    let hard_stop = CancellationToken::new();
    let background = CancellationToken::new();
    let settings = RunSettings {
        ack_wait: config.ack_wait,
        backoff_base: config.backoff_base,
        backoff_max: config.backoff_max,
        dlq_raw_max_chars: config.dlq_raw_max_chars,
        stream: streams.jobs.clone(),
    };

    let pools = TaskTracker::new();
    let mut gauges = Vec::new();
    let mut consumers = Vec::new();
    for (job_type, size) in config.pools() {
        let spec = registry
            .spec(&job_type)
            .map_err(|problem| RunError::Serve {
                what: "worker pools",
                cause: problem.to_string(),
            })?;
        let settings_for_pool = PoolSettings {
            durable: format!(
                "{}_{}",
                config.durable_prefix,
                job_type.as_str().replace('.', "_")
            ),
            subject: store.request_subject(job_type.as_str()),
            size: size as usize,
            ack_wait: config.ack_wait,
            max_workers: config.max_workers,
        };
        let bound = consumer::bind(&jobs_stream, &settings_for_pool)
            .await
            .map_err(serve_error("JetStream consumer"))?;
        consumers.push((job_type.to_string(), bound.clone()));
        let runner = Arc::new(Runner {
            lifecycle: lifecycle.clone(),
            store: store.clone(),
            handlers: handlers.clone(),
            spec: spec.clone(),
            settings: settings.clone(),
            hard_stop: hard_stop.clone(),
        });
        let pool_run = consumer::run(
            bound,
            nats.jetstream.clone(),
            settings_for_pool,
            runner,
            shutdown.clone(),
        );
        gauges.push(pool_run.gauge());
        pools.spawn(pool_run.run());
    }
    pools.close();
    let upkeep = TaskTracker::new();
    upkeep.spawn(jobs::upkeep::leases(
        lifecycle.clone(),
        store.clone(),
        config.lease,
        background.clone(),
    ));
    upkeep.spawn(jobs::upkeep::lapsed_leases(
        lifecycle.clone(),
        config.lease,
        background.clone(),
    ));
    upkeep.spawn(jobs::upkeep::backlog(consumers, background.clone()));
    upkeep.spawn(heartbeat::run(
        nats.client.clone(),
        exobrain_jobs::heartbeat::subject(nats_config, &worker_id),
        worker_id.clone(),
        gauges,
        config.heartbeat,
        background.clone(),
    ));
    upkeep.close();
    tracing::info!(
        admin = ?admin.local_addr().ok(),
        %worker_id,
        pools = ?config.pools().iter().map(|(t, n)| format!("{t}={n}")).collect::<Vec<_>>(),
        "job-orchestrator-worker ready"
    );

    let served = admin::serve_http_service(
        admin,
        Router::new(),
        StoresConfig::readiness(pool, nats),
        shutdown.clone(),
        DEFAULT_GRACE,
    )
    .await;
    shutdown.cancel();
    drain(&pools, &lifecycle, &hard_stop, config.shutdown_grace).await;
    background.cancel();
    upkeep.wait().await;
    outbox.stop().await;
    served
}

/// Waits for running jobs up to `grace`, then interrupts them, and hands back whatever still
/// runs after a short second wait.
async fn drain(
    pools: &TaskTracker,
    lifecycle: &Lifecycle,
    hard_stop: &CancellationToken,
    grace: Duration,
) {
    if tokio::time::timeout(grace, pools.wait()).await.is_ok() {
        return;
    }
    tracing::warn!(
        running = lifecycle.running_count(),
        "shutdown grace over; interrupting running jobs"
    );
    hard_stop.cancel();
    if tokio::time::timeout(INTERRUPT_GRACE, pools.wait())
        .await
        .is_ok()
    {
        return;
    }
    match lifecycle.release_all().await {
        Ok(released) => {
            tracing::warn!(released, "handed back attempts whose handlers did not stop")
        }
        Err(error) => tracing::warn!(%error, "cannot hand back attempts; their leases will expire"),
    }
}

/// The `job-orchestrator-worker` binary.
#[derive(Debug)]
pub struct JobOrchestratorWorker;

impl Service for JobOrchestratorWorker {
    const NAME: &'static str = "job-orchestrator-worker";
    const COMMANDS: &'static [Command] = &[Command::Serve, Command::Migrate, Command::PrintConfig];
    type Config = Config;

    fn load(env: Env) -> Result<Config, ConfigError> {
        Config::from_env(env)
    }

    fn telemetry(config: &Config) -> &TelemetryConfig {
        &config.telemetry
    }

    async fn serve(config: Config, shutdown: CancellationToken) -> Result<(), RunError> {
        let admin = bind(
            config.admin_bind,
            "JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS",
        )
        .await?;
        run(config, admin, shutdown).await
    }

    async fn migrate(config: Config) -> Result<(), RunError> {
        let stores = &config.stores;
        Ok(db::migrate_command(&stores.database, &MIGRATOR, stores.connect).await?)
    }
}

/// What the handlers of `config` use: the job database `pool` and the pipeline.
pub fn dependencies(pool: sqlx::PgPool, config: &Config) -> Result<Dependencies, RunError> {
    Ok(Dependencies {
        pool,
        knowledge_update: Arc::new(knowledge_update_pipeline(config)?),
    })
}

/// The `knowledge.update` pipeline, calling the knowledge interface and model-provider as
/// this worker (connections open on first use, so the worker starts without them).
fn knowledge_update_pipeline(
    config: &Config,
) -> Result<exobrain_knowledge_update::Pipeline, RunError> {
    let channel = tonic::transport::Channel::from_shared(config.knowledge_interface_target.clone())
        .map_err(|error| RunError::Serve {
            what: "knowledge interface client",
            cause: format!("KNOWLEDGE_INTERFACE_GRPC_TARGET: {error}"),
        })?
        .connect_lazy();
    let model = exobrain_knowledge_update::model::ModelClient::new(
        &config.model_provider_base_url,
        config.model_provider_token.clone(),
        config.knowledge_update.model_timeout,
    );
    Ok(exobrain_knowledge_update::Pipeline::new(
        config.knowledge_update.clone(),
        model,
        channel,
        config.service_token.clone(),
    ))
}
