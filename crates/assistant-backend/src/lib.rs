//! The assistant backend: the HTTP API the web UI talks to. This module wires configuration,
//! dependencies and the HTTP server together; the API itself arrives route by route in later
//! work. Today it serves health, readiness and metrics on its one port.

pub mod config;
pub mod configs;
pub mod journals;

use axum::Router;
use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::health::Readiness;
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;
use exobrain_common::{admin, db};
use tokio::net::TcpListener;

pub use config::Config;

/// Migrations of `assistant_db`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/assistant");

/// Connects PostgreSQL and Redis (failing fast when either is unreachable) and serves HTTP on
/// `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    let pool = db::connect(
        &config.database,
        db::PoolSettings::default(),
        config.connect,
    )
    .await?;
    let redis = exobrain_common::redis::connect(&config.redis, config.connect).await?;
    tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "assistant-backend listening");

    let readiness = Readiness::new()
        .with_check("postgres", move || {
            let pool = pool.clone();
            async move { db::ping(&pool).await }
        })
        .with_check("redis", move || {
            let mut redis = redis.clone();
            async move { exobrain_common::redis::ping(&mut redis).await }
        });
    admin::serve_http_service(listener, Router::new(), readiness, shutdown, DEFAULT_GRACE).await
}

/// The `assistant-backend` binary.
#[derive(Debug)]
pub struct AssistantBackend;

impl Service for AssistantBackend {
    const NAME: &'static str = "assistant-backend";
    const COMMANDS: &'static [Command] = &[Command::Serve, Command::Migrate, Command::PrintConfig];
    type Config = Config;

    fn load(env: Env) -> Result<Config, ConfigError> {
        Config::from_env(env)
    }

    fn telemetry(config: &Config) -> &TelemetryConfig {
        &config.telemetry
    }

    async fn serve(config: Config, shutdown: CancellationToken) -> Result<(), RunError> {
        let listener = bind(config.bind, "ASSISTANT_BACKEND_BIND_ADDRESS").await?;
        run(config, listener, shutdown).await
    }

    async fn migrate(config: Config) -> Result<(), RunError> {
        Ok(db::migrate_command(&config.database, &MIGRATOR, config.connect).await?)
    }
}
