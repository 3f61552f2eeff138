//! What can go wrong when embedding, sorted by what the caller should do about it: retry
//! later ([`EmbeddingError::Unavailable`]), fix the request or the provider
//! ([`EmbeddingError::Rejected`]), fix the configuration ([`EmbeddingError::Misconfigured`]),
//! or fix the input ([`EmbeddingError::EmptyText`]). Messages name the provider's own answer
//! and never carry the API token.

/// An embedding call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbeddingError {
    /// model-provider could not be reached, timed out, was overloaded (429) or failed (5xx)
    /// for the whole retry budget. Retrying later may succeed.
    #[error("embedding model unavailable: {0}")]
    Unavailable(String),
    /// model-provider refused the request (4xx other than 429) or sent a reply that is not a
    /// valid answer to it. Repeating the same request will not help.
    #[error("embedding request rejected: {0}")]
    Rejected(String),
    /// The settings cannot work: a bad base URL or token, or an alias that is not a usable
    /// embeddings model.
    #[error("embedding misconfigured: {0}")]
    Misconfigured(String),
    /// Text number `index` of the input is empty; model-provider cannot embed empty text.
    #[error("text {index} is empty; empty text cannot be embedded")]
    EmptyText {
        /// Position in the input.
        index: usize,
    },
}

impl EmbeddingError {
    /// True when the same call may succeed later without any change.
    pub fn is_retryable(&self) -> bool {
        matches!(self, EmbeddingError::Unavailable(_))
    }
}
