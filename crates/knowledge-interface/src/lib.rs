//! The knowledge interface: the gRPC service that owns each person's knowledge graph. This
//! module wires configuration, the schema-registry database and the servers. The schema
//! registry RPCs are served ([`grpc`]); the graph and vector RPCs answer UNIMPLEMENTED until
//! their stores exist. It also serves gRPC health and reflection, plus health, readiness and
//! metrics over HTTP.

pub mod access;
pub mod config;
pub mod embedding;
pub mod grpc;
pub mod schema;
pub mod vectors;

use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::db;
use exobrain_common::grpc::{GrpcProcess, serve_with_admin};
use exobrain_common::health::Readiness;
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;
use tokio::net::TcpListener;

pub use config::Config;

/// Migrations of `knowledge_graph_schema`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/knowledge");

/// The listeners the service serves on.
#[derive(Debug)]
pub struct Listeners {
    /// gRPC.
    pub grpc: TcpListener,
    /// Admin HTTP (health, readiness, metrics).
    pub admin: TcpListener,
}

/// Connects PostgreSQL (failing fast when unreachable) and serves until `shutdown` is
/// cancelled.
pub async fn run(
    config: Config,
    listeners: Listeners,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    let pool = db::connect(
        &config.database,
        db::PoolSettings::default(),
        config.connect,
    )
    .await?;
    tracing::info!(
        grpc = ?listeners.grpc.local_addr().ok(),
        admin = ?listeners.admin.local_addr().ok(),
        "knowledge-interface listening"
    );
    let service = grpc::service::KnowledgeService::new(pool.clone());
    let readiness = Readiness::new().with_check("postgres", move || {
        let pool = pool.clone();
        async move { db::ping(&pool).await }
    });
    let process = GrpcProcess {
        services: &[exobrain_proto::KNOWLEDGE_INTERFACE_SERVICE],
        descriptor_set: exobrain_proto::KNOWLEDGE_DESCRIPTOR_SET,
        readiness,
        grace: DEFAULT_GRACE,
    };
    serve_with_admin(
        process,
        tonic::service::Routes::new(
            exobrain_proto::knowledge::knowledge_interface_server::KnowledgeInterfaceServer::new(
                service,
            ),
        ),
        listeners.grpc,
        listeners.admin,
        shutdown,
    )
    .await
}

/// The `knowledge-interface` binary.
#[derive(Debug)]
pub struct KnowledgeInterface;

impl Service for KnowledgeInterface {
    const NAME: &'static str = "knowledge-interface";
    const COMMANDS: &'static [Command] = &[
        Command::Serve,
        Command::Migrate,
        Command::Seed,
        Command::PrintConfig,
    ];
    type Config = Config;

    fn load(env: Env) -> Result<Config, ConfigError> {
        Config::from_env(env)
    }

    fn telemetry(config: &Config) -> &TelemetryConfig {
        &config.telemetry
    }

    async fn serve(config: Config, shutdown: CancellationToken) -> Result<(), RunError> {
        let listeners = Listeners {
            grpc: bind(config.bind, "KNOWLEDGE_INTERFACE_BIND_ADDRESS").await?,
            admin: bind(config.admin_bind, "KNOWLEDGE_INTERFACE_ADMIN_BIND_ADDRESS").await?,
        };
        run(config, listeners, shutdown).await
    }

    async fn migrate(config: Config) -> Result<(), RunError> {
        Ok(db::migrate_command(&config.database, &MIGRATOR, config.connect).await?)
    }

    /// Migrates, then applies the starter schema.
    async fn seed(config: Config) -> Result<(), RunError> {
        let settings = db::PoolSettings {
            max_connections: 1,
            ..db::PoolSettings::default()
        };
        let pool = db::connect(&config.database, settings, config.connect).await?;
        db::migrate(&pool, &MIGRATOR, &config.database).await?;
        schema::seed::apply(&pool)
            .await
            .map_err(|error| RunError::Serve {
                what: "starter schema seed",
                cause: error.to_string(),
            })?;
        tracing::info!(database = %config.database.redacted(), "starter schema applied");
        pool.close().await;
        Ok(())
    }
}
