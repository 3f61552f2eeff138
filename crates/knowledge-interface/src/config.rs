//! Typed configuration of the knowledge interface, read once from the environment.

use std::net::SocketAddr;

use exobrain_common::config::{AppEnv, ConfigError, Dsn, Env};
use exobrain_common::startup::ConnectPolicy;
use exobrain_common::telemetry::TelemetryConfig;

/// Everything the knowledge interface needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `KNOWLEDGE_INTERFACE_BIND_ADDRESS`: gRPC (default `0.0.0.0:50051`).
    pub bind: SocketAddr,
    /// `KNOWLEDGE_INTERFACE_ADMIN_BIND_ADDRESS`: health and metrics (default `0.0.0.0:9051`).
    pub admin_bind: SocketAddr,
    /// `KNOWLEDGE_SCHEMA_DSN` (falls back to `METASTORE_DSN`).
    pub database: Dsn,
    /// `MODEL_PROVIDER_BASE_URL`.
    pub model_provider_base_url: String,
    /// `MODEL_PROVIDER_EMBEDDING_ALIAS` (default `all-purpose`).
    pub embedding_alias: String,
    /// How long to keep trying to reach PostgreSQL at startup.
    pub connect: ConnectPolicy,
}

const DEFAULT_DSN: &str =
    "postgresql://knowledge_schema:knowledge_schema@127.0.0.1:5432/knowledge_graph_schema";

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let database = match (
            env.optional("KNOWLEDGE_SCHEMA_DSN"),
            env.optional("METASTORE_DSN"),
        ) {
            (None, Some(_)) => Dsn::read(&mut env, "METASTORE_DSN", DEFAULT_DSN),
            _ => Dsn::read(&mut env, "KNOWLEDGE_SCHEMA_DSN", DEFAULT_DSN),
        };
        let config = Self {
            app_env,
            telemetry: TelemetryConfig::from_env(&mut env, app_env),
            bind: env.socket_addr("KNOWLEDGE_INTERFACE_BIND_ADDRESS", "0.0.0.0:50051"),
            admin_bind: env.socket_addr("KNOWLEDGE_INTERFACE_ADMIN_BIND_ADDRESS", "0.0.0.0:9051"),
            database,
            model_provider_base_url: env
                .string("MODEL_PROVIDER_BASE_URL", "http://127.0.0.1:8010/v1"),
            embedding_alias: env.string("MODEL_PROVIDER_EMBEDDING_ALIAS", "all-purpose"),
            connect: ConnectPolicy::from_env(&mut env),
        };
        env.finish()?;
        Ok(config)
    }
}
