//! The job orchestrator worker: consumes job requests from JetStream and runs them. This
//! module wires configuration, the job database, NATS and the admin listener: it runs one
//! consumer per registered job type plus the outbox relay, and serves readiness and metrics.

pub mod config;
pub mod jobs;

use axum::Router;
use exobrain_common::admin;
use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::db;
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;

use exobrain_jobs::domain::Registry;
use exobrain_jobs::store::JobStore;
use exobrain_jobs::{MIGRATOR, StoresConfig, outbox};
use jobs::consumer::{self, ConsumerSettings};
use tokio::net::TcpListener;

pub use config::Config;

/// Connects PostgreSQL and NATS (failing fast when unreachable) and serves the admin
/// endpoints on `admin` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    admin: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    let (pool, nats) = config.stores.connect().await?;
    let registry = Registry::standard(config.max_attempts, config.diagnostics);
    let nats_config = &config.stores.nats;
    let streams = exobrain_jobs::streams::ensure(&nats.jetstream, nats_config, &registry)
        .await
        .map_err(|cause| RunError::Serve {
            what: "JetStream setup",
            cause,
        })?;
    let outbox = outbox::start(pool.clone(), nats.jetstream.clone(), outbox::SERVICE_RELAY);
    let store = JobStore::new(pool.clone(), nats_config.clone())
        .with_publisher(outbox.publisher.clone());
    let settings = ConsumerSettings {
        worker_id: format!(
            "worker-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        ),
        concurrency: usize::try_from(config.concurrency).unwrap_or(1),
        backoff_base: config.backoff_base,
    };
    tracing::info!(
        admin = ?admin.local_addr().ok(),
        worker_id = %settings.worker_id,
        concurrency = config.concurrency,
        "job-orchestrator-worker ready"
    );
    let tasks = tokio_util::task::TaskTracker::new();
    for spec in registry.specs() {
        let subject = store.request_subject(spec.job_type.as_str());
        let consume = consumer::run(
            nats.jetstream.clone(),
            streams.jobs.clone(),
            subject,
            spec.clone(),
            store.clone(),
            settings.clone(),
            shutdown.clone(),
        );
        let token = shutdown.clone();
        tasks.spawn(async move {
            if let Err(error) = consume.await {
                tracing::error!(%error, "consumer stopped");
                token.cancel();
            }
        });
    }
    tasks.close();
    let served = admin::serve_http_service(
        admin,
        Router::new(),
        StoresConfig::readiness(pool, nats),
        shutdown.clone(),
        DEFAULT_GRACE,
    )
    .await;
    shutdown.cancel();
    let _ = tokio::time::timeout(DEFAULT_GRACE, tasks.wait()).await;
    outbox.stop().await;
    served
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
