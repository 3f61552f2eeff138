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
    /// `JOB_MAX_ATTEMPTS`: attempts before a job fails for good (1..=100, default 3).
    pub max_attempts: u32,
    /// `JOB_DIAGNOSTICS_ENABLED`: accept the `diagnostics.*` job types (default on when
    /// `APP_ENV` is local or test, off otherwise).
    pub diagnostics: bool,
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
            max_attempts: env.bounded("JOB_MAX_ATTEMPTS", 3, 1, 100),
            diagnostics: env.flag("JOB_DIAGNOSTICS_ENABLED", app_env.allows_dev_defaults()),
        };
        env.finish()?;
        Ok(config)
    }
}
