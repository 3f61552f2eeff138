//! The embedding client's Prometheus metrics, named in one place. `operation` is `models` or
//! `embeddings`; a call counts once however many attempts it took.

use std::time::Duration;

use super::EmbeddingError;

/// A call to model-provider ended, after `took` including retries.
pub(super) fn call_finished(
    operation: &'static str,
    result: Result<(), &EmbeddingError>,
    took: Duration,
) {
    let outcome = match result {
        Ok(()) => "ok",
        Err(EmbeddingError::Unavailable(_)) => "unavailable",
        Err(EmbeddingError::Rejected(_)) => "rejected",
        Err(EmbeddingError::Misconfigured(_)) => "misconfigured",
        Err(EmbeddingError::EmptyText { .. }) => "empty_text",
    };
    metrics::counter!("knowledge_embedding_requests_total", "operation" => operation, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("knowledge_embedding_request_duration_seconds", "operation" => operation)
        .record(took.as_secs_f64());
}

/// A failed attempt is about to be retried.
pub(super) fn retried(operation: &'static str) {
    metrics::counter!("knowledge_embedding_retries_total", "operation" => operation).increment(1);
}

/// `count` texts were embedded.
pub(super) fn texts_embedded(count: usize) {
    metrics::counter!("knowledge_embedding_texts_total").increment(count as u64);
}
