//! The built-in `local` provider, used when no key is configured: deterministic chat that
//! honours structured output and tool choice ([`chat`]), and real embeddings
//! (all-MiniLM-L6-v2, [`embed`]) with a hashing fallback when the weights are absent.

pub mod chat;
pub mod embed;
pub mod instance;

use std::sync::Arc;

use embed::Embedder;

use super::Embedded;
use super::error::ProviderError;

/// Embeds `texts` off the async threads; `dimensions`, when given, must be the model's.
pub async fn embed_texts(
    embedder: Arc<dyn Embedder>,
    texts: Vec<String>,
    dimensions: Option<u32>,
) -> Result<Embedded, ProviderError> {
    if let Some(asked) = dimensions
        && asked as usize != embedder.dimensions()
    {
        return Err(ProviderError::Invalid(format!(
            "dimensions: the local model {} has {} dimensions, {asked} were asked for",
            embedder.name(),
            embedder.dimensions()
        )));
    }
    let tokens = texts
        .iter()
        .map(|text| text.split_whitespace().count() as u64)
        .sum();
    let vectors = tokio::task::spawn_blocking(move || embedder.embed(&texts))
        .await
        .map_err(|error| ProviderError::Upstream {
            provider: "local",
            message: format!("the embedding task failed: {error}"),
        })?
        .map_err(|error| ProviderError::Upstream {
            provider: "local",
            message: error.to_string(),
        })?;
    Ok(Embedded { vectors, tokens })
}
