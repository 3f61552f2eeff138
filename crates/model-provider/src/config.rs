//! Typed configuration of the model provider, read once from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use exobrain_common::config::{AppEnv, ConfigError, Env};
use exobrain_common::telemetry::TelemetryConfig;

/// Everything the model provider needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `MODEL_PROVIDER_BIND_ADDRESS` (default `0.0.0.0:8010`).
    pub bind: SocketAddr,
    /// `MODEL_PROVIDER_CONFIG_PATH`: the alias file (default `config/models.yaml`).
    pub models_path: PathBuf,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let config = Self {
            app_env,
            telemetry: TelemetryConfig::from_env(&mut env, app_env),
            bind: env.socket_addr("MODEL_PROVIDER_BIND_ADDRESS", "0.0.0.0:8010"),
            models_path: PathBuf::from(
                env.string("MODEL_PROVIDER_CONFIG_PATH", "config/models.yaml"),
            ),
        };
        env.finish()?;
        Ok(config)
    }
}
