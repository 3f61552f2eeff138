//! Embeddings from model-provider: the settings ([`EmbeddingSettings`]), the client
//! ([`EmbeddingClient`]) that embeds texts through the configured alias and names the model
//! behind it ([`ModelInfo`]), its errors ([`EmbeddingError`]), and [`text_hash`] to skip
//! re-embedding unchanged text. This module talks HTTP to model-provider only; it stores
//! nothing and knows nothing of blocks, types or Qdrant.

mod client;
mod error;
mod metrics;
mod model;
mod reply;
mod settings;
mod transport;

use sha2::{Digest, Sha256};

pub use client::EmbeddingClient;
pub use error::EmbeddingError;
pub use model::ModelInfo;
pub use settings::EmbeddingSettings;

/// Lowercase hex SHA-256 of `text`'s UTF-8 bytes: equal hashes mean the stored vector still
/// fits the text (for the same [`ModelInfo::identity`]).
pub fn text_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::text_hash;

    #[test]
    fn text_hash_is_hex_sha256() {
        assert_eq!(
            text_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(text_hash("abc"), text_hash("abc "));
    }
}
