//! The knowledge interface: the gRPC service that owns each person's knowledge graph. This
//! module wires configuration, the stores (graph, vectors), the embedding client, the
//! background tasks (vector projector, maintenance) and the servers: the gRPC API
//! ([`grpc`]) with health and reflection, plus health, readiness and metrics over HTTP.

pub mod access;
pub mod app;
pub mod config;
pub mod delta;
pub mod embedding;
pub mod graph;
pub mod grpc;
pub mod limits;
pub mod metrics;
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

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use exobrain_proto::knowledge::knowledge_interface_server::KnowledgeInterfaceServer;

pub use config::{Config, GraphBackend};
use embedding::EmbeddingClient;
use graph::any::AnyGraphStore;
use graph::memgraph::MemgraphStore;
use graph::postgres::PgGraphStore;

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

/// How soon failed maintenance steps are retried.
const RETRY: Duration = Duration::from_secs(10);
/// "Not again" for a disabled periodic step.
const NEVER: Duration = Duration::from_secs(86_400 * 365);

/// Connects PostgreSQL (failing fast when unreachable) and the stores, starts the vector
/// projector and the maintenance task, and serves until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listeners: Listeners,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    exobrain_common::metrics::describe(crate::metrics::METRICS);
    let pool = db::connect(
        &config.database,
        db::PoolSettings::default(),
        config.connect,
    )
    .await?;
    let graph = match &config.graph_backend {
        GraphBackend::Postgres => AnyGraphStore::Postgres(PgGraphStore::new(pool.clone())),
        GraphBackend::Memgraph(settings) => {
            AnyGraphStore::Memgraph(MemgraphStore::connect(settings).await.map_err(|error| {
                RunError::Serve {
                    what: "memgraph graph store",
                    cause: error.to_string(),
                }
            })?)
        }
    };
    let vectors = vectors::connect(&config.vectors, pool.clone())
        .await
        .map_err(|error| RunError::Serve {
            what: "vector store",
            cause: error.to_string(),
        })?;
    let embedder =
        EmbeddingClient::new(config.embedding.clone()).map_err(|error| RunError::Serve {
            what: "embedding client",
            cause: error.to_string(),
        })?;
    let knowledge = Arc::new(
        app::Knowledge::new(pool, graph, vectors, embedder).with_limits(config.limits.clone()),
    );
    // The root graph is plain database work; written before serving so the first requests
    // find it. Without a seeded schema it fails here and the maintenance task retries.
    let booted = match knowledge.bootstrap().await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "shared root graph not written yet (is the schema seeded?)");
            false
        }
    };
    tracing::info!(
        grpc = ?listeners.grpc.local_addr().ok(),
        admin = ?listeners.admin.local_addr().ok(),
        "knowledge-interface listening"
    );
    let projector = app::spawn_projector(knowledge.clone(), shutdown.clone());
    let maintenance = tokio::spawn(maintain(
        knowledge.clone(),
        booted,
        config.reconcile_interval,
        shutdown.clone(),
    ));
    let readiness = Readiness::new().with_check("stores", {
        let knowledge = knowledge.clone();
        move || {
            let knowledge = knowledge.clone();
            async move { knowledge.ready().await }
        }
    });
    let process = GrpcProcess {
        services: &[exobrain_proto::KNOWLEDGE_INTERFACE_SERVICE],
        descriptor_set: exobrain_proto::KNOWLEDGE_DESCRIPTOR_SET,
        readiness,
        grace: DEFAULT_GRACE,
        guard: config.guard.clone(),
    };
    let server = KnowledgeInterfaceServer::new(grpc::service::KnowledgeService::new(knowledge))
        .max_decoding_message_size(limits::MAX_MESSAGE_BYTES);
    let served = serve_with_admin(
        process,
        tonic::service::Routes::new(server),
        listeners.grpc,
        listeners.admin,
        shutdown.clone(),
    )
    .await;
    shutdown.cancel();
    let _ = tokio::join!(projector, maintenance);
    served
}

/// Writes the shared root graph, syncs type vectors and reconciles block vectors at startup
/// (retrying what fails, e.g. while model-provider is still starting), then reconciles every
/// `interval`.
async fn maintain(
    knowledge: Arc<app::Knowledge>,
    mut booted: bool,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut typed = false;
    let mut next_reconcile = Instant::now();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = maintenance_round(&knowledge, interval, &mut booted, &mut typed, &mut next_reconcile) => {}
        }
        let wake = if booted && typed {
            next_reconcile
        } else {
            next_reconcile.min(Instant::now() + RETRY)
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep_until(wake) => {}
        }
    }
}

/// One pass of [`maintain`]: whatever is still due.
async fn maintenance_round(
    knowledge: &app::Knowledge,
    interval: Duration,
    booted: &mut bool,
    typed: &mut bool,
    next_reconcile: &mut Instant,
) {
    if !*booted {
        *booted = knowledge
            .bootstrap()
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "shared root graph not written yet (is the schema seeded?)"))
            .is_ok();
    }
    if !*typed {
        *typed = knowledge
            .sync_types()
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "type vectors not synced yet"))
            .is_ok();
    }
    if Instant::now() >= *next_reconcile {
        *next_reconcile = match knowledge.reconcile().await {
            Ok(_) if interval.is_zero() => Instant::now() + NEVER,
            Ok(_) => Instant::now() + interval,
            Err(error) => {
                tracing::warn!(%error, "block vectors not reconciled yet");
                Instant::now() + RETRY
            }
        };
    }
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
