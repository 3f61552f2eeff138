//! The gateway's state: every alias with the backend that answers it, built once at startup,
//! and the rules every request goes through before a provider sees it (the alias must exist
//! and fit the endpoint; alias defaults fill what the request leaves out; fields the model
//! refuses are dropped; the upstream model name replaces the alias).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::catalog::routes::{Route, Routed};
use crate::catalog::{Mode, Param, ProviderKind};
use crate::chat::ChatRequest;
use crate::providers::Backend;
use crate::providers::anthropic::Anthropic;
use crate::providers::http::{Limits, Upstream};
use crate::providers::local::embed::Embedder;
use crate::providers::openai::{OpenAi, TokenLimitField};

/// Limits for a provider the settings do not name.
const DEFAULT_LIMITS: Limits = Limits {
    concurrency: 64,
    per_second: None,
    attempts: 4,
    deadline: Duration::from_secs(300),
    backoff: Duration::from_millis(250),
};

/// One alias ready to serve.
#[derive(Debug, Clone)]
pub struct Target {
    /// The alias, its configuration and route.
    pub routed: Routed,
    /// Who answers it.
    pub backend: Backend,
    /// The model name reported for it (the upstream model, or the local model's).
    pub model: String,
    /// Embedding dimensions, for embeddings aliases.
    pub dimensions: Option<usize>,
    /// For aliases served by the local embedder: why it is the hashing fallback, if it is.
    pub embedder_note: Option<String>,
}

/// Why an alias cannot serve a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AliasError {
    /// No such alias.
    #[error("unknown model alias `{0}`; GET /v1/models lists the aliases")]
    Unknown(String),
    /// A chat alias on the embeddings route or the other way round.
    #[error("model alias `{alias}` is a {mode} model; use it on {route}")]
    WrongMode {
        /// The alias.
        alias: String,
        /// What it is.
        mode: &'static str,
        /// The route for that kind.
        route: &'static str,
    },
}

/// Every alias with its backend.
#[derive(Debug, Clone)]
pub struct Gateway {
    targets: Arc<Vec<Target>>,
}

/// Settings for upstream providers.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// Limits per provider name (`openai`, `anthropic`, `openai_compatible`).
    pub limits: BTreeMap<&'static str, Limits>,
    /// Connect timeout.
    pub connect_timeout: Duration,
}

impl Gateway {
    /// Builds a backend for every routed alias; the local embedder serves embeddings aliases
    /// that fell back to local.
    pub fn build(
        routes: Vec<Routed>,
        embedder: (Arc<dyn Embedder>, Option<String>),
        settings: UpstreamSettings,
    ) -> Self {
        let (embedder, embedder_note) = embedder;
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .pool_max_idle_per_host(64)
            .build()
            .unwrap_or_default();
        let mut upstreams: Vec<(String, Upstream)> = Vec::new();
        let targets = routes
            .into_iter()
            .map(|routed| {
                let alias = &routed.alias;
                let (backend, model, dimensions) = match (&routed.route, alias.mode) {
                    (Route::Local, Mode::Chat) => {
                        (Backend::LocalChat, "local-echo".to_owned(), None)
                    }
                    (Route::Local, Mode::Embeddings) => (
                        Backend::LocalEmbeddings(embedder.clone()),
                        embedder.name().to_owned(),
                        Some(embedder.dimensions()),
                    ),
                    (
                        Route::Upstream {
                            kind,
                            base_url,
                            api_key,
                        },
                        mode,
                    ) => {
                        let limits = settings
                            .limits
                            .get(kind.as_str())
                            .copied()
                            .unwrap_or(DEFAULT_LIMITS);
                        let upstream =
                            shared_upstream(&mut upstreams, *kind, base_url, &client, limits);
                        let backend = if *kind == ProviderKind::Anthropic {
                            Backend::Anthropic(Anthropic::new(
                                upstream,
                                base_url.clone(),
                                api_key.clone(),
                            ))
                        } else {
                            let field = match kind {
                                ProviderKind::Openai => TokenLimitField::MaxCompletionTokens,
                                _ => TokenLimitField::MaxTokens,
                            };
                            Backend::OpenAi(OpenAi::new(
                                upstream,
                                base_url.clone(),
                                api_key.clone(),
                                field,
                            ))
                        };
                        let dimensions = (mode == Mode::Embeddings)
                            .then_some(alias.dimensions.map(|d| d as usize))
                            .flatten();
                        (backend, alias.upstream_model.clone(), dimensions)
                    }
                };
                let embedder_note = matches!(backend, Backend::LocalEmbeddings(_))
                    .then(|| embedder_note.clone())
                    .flatten();
                Target {
                    routed,
                    backend,
                    model,
                    dimensions,
                    embedder_note,
                }
            })
            .collect();
        Self {
            targets: Arc::new(targets),
        }
    }

    /// Every alias, in file order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The alias named `name`, which must be a `mode` model.
    pub fn target(&self, name: &str, mode: Mode) -> Result<&Target, AliasError> {
        let target = self
            .targets
            .iter()
            .find(|target| target.routed.alias.name == name)
            .ok_or_else(|| AliasError::Unknown(name.to_owned()))?;
        if target.routed.alias.mode != mode {
            let (kind, route) = match target.routed.alias.mode {
                Mode::Chat => ("chat", "/v1/chat/completions or /v1/internal/chat/messages"),
                Mode::Embeddings => ("embeddings", "/v1/embeddings"),
            };
            return Err(AliasError::WrongMode {
                alias: name.to_owned(),
                mode: kind,
                route,
            });
        }
        Ok(target)
    }
}

impl Target {
    /// `request` as the provider gets it: defaults filled in, refused fields dropped, the
    /// upstream model named.
    pub fn prepare(&self, mut request: ChatRequest) -> ChatRequest {
        let alias = &self.routed.alias;
        let defaults = &alias.defaults;
        request.temperature = request.temperature.or(defaults.temperature);
        request.max_tokens = request.max_tokens.or(defaults.max_output_tokens);
        request.reasoning_effort = request.reasoning_effort.or(defaults.reasoning_effort);
        for param in &alias.unsupported_params {
            match param {
                Param::Temperature => request.temperature = None,
                Param::ReasoningEffort => request.reasoning_effort = None,
                Param::Stop => request.stop.clear(),
            }
        }
        request.model = self.model.clone();
        request
    }
}

/// One `Upstream` (limits and connection pool) per provider kind and base URL.
fn shared_upstream(
    upstreams: &mut Vec<(String, Upstream)>,
    kind: ProviderKind,
    base_url: &str,
    client: &reqwest::Client,
    limits: Limits,
) -> Upstream {
    let key = format!("{}|{base_url}", kind.as_str());
    if let Some((_, upstream)) = upstreams.iter().find(|(existing, _)| *existing == key) {
        return upstream.clone();
    }
    let upstream = Upstream::new(kind.as_str(), client.clone(), limits);
    upstreams.push((key, upstream.clone()));
    upstream
}
