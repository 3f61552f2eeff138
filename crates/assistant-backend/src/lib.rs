//! The assistant backend: the HTTP API the web UI talks to. This module wires configuration,
//! dependencies and the HTTP server together: `/api` (see [`api`]) and `/healthz`, `/readyz`,
//! `/metrics` on one port, plus the `migrate`, `seed` and `users` commands.
//!
//! Layout: [`config`] (typed env), [`app`] (shared state), [`api`] (router, JSON and query
//! extractors, the journal, chat and user config routes, the OpenAPI document), [`chat`]
//! (turns, the agent loop and the event log),
//! [`error`] (the one HTTP error type), [`auth`] (sign-in and the request principal),
//! [`users`] (user rows), [`journals`] and [`configs`] (journal and user config data),
//! [`seed`] (starter data), [`upstream`] (clients of the other services), [`knowledge`]
//! (knowledge updates, the explorer, search and the page graph), [`operations`] (every
//! user's jobs for operators).

pub mod api;
pub mod app;
pub mod auth;
pub mod chat;
pub mod config;
pub mod configs;
pub mod error;
pub mod journals;
pub mod knowledge;
pub mod operations;
pub mod seed;
pub mod upstream;
pub mod users;

use exobrain_common::cli::{Command, Service};
use exobrain_common::config::{ConfigError, Env};
use exobrain_common::health::Readiness;
use exobrain_common::shutdown::{CancellationToken, DEFAULT_GRACE};
use exobrain_common::startup::{RunError, bind};
use exobrain_common::telemetry::TelemetryConfig;
use exobrain_common::{admin, db};
use tokio::net::TcpListener;
use tracing::Instrument;

pub use app::AppState;
pub use config::Config;

/// Migrations of `assistant_db`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/assistant");

/// Connects PostgreSQL and Redis (failing fast when either is unreachable) and serves HTTP on
/// `listener` until `shutdown` is cancelled.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    let pool = db::connect(
        &config.database,
        db::PoolSettings::default(),
        config.connect,
    )
    .await?;
    let redis = exobrain_common::redis::connect(&config.redis, config.connect).await?;
    tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "assistant-backend listening");

    let readiness = Readiness::new()
        .with_check("postgres", {
            let pool = pool.clone();
            move || {
                let pool = pool.clone();
                async move { db::ping(&pool).await }
            }
        })
        .with_check("redis", {
            let redis = redis.clone();
            move || {
                let mut redis = redis.clone();
                async move { exobrain_common::redis::ping(&mut redis).await }
            }
        });
    let upstreams =
        upstream::Upstreams::new(config.upstream.clone()).map_err(|error| RunError::Serve {
            what: "upstream clients",
            cause: error.to_string(),
        })?;
    let reconcile_interval = config.knowledge.reconcile_interval;
    let state = AppState::new(config, pool, redis, upstreams);
    let reconciler = tokio::spawn(
        knowledge::reconcile_periodically(
            state.knowledge_updates.clone(),
            reconcile_interval,
            shutdown.clone(),
        )
        .instrument(tracing::info_span!("knowledge.reconcile")),
    );
    let chat = state.chat.clone();
    let served = admin::serve_http_service(
        listener,
        api::router(state),
        readiness,
        shutdown,
        DEFAULT_GRACE,
    )
    .await;
    // Serving also ends without `shutdown` when the listener fails; the reconciler ends then too.
    reconciler.abort();
    let _ = reconciler.await;
    // Turns outlive the requests that started them: give them the same grace to finish.
    chat.drain(DEFAULT_GRACE).await;
    served
}

/// The `assistant-backend` binary.
#[derive(Debug)]
pub struct AssistantBackend;

impl Service for AssistantBackend {
    const NAME: &'static str = "assistant-backend";
    const COMMANDS: &'static [Command] = &[
        Command::Serve,
        Command::Migrate,
        Command::Seed,
        Command::Users,
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
        let listener = bind(config.bind, "ASSISTANT_BACKEND_BIND_ADDRESS").await?;
        run(config, listener, shutdown).await
    }

    async fn migrate(config: Config) -> Result<(), RunError> {
        Ok(db::migrate_command(&config.database, &MIGRATOR, config.connect).await?)
    }

    /// Migrates, then applies the starter data ([`seed::apply`]).
    async fn seed(config: Config) -> Result<(), RunError> {
        let settings = db::PoolSettings {
            max_connections: 1,
            ..db::PoolSettings::default()
        };
        let pool = db::connect(&config.database, settings, config.connect).await?;
        db::migrate(&pool, &MIGRATOR, &config.database).await?;
        seed::apply(&pool).await.map_err(|error| RunError::Serve {
            what: "assistant starter data seed",
            cause: error.to_string(),
        })?;
        tracing::info!(database = %config.database.redacted(), "assistant starter data applied");
        pool.close().await;
        Ok(())
    }

    /// Account administration ([`users::cli`]).
    async fn users(config: Config, args: Vec<String>) -> Result<(), RunError> {
        let failed = |cause: String| RunError::Serve {
            what: "users",
            cause,
        };
        let command = users::cli::UsersCommand::parse(&args).map_err(failed)?;
        let settings = db::PoolSettings {
            max_connections: 1,
            ..db::PoolSettings::default()
        };
        let pool = db::connect(&config.database, settings, config.connect).await?;
        let outcome = command.run(&pool).await.map_err(failed);
        pool.close().await;
        outcome
    }
}
