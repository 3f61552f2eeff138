//! The real model-provider, in-process on port 0, serving the repository's alias file with no
//! API keys: every alias falls back to the built-in `local` provider, whose embeddings alias
//! (`all-purpose`) runs all-MiniLM-L6-v2 (384 dimensions) from `models/all-minilm-l6-v2`,
//! fetched by `scripts/agent/fetch-embedding-model.sh`.

use std::time::Duration;

use exobrain_common::config::Env;
use exobrain_common::startup::RunError;
use exobrain_testkit::checks::base_env;
use exobrain_testkit::{TestServer, bind_ephemeral, wait_until_ok};

/// The embeddings alias of the shipped alias file.
pub const EMBEDDING_ALIAS: &str = "all-purpose";

/// A running model-provider; stops when dropped.
pub struct ModelProvider {
    /// Its OpenAI-compatible API, ending in `/v1`.
    pub base_url: String,
    _server: TestServer<RunError>,
}

/// Starts model-provider with the shipped aliases and local MiniLM embeddings.
pub async fn spawn_model_provider() -> ModelProvider {
    spawn_model_provider_with(&[]).await
}

/// [`spawn_model_provider`] with extra environment variables (e.g.
/// `MODEL_PROVIDER_API_TOKEN`).
pub async fn spawn_model_provider_with(vars: &[(&str, &str)]) -> ModelProvider {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut env = base_env();
    env.insert(
        "MODEL_PROVIDER_CONFIG_PATH".into(),
        format!("{root}/config/models.yaml"),
    );
    env.insert(
        "MODEL_PROVIDER_EMBEDDING_MODEL_DIR".into(),
        format!("{root}/models/all-minilm-l6-v2"),
    );
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let config =
        model_provider::Config::from_env(Env::from_map(env)).expect("model-provider config");
    let listener = bind_ephemeral().await;
    let root_url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = TestServer::spawn(|token| model_provider::run(config, listener, token));
    assert!(
        wait_until_ok(&format!("{root_url}/readyz"), Duration::from_secs(60)).await,
        "model-provider did not become ready"
    );
    let provider = ModelProvider {
        base_url: format!("{root_url}/v1"),
        _server: server,
    };
    provider.require_minilm(vars).await;
    provider
}

impl ModelProvider {
    /// Fails the test early, saying what to run, when model-provider fell back to hashing
    /// because the MiniLM files are missing.
    async fn require_minilm(&self, vars: &[(&str, &str)]) {
        let mut request = reqwest::Client::new().get(format!("{}/models", self.base_url));
        if let Some((_, token)) = vars.iter().find(|(k, _)| *k == "MODEL_PROVIDER_API_TOKEN") {
            request = request.bearer_auth(token);
        }
        let models: serde_json::Value = request
            .send()
            .await
            .expect("GET /v1/models")
            .json()
            .await
            .expect("models json");
        let embedding = models["data"]
            .as_array()
            .and_then(|data| data.iter().find(|model| model["id"] == EMBEDDING_ALIAS))
            .unwrap_or_else(|| panic!("no `{EMBEDDING_ALIAS}` alias in {models}"));
        assert_eq!(
            embedding["upstream_model"], "all-minilm-l6-v2",
            "MiniLM is not loaded ({embedding}); run scripts/agent/fetch-embedding-model.sh"
        );
    }
}
