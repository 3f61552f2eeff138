//! The job orchestrator API: the gRPC front door for asynchronous jobs. This module wires
//! configuration, the job database, NATS JetStream and the servers. It serves every
//! `JobOrchestrator` RPC (enqueue one job or a batch, read and watch a job or a batch, list and
//! cancel jobs, list and replay dead letters, job statistics and the live workers; see
//! [`grpc::service`]), gRPC health and
//! reflection, plus health, readiness and metrics over HTTP.

pub mod admission;
pub mod config;
pub mod grpc;
pub mod intake;
pub mod jobctl;
pub mod metrics;
pub mod workers;

use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::db;
use exobrain_common::grpc::{GrpcProcess, serve_with_admin};
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;

use admission::{Admission, Backlog};
use exobrain_jobs::store::JobStore;
use exobrain_jobs::{MIGRATOR, StoresConfig, outbox};
use exobrain_proto::job_orchestrator::job_orchestrator_server::JobOrchestratorServer;
use grpc::convert::EnqueueLimits;
use grpc::service::JobOrchestratorService;
use tokio::net::TcpListener;

pub use config::Config;

/// The listeners the service serves on.
#[derive(Debug)]
pub struct Listeners {
    /// gRPC.
    pub grpc: TcpListener,
    /// Admin HTTP (health, readiness, metrics).
    pub admin: TcpListener,
}

/// Connects PostgreSQL and NATS (failing fast when unreachable) and serves until `shutdown`
/// is cancelled.
pub async fn run(
    config: Config,
    listeners: Listeners,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    exobrain_common::metrics::describe(exobrain_jobs::metrics::METRICS);
    exobrain_common::metrics::describe(crate::metrics::METRICS);
    let (pool, nats) = config.stores.connect().await?;
    let registry = config.registry();
    let streams = exobrain_jobs::streams::ensure(
        &nats.jetstream,
        &config.stores.nats,
        &registry,
        config.stores.stream_replicas,
    )
    .await
    .map_err(|cause| RunError::Serve {
        what: "JetStream setup",
        cause,
    })?;
    let store = JobStore::new(pool.clone(), config.stores.nats.clone());
    let outbox = outbox::start(store.clone(), nats.jetstream.clone(), outbox::SERVICE_RELAY);
    let backlog = Backlog::default();
    let following = tokio::spawn(backlog.clone().follow(
        nats.jetstream.clone(),
        streams.jobs.clone(),
        config.stores.nats.subject("jobs.>"),
        shutdown.clone(),
    ));
    let workers = workers::LiveWorkers::new(config.worker_expiry);
    let hearing = tokio::spawn(workers.clone().follow(
        nats.client.clone(),
        exobrain_jobs::heartbeat::every_worker(&config.stores.nats),
        shutdown.clone(),
    ));
    let store = store.with_publisher(outbox.publisher.clone());
    let service = JobOrchestratorService::new(
        store,
        registry,
        EnqueueLimits {
            max_message_bytes: nats.client.max_payload(),
            ..EnqueueLimits::default()
        },
        Admission::new(
            config.policy.clone(),
            config.max_queued_per_user,
            config.max_backlog,
            backlog.clone(),
        ),
        nats.jetstream.clone(),
        streams.status,
        config.watches,
    )
    .with_workers(workers);
    tracing::info!(
        grpc = ?listeners.grpc.local_addr().ok(),
        admin = ?listeners.admin.local_addr().ok(),
        "job-orchestrator-api listening"
    );
    let process = GrpcProcess {
        services: &[exobrain_proto::JOB_ORCHESTRATOR_SERVICE],
        descriptor_set: exobrain_proto::JOB_ORCHESTRATOR_DESCRIPTOR_SET,
        readiness: StoresConfig::readiness(pool, nats),
        grace: DEFAULT_GRACE,
        guard: config.guard.clone(),
    };
    let routes = tonic::service::Routes::new(JobOrchestratorServer::new(service));
    let served = serve_with_admin(process, routes, listeners.grpc, listeners.admin, shutdown).await;
    let _ = following.await;
    let _ = hearing.await;
    outbox.stop().await;
    served
}

/// The `job-orchestrator-api` binary.
#[derive(Debug)]
pub struct JobOrchestratorApi;

impl Service for JobOrchestratorApi {
    const NAME: &'static str = "job-orchestrator-api";
    const COMMANDS: &'static [Command] = &[Command::Serve, Command::Migrate, Command::PrintConfig];
    type Config = Config;

    fn load(env: Env) -> Result<Config, ConfigError> {
        Config::from_env(env)
    }

    fn telemetry(config: &Config) -> &TelemetryConfig {
        &config.telemetry
    }

    async fn serve(config: Config, shutdown: CancellationToken) -> Result<(), RunError> {
        let listeners = Listeners {
            grpc: bind(config.bind, "JOB_ORCHESTRATOR_API_BIND_ADDRESS").await?,
            admin: bind(config.admin_bind, "JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS").await?,
        };
        run(config, listeners, shutdown).await
    }

    async fn migrate(config: Config) -> Result<(), RunError> {
        let stores = &config.stores;
        Ok(db::migrate_command(&stores.database, &MIGRATOR, stores.connect).await?)
    }
}
