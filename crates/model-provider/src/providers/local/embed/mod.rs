//! Text embeddings computed in this process, offline: all-MiniLM-L6-v2 on candle when its
//! weights are in the models folder, otherwise a deterministic hashing embedder. Owns the
//! `Embedder` port, its error type and the choice between the two at startup. It never
//! downloads anything and never panics on bad files or input: weights arrive through
//! `scripts/agent/fetch-embedding-model.sh`, and whatever is wrong with them becomes a reason
//! for the fallback. The HTTP routes and the async runtime are not its business.

mod hash;
mod minilm;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use hash::HashEmbedder;
pub use minilm::MiniLm;

/// A text embedder running in this process. Blocking: callers run it on `spawn_blocking`.
pub trait Embedder: Send + Sync + std::fmt::Debug {
    /// Stable name reported in /v1/models: "all-minilm-l6-v2" or "hash".
    fn name(&self) -> &'static str;
    /// Length of every vector.
    fn dimensions(&self) -> usize;
    /// One L2-normalised vector per text, in order. Empty input -> empty output.
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Why the model could not be loaded or could not embed a batch.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A file the model needs is not in the models folder.
    #[error("model file {} is missing", path.display())]
    MissingFile { path: PathBuf },
    /// A model file exists but could not be read.
    #[error("cannot read model file {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `config.json` is not a BERT configuration.
    #[error("model config {} is invalid: {source}", path.display())]
    BadConfig {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// `tokenizer.json` could not be parsed or configured.
    #[error("tokenizer {} is unusable: {source}", path.display())]
    BadTokenizer {
        path: PathBuf,
        #[source]
        source: tokenizers::Error,
    },
    /// The weights are not safetensors, or do not fit the architecture in `config.json`.
    #[error("weights {} do not fit the model: {source}", path.display())]
    BadWeights {
        path: PathBuf,
        #[source]
        source: candle_core::Error,
    },
    /// The tokenizer rejected an input text.
    #[error("tokenizing the input failed: {source}")]
    Tokenize {
        #[source]
        source: tokenizers::Error,
    },
    /// The forward pass or the pooling failed.
    #[error("the embedding forward pass failed: {source}")]
    Inference {
        #[from]
        source: candle_core::Error,
    },
}

/// Default models folder relative to the repository root: "models/all-minilm-l6-v2".
pub const DEFAULT_MODEL_DIR: &str = "models/all-minilm-l6-v2";

/// The script that puts the weights into [`DEFAULT_MODEL_DIR`]; fallback reasons name it.
pub const FETCH_SCRIPT: &str = "scripts/agent/fetch-embedding-model.sh";

/// Loads all-MiniLM-L6-v2 from `model_dir` (files: model.safetensors, tokenizer.json, config.json),
/// or, when they are absent or unreadable, the hash embedder with `fallback_dims` dimensions;
/// the second value says why the fallback was taken (None when the real model loaded).
pub fn load(model_dir: &Path, fallback_dims: usize) -> (Arc<dyn Embedder>, Option<String>) {
    match MiniLm::load(model_dir) {
        Ok(model) => (Arc::new(model), None),
        Err(err) => {
            let reason = format!(
                "all-MiniLM-L6-v2 not loaded from {}: {err}; using the hash embedder \
                 ({fallback_dims} dimensions, lexical only); run {FETCH_SCRIPT} to fetch the weights",
                model_dir.display()
            );
            (Arc::new(HashEmbedder::new(fallback_dims)), Some(reason))
        }
    }
}

/// Scales `vector` to unit L2 norm in place; a zero vector stays zero.
fn l2_normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_gives_unit_length_and_leaves_zero_alone() {
        let mut v = vec![3.0, 4.0];
        l2_normalise(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
        let mut zero = vec![0.0; 3];
        l2_normalise(&mut zero);
        assert_eq!(zero, vec![0.0; 3]);
    }
}
