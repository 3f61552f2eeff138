//! Typed configuration of the knowledge interface, read once from the environment.

use std::net::SocketAddr;

use std::time::Duration;

use exobrain_common::config::{AppEnv, ConfigError, Dsn, Env};
use exobrain_common::grpc::Guard;
use exobrain_common::startup::ConnectPolicy;
use exobrain_common::telemetry::TelemetryConfig;

use crate::embedding::EmbeddingSettings;
use crate::graph::memgraph::MemgraphSettings;
use crate::limits::Limits;
use crate::vectors::VectorBackendSettings;

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
    /// Embeddings through model-provider.
    pub embedding: EmbeddingSettings,
    /// `KNOWLEDGE_GRAPH_BACKEND`: `postgres` (default) or `memgraph`.
    pub graph_backend: GraphBackend,
    /// `KNOWLEDGE_VECTOR_BACKEND` and the Qdrant settings.
    pub vectors: VectorBackendSettings,
    /// `EXOBRAIN_SERVICE_CREDENTIALS`, `EXOBRAIN_OPERATOR_CREDENTIALS` (who may call; required
    /// outside local/test) and the gRPC call limits.
    pub guard: Guard,
    /// `KNOWLEDGE_RECONCILE_INTERVAL_SECONDS`: how often block vectors are compared with the
    /// graph and repaired (default 600; 0 = only at startup).
    pub reconcile_interval: Duration,
    /// How long to keep trying to reach PostgreSQL at startup.
    pub connect: ConnectPolicy,
    /// What one request or one piece of background work may cost.
    pub limits: Limits,
}

/// Which graph store serves the graph.
#[derive(Debug, Clone)]
pub enum GraphBackend {
    /// Tables in the service's PostgreSQL database.
    Postgres,
    /// A Memgraph server (`MEMGRAPH_BOLT_ADDR`, `MEMGRAPH_DB`, `MEMGRAPH_USER`,
    /// `MEMGRAPH_PASSWORD`).
    Memgraph(MemgraphSettings),
}

impl GraphBackend {
    fn read(env: &mut Env) -> Self {
        match env.string("KNOWLEDGE_GRAPH_BACKEND", "postgres").as_str() {
            "postgres" => GraphBackend::Postgres,
            "memgraph" => GraphBackend::Memgraph(MemgraphSettings::read(env)),
            other => {
                env.problem(
                    "KNOWLEDGE_GRAPH_BACKEND",
                    format!("`{other}` is not a graph backend; use postgres or memgraph"),
                );
                GraphBackend::Postgres
            }
        }
    }
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
            embedding: EmbeddingSettings::read(&mut env, app_env),
            graph_backend: GraphBackend::read(&mut env),
            vectors: VectorBackendSettings::read(&mut env),
            guard: Guard::from_env(&mut env, app_env),
            reconcile_interval: env.seconds(
                "KNOWLEDGE_RECONCILE_INTERVAL_SECONDS",
                Duration::from_secs(600),
            ),
            connect: ConnectPolicy::from_env(&mut env),
            limits: Limits::read(&mut env),
        };
        env.finish()?;
        Ok(config)
    }
}
