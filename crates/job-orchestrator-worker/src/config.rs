//! Typed configuration of the job orchestrator worker, read once from the environment.

use std::net::SocketAddr;

use exobrain_common::config::{AppEnv, ConfigError, Env};
use exobrain_common::telemetry::TelemetryConfig;
use exobrain_jobs::StoresConfig;

/// Everything the worker needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS`: health and metrics (default `0.0.0.0:9062`).
    pub admin_bind: SocketAddr,
    /// Job database and NATS.
    pub stores: StoresConfig,
    /// `WORKER_REPLICA_COUNT`: jobs run at once by this process (1..=256, default 1).
    pub concurrency: u32,
    /// `JOB_MAX_ATTEMPTS`: attempts before a job fails for good (1..=100, default 3).
    pub max_attempts: u32,
    /// `JOB_DIAGNOSTICS_ENABLED`: run the `diagnostics.*` job types (default on when `APP_ENV`
    /// is local or test, off otherwise).
    pub diagnostics: bool,
    /// `JOB_RETRY_BACKOFF_BASE_SECONDS`: delay before the first retry; doubles per attempt
    /// (default 2 s).
    pub backoff_base: std::time::Duration,
    /// `KNOWLEDGE_INTERFACE_GRPC_TARGET`.
    pub knowledge_interface_target: String,
    /// `MODEL_PROVIDER_BASE_URL`.
    pub model_provider_base_url: String,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let config = Self {
            app_env,
            telemetry: TelemetryConfig::from_env(&mut env, app_env),
            admin_bind: env
                .socket_addr("JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS", "0.0.0.0:9062"),
            stores: StoresConfig::from_env(&mut env),
            concurrency: env.bounded("WORKER_REPLICA_COUNT", 1, 1, 256),
            max_attempts: env.bounded("JOB_MAX_ATTEMPTS", 3, 1, 100),
            diagnostics: env.flag("JOB_DIAGNOSTICS_ENABLED", app_env.allows_dev_defaults()),
            backoff_base: env.seconds(
                "JOB_RETRY_BACKOFF_BASE_SECONDS",
                std::time::Duration::from_secs(2),
            ),
            knowledge_interface_target: env
                .string("KNOWLEDGE_INTERFACE_GRPC_TARGET", "http://127.0.0.1:50051"),
            model_provider_base_url: env
                .string("MODEL_PROVIDER_BASE_URL", "http://127.0.0.1:8010/v1"),
        };
        env.finish()?;
        Ok(config)
    }
}
