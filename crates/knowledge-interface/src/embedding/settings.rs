//! How the embedding client reaches model-provider: base URL, alias, the service credential,
//! batching, concurrency, per-request timeout and retry budget. Reading only; the client
//! decides what to do with them.

use std::time::Duration;

use exobrain_common::auth::{SERVICE_TOKEN_VAR, ServiceToken};
use exobrain_common::config::{AppEnv, Env};

/// Settings of [`super::EmbeddingClient`].
#[derive(Debug, Clone)]
pub struct EmbeddingSettings {
    /// `MODEL_PROVIDER_BASE_URL`: model-provider's OpenAI-compatible API, ending in `/v1`
    /// (default `http://127.0.0.1:8010/v1`).
    pub base_url: String,
    /// `MODEL_PROVIDER_EMBEDDING_ALIAS`: the embeddings alias sent as `model`
    /// (default `all-purpose`).
    pub alias: String,
    /// `MODEL_PROVIDER_API_TOKEN`, else `EXOBRAIN_SERVICE_TOKEN`: the credential presented
    /// to model-provider (required outside local/test).
    pub token: ServiceToken,
    /// `KNOWLEDGE_EMBEDDING_BATCH_SIZE`: texts per request, 1..=4096 (default 64).
    pub batch_size: usize,
    /// `KNOWLEDGE_EMBEDDING_CONCURRENCY`: requests in flight per `embed` call, 1..=64
    /// (default 2).
    pub concurrency: usize,
    /// `KNOWLEDGE_EMBEDDING_TIMEOUT_SECONDS`: limit of one HTTP request, connect to last
    /// body byte (default 30 s).
    pub timeout: Duration,
    /// `KNOWLEDGE_EMBEDDING_RETRY_BUDGET_SECONDS`: how long after a request's first attempt
    /// retries may still start (default 20 s).
    pub retry_budget: Duration,
}

impl Default for EmbeddingSettings {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8010/v1".to_owned(),
            alias: "all-purpose".to_owned(),
            token: ServiceToken::default(),
            batch_size: 64,
            concurrency: 2,
            timeout: Duration::from_secs(30),
            retry_budget: Duration::from_secs(20),
        }
    }
}

/// model-provider accepts at most this many inputs per request.
const MAX_BATCH_SIZE: usize = 4096;

impl EmbeddingSettings {
    /// Reads the variables above, recording every invalid one in `env`.
    pub fn read(env: &mut Env, app_env: AppEnv) -> Self {
        let defaults = Self::default();
        let base_url = env.string("MODEL_PROVIDER_BASE_URL", &defaults.base_url);
        if let Err(problem) = check_base_url(&base_url) {
            env.problem("MODEL_PROVIDER_BASE_URL", problem);
        }
        Self {
            base_url,
            alias: env.string("MODEL_PROVIDER_EMBEDDING_ALIAS", &defaults.alias),
            token: ServiceToken::from_env(
                env,
                &["MODEL_PROVIDER_API_TOKEN", SERVICE_TOKEN_VAR],
                app_env,
            ),
            batch_size: env.bounded(
                "KNOWLEDGE_EMBEDDING_BATCH_SIZE",
                defaults.batch_size,
                1,
                MAX_BATCH_SIZE,
            ),
            concurrency: env.bounded(
                "KNOWLEDGE_EMBEDDING_CONCURRENCY",
                defaults.concurrency,
                1,
                64,
            ),
            timeout: env.seconds("KNOWLEDGE_EMBEDDING_TIMEOUT_SECONDS", defaults.timeout),
            retry_budget: env.seconds(
                "KNOWLEDGE_EMBEDDING_RETRY_BUDGET_SECONDS",
                defaults.retry_budget,
            ),
        }
    }
}

/// An `http`/`https` URL; the problem otherwise.
pub(super) fn check_base_url(raw: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw).map_err(|error| format!("`{raw}` is not a URL: {error}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("`{raw}` has scheme `{other}`; use http or https")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_variables_take_the_local_defaults() {
        let mut env = Env::from_map(Vec::<(String, String)>::new());
        let settings = EmbeddingSettings::read(&mut env, AppEnv::Local);
        assert!(env.finish().is_ok());
        assert_eq!(settings.base_url, "http://127.0.0.1:8010/v1");
        assert_eq!(settings.alias, "all-purpose");
        assert!(settings.token.header().is_none());
        assert_eq!((settings.batch_size, settings.concurrency), (64, 2));
    }

    #[test]
    fn every_bad_variable_is_named_and_the_token_never_prints() {
        let mut env = Env::from_map([
            ("MODEL_PROVIDER_BASE_URL", "ftp://models"),
            ("MODEL_PROVIDER_API_TOKEN", "hunter2"),
            ("KNOWLEDGE_EMBEDDING_BATCH_SIZE", "0"),
            ("KNOWLEDGE_EMBEDDING_CONCURRENCY", "many"),
            ("KNOWLEDGE_EMBEDDING_TIMEOUT_SECONDS", "-1"),
            ("KNOWLEDGE_EMBEDDING_RETRY_BUDGET_SECONDS", "0.5"),
        ]);
        let settings = EmbeddingSettings::read(&mut env, AppEnv::Test);
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert_eq!(settings.retry_budget, Duration::from_millis(500));
        let error = env.finish().expect_err("four problems");
        let vars: Vec<_> = error.problems.iter().map(|p| p.var.as_str()).collect();
        assert_eq!(
            vars,
            [
                "MODEL_PROVIDER_BASE_URL",
                "KNOWLEDGE_EMBEDDING_BATCH_SIZE",
                "KNOWLEDGE_EMBEDDING_CONCURRENCY",
                "KNOWLEDGE_EMBEDDING_TIMEOUT_SECONDS"
            ]
        );
    }
}
