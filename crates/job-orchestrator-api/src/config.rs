//! Typed configuration of the job orchestrator API, read once from the environment.

use std::net::SocketAddr;

use exobrain_common::config::{AppEnv, ConfigError, Env};
use exobrain_common::telemetry::TelemetryConfig;
use exobrain_jobs::StoresConfig;

/// Everything the job orchestrator API needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `JOB_ORCHESTRATOR_API_BIND_ADDRESS`: gRPC (default `0.0.0.0:50061`).
    pub bind: SocketAddr,
    /// `JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS`: health and metrics (default `0.0.0.0:9061`).
    pub admin_bind: SocketAddr,
    /// Job database and NATS.
    pub stores: StoresConfig,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let config = Self {
            app_env,
            telemetry: TelemetryConfig::from_env(&mut env, app_env),
            bind: env.socket_addr("JOB_ORCHESTRATOR_API_BIND_ADDRESS", "0.0.0.0:50061"),
            admin_bind: env.socket_addr("JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS", "0.0.0.0:9061"),
            stores: StoresConfig::from_env(&mut env),
        };
        env.finish()?;
        Ok(config)
    }
}
