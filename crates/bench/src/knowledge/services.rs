//! What the suite measures, started by itself: a database of its own (created, then migrated
//! and seeded with the starter schema by `knowledge-interface seed`), model-provider and the
//! knowledge interface, each a child process of this binary on ephemeral ports. The
//! embeddings are hash vectors (the model folder pointed at a missing directory) or the real
//! all-MiniLM-L6-v2; either way model-provider's `/v1/models` must confirm which.

use std::collections::HashMap;
use std::process::Stdio;

use anyhow::{Context, bail};
use exobrain_common::auth::ServiceToken;
use tokio::process::Command;

use crate::database::BenchDb;
use crate::process::{ServiceProcess, free_port};

/// Where the repository's alias file and model folder are.
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// The embeddings alias the knowledge interface asks for.
const ALIAS: &str = "all-purpose";

/// Seeds the empty database `db` with `knowledge-interface seed` (which also runs the
/// migrations); the database is dropped when seeding fails.
pub async fn seeded_db(db: BenchDb) -> anyhow::Result<BenchDb> {
    let seeded = Command::new(std::env::current_exe()?)
        .args(["__service", "knowledge-interface", "seed"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(knowledge_env(&db.dsn, "http://127.0.0.1:9/v1"))
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .status()
        .await;
    match seeded {
        Ok(status) if status.success() => Ok(db),
        outcome => {
            db.drop_now().await;
            bail!("knowledge-interface seed failed: {outcome:?}")
        }
    }
}

/// Which embeddings model-provider serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embeddings {
    /// The deterministic hashing fallback (fast, lexical only).
    Hash,
    /// all-MiniLM-L6-v2 from `models/all-minilm-l6-v2`.
    MiniLm,
}

impl Embeddings {
    fn model_dir(self) -> String {
        match self {
            Embeddings::Hash => format!("{REPO}/models/absent-for-bench"),
            Embeddings::MiniLm => format!("{REPO}/models/all-minilm-l6-v2"),
        }
    }

    /// Whether the real model's weights are present.
    pub fn minilm_available() -> bool {
        std::path::Path::new(&Embeddings::MiniLm.model_dir())
            .join("model.safetensors")
            .exists()
    }
}

/// Who may call the stack's services, and what the suite presents. The default configures
/// no credentials (APP_ENV=test then serves every caller).
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Added to model-provider's environment (the callers it accepts).
    pub model_provider_env: HashMap<String, String>,
    /// Added to the knowledge interface's environment (the callers it accepts, its own token).
    pub knowledge_env: HashMap<String, String>,
    /// The token the suite presents to model-provider.
    pub token: ServiceToken,
}

/// model-provider and the knowledge interface, running.
#[derive(Debug)]
pub struct Stack {
    model_provider: ServiceProcess,
    knowledge: ServiceProcess,
    /// The knowledge interface's gRPC endpoint, `http://host:port`.
    pub grpc: String,
    /// The embedding model behind the alias, as `/v1/models` names it.
    pub model: String,
}

impl Stack {
    /// Starts both services on `db`, with the credentials of `trust`.
    pub async fn start(
        db: &BenchDb,
        embeddings: Embeddings,
        trust: &Trust,
    ) -> anyhow::Result<Self> {
        let mut provider_env = owned([
            ("APP_ENV", "test".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
            (
                "MODEL_PROVIDER_CONFIG_PATH",
                format!("{REPO}/config/models.yaml"),
            ),
            ("MODEL_PROVIDER_EMBEDDING_MODEL_DIR", embeddings.model_dir()),
        ]);
        provider_env.extend(trust.model_provider_env.clone());
        let model_provider = ServiceProcess::start(
            "model-provider",
            &provider_env,
            "MODEL_PROVIDER_BIND_ADDRESS",
        )
        .await?;
        let base_url = format!("http://{}/v1", model_provider.address());
        let model = served_model(&base_url, &trust.token).await?;
        if (model == "hash") != (embeddings == Embeddings::Hash) {
            bail!(
                "model-provider serves `{model}` embeddings, not the {embeddings:?} ones asked for"
            );
        }
        let grpc = format!("127.0.0.1:{}", free_port()?);
        let mut env = knowledge_env(&db.dsn, &base_url);
        env.insert("KNOWLEDGE_INTERFACE_BIND_ADDRESS".into(), grpc.clone());
        env.extend(trust.knowledge_env.clone());
        let knowledge = ServiceProcess::start(
            "knowledge-interface",
            &env,
            "KNOWLEDGE_INTERFACE_ADMIN_BIND_ADDRESS",
        )
        .await?;
        Ok(Self {
            model_provider,
            knowledge,
            grpc: format!("http://{grpc}"),
            model,
        })
    }

    /// The knowledge interface's resident memory now and at its peak, in MiB.
    pub fn knowledge_rss_mib(&self) -> (f64, f64) {
        (self.knowledge.rss_mib(), self.knowledge.peak_rss_mib())
    }

    /// model-provider's peak resident memory, in MiB.
    pub fn model_provider_peak_rss_mib(&self) -> f64 {
        self.model_provider.peak_rss_mib()
    }

    /// Stops both services.
    pub async fn stop(self) {
        self.knowledge.stop().await;
        self.model_provider.stop().await;
    }
}

/// The knowledge interface's environment (its listeners are added by the caller). Block
/// vectors are reconciled at startup and then daily, so no periodic pass lands inside a
/// measurement.
fn knowledge_env(dsn: &str, model_provider: &str) -> HashMap<String, String> {
    owned([
        ("APP_ENV", "test".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
        ("KNOWLEDGE_SCHEMA_DSN", dsn.to_owned()),
        ("MODEL_PROVIDER_BASE_URL", model_provider.to_owned()),
        ("MODEL_PROVIDER_EMBEDDING_ALIAS", ALIAS.to_owned()),
        ("KNOWLEDGE_RECONCILE_INTERVAL_SECONDS", "86400".to_owned()),
    ])
}

/// `pairs` as an environment map.
pub fn owned<const N: usize>(pairs: [(&str, String); N]) -> HashMap<String, String> {
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// The upstream model behind [`ALIAS`] in model-provider's `/v1/models`.
async fn served_model(base_url: &str, token: &ServiceToken) -> anyhow::Result<String> {
    let mut request = reqwest::Client::new().get(format!("{base_url}/models"));
    if let Some(header) = token.header() {
        request = request.header(reqwest::header::AUTHORIZATION, header.clone());
    }
    let list: serde_json::Value = request.send().await?.error_for_status()?.json().await?;
    list["data"]
        .as_array()
        .and_then(|aliases| aliases.iter().find(|alias| alias["id"] == ALIAS))
        .and_then(|alias| alias["upstream_model"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("model-provider lists no `{ALIAS}` alias"))
}
