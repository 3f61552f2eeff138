//! The model provider: the gateway every model call goes through. This module wires
//! configuration and the HTTP server; the OpenAI-compatible and native routes, aliases and
//! providers arrive in later work. Today it serves health, readiness and metrics.

pub mod catalog;
pub mod chat;
pub mod config;
pub mod providers;

use axum::Router;
use exobrain_common::admin;
use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::health::Readiness;
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;
use tokio::net::TcpListener;

pub use config::Config;

/// Serves HTTP on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    tracing::info!(models = %config.models_path.display(), "model-provider listening");
    admin::serve_http_service(
        listener,
        Router::new(),
        Readiness::new(),
        shutdown,
        DEFAULT_GRACE,
    )
    .await
}

/// The `model-provider` binary.
#[derive(Debug)]
pub struct ModelProvider;

impl Service for ModelProvider {
    const NAME: &'static str = "model-provider";
    const COMMANDS: &'static [Command] = &[Command::Serve, Command::PrintConfig];
    type Config = Config;

    fn load(env: Env) -> Result<Config, ConfigError> {
        Config::from_env(env)
    }

    fn telemetry(config: &Config) -> &TelemetryConfig {
        &config.telemetry
    }

    async fn serve(config: Config, shutdown: CancellationToken) -> Result<(), RunError> {
        let listener = bind(config.bind, "MODEL_PROVIDER_BIND_ADDRESS").await?;
        run(config, listener, shutdown).await
    }
}
