//! Typed configuration of the model provider, read once from the environment. The alias file
//! is loaded and each alias routed here, so a bad file or setting stops startup with every
//! problem named, and `print-config` shows where each alias goes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use exobrain_common::auth::Credentials;
use exobrain_common::config::{AppEnv, ConfigError, Env};
use exobrain_common::telemetry::TelemetryConfig;

use crate::catalog::routes::{Routed, route_all};
use crate::catalog::{Catalog, ProviderKind};
use crate::providers::http::Limits;
use crate::providers::local::embed::DEFAULT_MODEL_DIR;

/// Everything the model provider needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// `MODEL_PROVIDER_BIND_ADDRESS` (default `0.0.0.0:8010`).
    pub bind: SocketAddr,
    /// `MODEL_PROVIDER_CONFIG_PATH`: the alias file (default `config/models.yaml`).
    pub models_path: PathBuf,
    /// Every alias with its route (keys from `OPENAI_API_KEY`, `ANTHROPIC_API_KEY` or the
    /// alias's `api_key_env`; `MODEL_PROVIDER_OFFLINE` serves everything locally).
    pub routes: Vec<Routed>,
    /// Who may call the `/v1` routes: `EXOBRAIN_SERVICE_CREDENTIALS`,
    /// `EXOBRAIN_OPERATOR_CREDENTIALS` and the shared `MODEL_PROVIDER_API_TOKEN` (one of them
    /// is required outside local/test).
    pub credentials: Credentials,
    /// `MODEL_PROVIDER_MAX_BODY_BYTES`: largest request body (default 8 MiB).
    pub max_body_bytes: usize,
    /// Limits per upstream provider (`MODEL_PROVIDER_<PROVIDER>_…`).
    pub limits: BTreeMap<&'static str, Limits>,
    /// `MODEL_PROVIDER_CONNECT_TIMEOUT_SECONDS` (default 10).
    pub connect_timeout: Duration,
    /// `MODEL_PROVIDER_EMBEDDING_MODEL_DIR`: the local embedding model's files (default
    /// `models/all-minilm-l6-v2`).
    pub embedding_model_dir: PathBuf,
    /// `MODEL_PROVIDER_HASH_EMBEDDING_DIMENSIONS`: vector length of the hashing fallback
    /// (default 384, like the real model).
    pub hash_dimensions: usize,
}

impl Config {
    /// Reads every variable, reporting all invalid ones together.
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let app_env = env.app_env();
        let telemetry = TelemetryConfig::from_env(&mut env, app_env);
        let bind = env.socket_addr("MODEL_PROVIDER_BIND_ADDRESS", "0.0.0.0:8010");
        let models_path =
            PathBuf::from(env.string("MODEL_PROVIDER_CONFIG_PATH", "config/models.yaml"));
        let offline = env.flag("MODEL_PROVIDER_OFFLINE", false);
        let routes = match Catalog::load(&models_path) {
            Ok(catalog) => {
                let lookup = |var: &str| env.optional(var);
                route_all(&catalog, &lookup, offline)
            }
            Err(error) => {
                env.problem("MODEL_PROVIDER_CONFIG_PATH", error.to_string());
                Vec::new()
            }
        };
        let timeout = env.seconds("MODEL_PROVIDER_TIMEOUT_SECONDS", Duration::from_secs(300));
        let limits = [
            ProviderKind::Openai,
            ProviderKind::Anthropic,
            ProviderKind::OpenaiCompatible,
        ]
        .into_iter()
        .map(|kind| (kind.as_str(), read_limits(&mut env, kind, timeout)))
        .collect();
        let config = Self {
            app_env,
            telemetry,
            bind,
            models_path,
            routes,
            credentials: Credentials::from_env_with_shared(
                &mut env,
                app_env,
                Some("MODEL_PROVIDER_API_TOKEN"),
            ),
            max_body_bytes: env.bounded("MODEL_PROVIDER_MAX_BODY_BYTES", 8 << 20, 1024, 1 << 30),
            limits,
            connect_timeout: env.seconds(
                "MODEL_PROVIDER_CONNECT_TIMEOUT_SECONDS",
                Duration::from_secs(10),
            ),
            embedding_model_dir: PathBuf::from(
                env.string("MODEL_PROVIDER_EMBEDDING_MODEL_DIR", DEFAULT_MODEL_DIR),
            ),
            hash_dimensions: env.bounded("MODEL_PROVIDER_HASH_EMBEDDING_DIMENSIONS", 384, 8, 8192),
        };
        env.finish()?;
        Ok(config)
    }
}

/// `MODEL_PROVIDER_<PROVIDER>_MAX_CONCURRENT_REQUESTS` (default 64),
/// `…_MAX_RETRIES` (default 3) and `…_REQUESTS_PER_SECOND` (default unlimited).
fn read_limits(env: &mut Env, kind: ProviderKind, deadline: Duration) -> Limits {
    let prefix = format!("MODEL_PROVIDER_{}", kind.as_str().to_ascii_uppercase());
    let concurrency: usize =
        env.bounded(&format!("{prefix}_MAX_CONCURRENT_REQUESTS"), 64, 1, 10_000);
    let retries: usize = env.bounded(&format!("{prefix}_MAX_RETRIES"), 3, 0, 20);
    let per_second: u32 = env.bounded(&format!("{prefix}_REQUESTS_PER_SECOND"), 0, 0, 1_000_000);
    Limits {
        concurrency,
        per_second: NonZeroU32::new(per_second),
        attempts: retries + 1,
        deadline,
        backoff: Duration::from_millis(250),
    }
}
