//! Why a provider could not answer, in terms the gateway maps to HTTP statuses once. Upstream
//! bodies are cut short and never carry keys; a bad server key is an upstream fault (502), not
//! the caller's.

/// A provider failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// The request cannot be sent as it is (bad tool schema, unsupported feature).
    #[error("{0}")]
    Invalid(String),
    /// The upstream refused the request as malformed (its 400/404/422).
    #[error("{provider} rejected the request ({status}): {message}")]
    Rejected {
        /// Provider name.
        provider: &'static str,
        /// Upstream status.
        status: u16,
        /// Upstream message.
        message: String,
    },
    /// The upstream refused our key (401/403).
    #[error("{provider} refused the gateway's credentials ({status}); check its API key")]
    Auth {
        /// Provider name.
        provider: &'static str,
        /// Upstream status.
        status: u16,
    },
    /// Rate limited, still after retries.
    #[error("{provider} is rate limiting requests")]
    RateLimited {
        /// Provider name.
        provider: &'static str,
        /// Seconds the upstream asked to wait, if it said.
        retry_after: Option<u64>,
    },
    /// The upstream failed (5xx, connection, unreadable reply).
    #[error("{provider} failed: {message}")]
    Upstream {
        /// Provider name.
        provider: &'static str,
        /// What happened.
        message: String,
    },
    /// No answer before the deadline.
    #[error("{provider} did not answer within {seconds} s")]
    Timeout {
        /// Provider name.
        provider: &'static str,
        /// The deadline.
        seconds: u64,
    },
}

impl ProviderError {
    /// Whether trying again later may help.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Upstream { .. }
                | ProviderError::Timeout { .. }
        )
    }
}

/// At most `limit` characters of an upstream body, for error messages.
pub fn excerpt(body: &str, limit: usize) -> String {
    let mut text: String = body.chars().take(limit).collect();
    if body.chars().count() > limit {
        text.push('…');
    }
    text
}
