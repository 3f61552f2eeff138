//! The web UI server: serves the built Svelte UI and proxies `/api` (SSE included) to
//! assistant-backend on the same origin, so the session cookie works as it would against the
//! backend itself. It owns no state; `config` reads the environment, `app` wires the routes,
//! `ui` serves the build, `proxy` forwards to the backend, `metrics` counts by request class.

pub mod app;
pub mod config;
pub mod error;
pub mod metrics;
pub mod proxy;
pub mod ui;

use exobrain_common::admin;
use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;
use tokio::net::TcpListener;

pub use config::Config;

/// Serves the UI, the proxy and health, readiness and metrics on `listener` until `shutdown`
/// is cancelled; open streams then get the grace period to finish.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    exobrain_common::metrics::describe(crate::metrics::METRICS);
    let upstream = proxy::Upstream::new(
        &config.backend_url,
        config.connect_timeout,
        config.upstream_timeout,
    );
    if !config.dist.join("index.html").is_file() {
        tracing::warn!(dist = %config.dist.display(), "no built UI yet; /readyz fails until `npm run build`");
    }
    let readiness = app::readiness(config.dist.clone(), upstream.clone());
    let router = app::router(&config.dist, upstream);
    tracing::info!(
        addr = ?listener.local_addr().ok(),
        backend = %config.backend_url,
        dist = %config.dist.display(),
        "assistant-frontend listening"
    );
    admin::serve_http_service(listener, router, readiness, shutdown, DEFAULT_GRACE).await
}

/// The `assistant-frontend` binary.
#[derive(Debug)]
pub struct AssistantFrontend;

impl Service for AssistantFrontend {
    const NAME: &'static str = "assistant-frontend";
    const COMMANDS: &'static [Command] = &[Command::Serve, Command::PrintConfig];
    type Config = Config;

    fn load(env: Env) -> Result<Config, ConfigError> {
        Config::from_env(env)
    }

    fn telemetry(config: &Config) -> &TelemetryConfig {
        &config.telemetry
    }

    async fn serve(config: Config, shutdown: CancellationToken) -> Result<(), RunError> {
        let listener = bind(config.bind, "ASSISTANT_FRONTEND_BIND_ADDRESS").await?;
        run(config, listener, shutdown).await
    }
}
