//! Which model an alias names: model-provider's `GET /v1/models` list, and the choice of the
//! configured alias in it, which must be an embeddings alias with a known vector length.

use serde::Deserialize;

use super::EmbeddingError;

/// The model behind the embeddings alias, as model-provider serves it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// The alias asked for (`MODEL_PROVIDER_EMBEDDING_ALIAS`).
    pub alias: String,
    /// The provider that actually answers it (`local` when model-provider fell back).
    pub provider: String,
    /// The provider's model name.
    pub upstream_model: String,
    /// Length of every vector.
    pub dims: usize,
}

impl ModelInfo {
    /// A stable name of the vector space, `{provider}/{upstream_model}@{dims}`: vectors with
    /// the same identity are comparable, whatever alias produced them; a different model,
    /// provider or length always gives a different identity.
    pub fn identity(&self) -> String {
        format!("{}/{}@{}", self.provider, self.upstream_model, self.dims)
    }
}

/// `GET /v1/models`.
#[derive(Debug, Deserialize)]
pub(super) struct ModelList {
    data: Vec<Listed>,
}

#[derive(Debug, Deserialize)]
struct Listed {
    id: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    upstream_model: Option<String>,
    #[serde(default)]
    dimensions: Option<u64>,
}

/// model-provider's `kind` of embeddings aliases.
const EMBEDDING_KIND: &str = "embedding";

impl ModelList {
    /// The entry for `alias`, which must be a usable embeddings model; `base` names the
    /// provider in errors.
    pub(super) fn select(self, alias: &str, base: &str) -> Result<ModelInfo, EmbeddingError> {
        let embedding_aliases: Vec<&str> = self
            .data
            .iter()
            .filter(|listed| listed.kind.as_deref() == Some(EMBEDDING_KIND))
            .map(|listed| listed.id.as_str())
            .collect();
        let available = if embedding_aliases.is_empty() {
            "it serves none".to_owned()
        } else {
            format!("it serves {}", embedding_aliases.join(", "))
        };
        let Some(listed) = self.data.iter().find(|listed| listed.id == alias) else {
            return Err(EmbeddingError::Misconfigured(format!(
                "model-provider at {base} has no alias `{alias}` (MODEL_PROVIDER_EMBEDDING_ALIAS); \
                 choose an embeddings alias: {available}"
            )));
        };
        if listed.kind.as_deref() != Some(EMBEDDING_KIND) {
            return Err(EmbeddingError::Misconfigured(format!(
                "alias `{alias}` (MODEL_PROVIDER_EMBEDDING_ALIAS) is a {} alias, not an embeddings \
                 one; choose an embeddings alias: {available}",
                listed.kind.as_deref().unwrap_or("untyped"),
            )));
        }
        let dims = listed
            .dimensions
            .and_then(|dims| usize::try_from(dims).ok())
            .filter(|dims| *dims > 0)
            .ok_or_else(|| {
                EmbeddingError::Misconfigured(format!(
                    "model-provider reports no positive vector length for alias `{alias}` \
                     (got {:?}); set `dimensions` on the alias",
                    listed.dimensions
                ))
            })?;
        let named = |value: &Option<String>, field: &str| {
            value
                .clone()
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    EmbeddingError::Rejected(format!(
                        "model-provider lists alias `{alias}` without `{field}`"
                    ))
                })
        };
        Ok(ModelInfo {
            alias: alias.to_owned(),
            provider: named(&listed.provider, "provider")?,
            upstream_model: named(&listed.upstream_model, "upstream_model")?,
            dims,
        })
    }
}
