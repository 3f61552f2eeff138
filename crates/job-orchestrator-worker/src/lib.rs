//! The job orchestrator worker: consumes job requests from JetStream and runs them. This
//! module wires configuration, the job database, NATS and the admin listener; consuming and
//! running jobs arrives in later work. Today it connects, reports readiness and metrics, and
//! stops cleanly.

pub mod config;

use axum::Router;
use exobrain_common::admin;
use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::db;
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;
use exobrain_jobs::{MIGRATOR, StoresConfig};
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
    tracing::info!(
        admin = ?admin.local_addr().ok(),
        concurrency = config.concurrency,
        "job-orchestrator-worker ready"
    );
    admin::serve_http_service(
        admin,
        Router::new(),
        StoresConfig::readiness(pool, nats),
        shutdown,
        DEFAULT_GRACE,
    )
    .await
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
