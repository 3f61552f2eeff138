//! The model provider: the gateway every model call goes through. This module wires
//! configuration and the HTTP server; the OpenAI-compatible and native routes, aliases and
//! providers arrive in later work. Today it serves health, readiness and metrics.

pub mod api;
pub mod catalog;
pub mod chat;
pub mod config;
pub mod gateway;
pub mod metrics;
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

/// Loads the local embedder, builds every alias's backend and serves the API plus health,
/// readiness and metrics on `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    exobrain_common::metrics::describe(crate::metrics::METRICS);
    let embedder = local_embedder(&config).await?;
    log_routes(&config, &embedder);
    let settings = gateway::UpstreamSettings {
        limits: config.limits.clone(),
        connect_timeout: config.connect_timeout,
    };
    let gateway = gateway::Gateway::build(config.routes.clone(), embedder, settings);
    let app: Router = api::router(gateway, config.credentials.clone(), config.max_body_bytes);
    tracing::info!(addr = ?listener.local_addr().ok(), models = %config.models_path.display(), "model-provider listening");
    admin::serve_http_service(listener, app, Readiness::new(), shutdown, DEFAULT_GRACE).await
}

/// The local embedder: all-MiniLM-L6-v2 (or its hashing fallback) when some embeddings alias
/// is served locally; otherwise the hashing embedder, so no model weights are loaded.
async fn local_embedder(
    config: &Config,
) -> Result<
    (
        std::sync::Arc<dyn providers::local::embed::Embedder>,
        Option<String>,
    ),
    RunError,
> {
    let (dir, dims) = (config.embedding_model_dir.clone(), config.hash_dimensions);
    let needed = config.routes.iter().any(|routed| {
        routed.alias.mode == catalog::Mode::Embeddings
            && routed.provider() == catalog::ProviderKind::Local
    });
    if !needed {
        return Ok((
            std::sync::Arc::new(providers::local::embed::HashEmbedder::new(dims)),
            None,
        ));
    }
    tokio::task::spawn_blocking(move || providers::local::embed::load(&dir, dims))
        .await
        .map_err(|error| RunError::Serve {
            what: "local embedding model",
            cause: error.to_string(),
        })
}

/// One line per alias saying who answers it, and one if embeddings use the hashing fallback.
fn log_routes(
    config: &Config,
    embedder: &(
        std::sync::Arc<dyn providers::local::embed::Embedder>,
        Option<String>,
    ),
) {
    for routed in &config.routes {
        let alias = &routed.alias;
        match &routed.fallback {
            Some(reason) => tracing::warn!(
                alias = %alias.name, configured = alias.provider.as_str(), %reason,
                "alias served by the offline local provider"
            ),
            None => {
                tracing::info!(alias = %alias.name, provider = routed.provider().as_str(), upstream = %alias.upstream_model, "alias ready")
            }
        }
    }
    if let Some(reason) = &embedder.1 {
        tracing::warn!(%reason, "local embeddings use the hashing fallback, not all-MiniLM-L6-v2");
    }
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
