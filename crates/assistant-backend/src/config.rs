//! Typed configuration of the assistant backend, read once from the environment.

use std::net::SocketAddr;

use exobrain_common::config::{AppEnv, ConfigError, Dsn, Env, SecretString};
use exobrain_common::startup::ConnectPolicy;
use exobrain_common::telemetry::TelemetryConfig;

/// Everything the assistant backend needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `ASSISTANT_BACKEND_BIND_ADDRESS` (default `0.0.0.0:8000`).
    pub bind: SocketAddr,
    /// `ASSISTANT_DB_DSN`.
    pub database: Dsn,
    /// `ASSISTANT_CACHE_REDIS_URL`: sessions and the journal cache.
    pub redis: Dsn,
    /// `MODEL_PROVIDER_BASE_URL`.
    pub model_provider_base_url: String,
    /// `KNOWLEDGE_INTERFACE_GRPC_TARGET`.
    pub knowledge_interface_target: String,
    /// `JOB_ORCHESTRATOR_GRPC_TARGET`.
    pub job_orchestrator_target: String,
    /// `AUTH_JWT_SECRET`: signs access tokens; required outside local/test.
    pub jwt_secret: SecretString,
    /// How long to keep trying to reach PostgreSQL and Redis at startup.
    pub connect: ConnectPolicy,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let config = Self {
            app_env,
            telemetry: TelemetryConfig::from_env(&mut env, app_env),
            bind: env.socket_addr("ASSISTANT_BACKEND_BIND_ADDRESS", "0.0.0.0:8000"),
            database: Dsn::read(
                &mut env,
                "ASSISTANT_DB_DSN",
                "postgresql://assistant_backend:assistant_backend@127.0.0.1:5432/assistant_db",
            ),
            redis: Dsn::read(
                &mut env,
                "ASSISTANT_CACHE_REDIS_URL",
                "redis://127.0.0.1:6379/0",
            ),
            model_provider_base_url: env
                .string("MODEL_PROVIDER_BASE_URL", "http://127.0.0.1:8010/v1"),
            knowledge_interface_target: env
                .string("KNOWLEDGE_INTERFACE_GRPC_TARGET", "http://127.0.0.1:50051"),
            job_orchestrator_target: env
                .string("JOB_ORCHESTRATOR_GRPC_TARGET", "http://127.0.0.1:50061"),
            jwt_secret: env.secret("AUTH_JWT_SECRET", "dev-secret-change-me", app_env),
            connect: ConnectPolicy::from_env(&mut env),
        };
        env.finish()?;
        Ok(config)
    }
}
