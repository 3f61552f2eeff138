//! Descriptions of the metrics knowledge-interface emits (graph writes, the vector projector,
//! the embedding client), and the projector's lag: how long the vector projection has been
//! behind the graph, measured from the last round that found nothing due.

use std::time::Instant;

use exobrain_common::metrics::Description;
use metrics::Unit;

/// The projector lag gauge.
const PROJECTOR_LAG: &str = "knowledge_projector_lag_seconds";

/// Every metric knowledge-interface emits.
pub const METRICS: &[Description] = &[
    Description::histogram(
        "knowledge_delta_write_seconds",
        Unit::Seconds,
        "Duration of graph delta writes (UpsertGraphDelta), retries of collided writes included.",
    ),
    Description::counter(
        "knowledge_records_changed_total",
        Unit::Count,
        "Graph records written by deltas, by kind (entity, block, edge).",
    ),
    Description::counter(
        "knowledge_vectors_projected_total",
        Unit::Count,
        "Block vectors the projector upserted or deleted.",
    ),
    Description::counter(
        "knowledge_vector_projection_failures_total",
        Unit::Count,
        "Projector failures: a round that failed as a whole, or a block that failed on its own.",
    ),
    Description::counter(
        "knowledge_vectors_parked_total",
        Unit::Count,
        "Blocks whose vector was parked after failing on their own too often.",
    ),
    Description::gauge(
        PROJECTOR_LAG,
        Unit::Seconds,
        "How long the vector projector has had work due: 0 when its last round found none, else the time since it last did.",
    ),
    Description::counter(
        "knowledge_embedding_requests_total",
        Unit::Count,
        "Calls to model-provider's embeddings API ended, by operation (models, embeddings) and outcome.",
    ),
    Description::histogram(
        "knowledge_embedding_request_duration_seconds",
        Unit::Seconds,
        "Duration of calls to model-provider's embeddings API, retries included, by operation.",
    ),
    Description::counter(
        "knowledge_embedding_retries_total",
        Unit::Count,
        "Attempts of embeddings calls retried, by operation.",
    ),
    Description::counter(
        "knowledge_embedding_texts_total",
        Unit::Count,
        "Texts embedded.",
    ),
];

/// Tracks the projector's lag from the outcome of each round.
#[derive(Debug, Clone, Copy)]
pub struct ProjectorLag {
    caught_up_at: Instant,
}

impl ProjectorLag {
    /// Starts caught up at `now`.
    pub fn new(now: Instant) -> Self {
        Self { caught_up_at: now }
    }

    /// Records a round that ended at `now` having found `due` blocks (`None`: the round
    /// failed) and sets the gauge; returns the lag in seconds.
    pub fn observe(&mut self, due: Option<usize>, now: Instant) -> f64 {
        if due == Some(0) {
            self.caught_up_at = now;
        }
        let lag = now
            .saturating_duration_since(self.caught_up_at)
            .as_secs_f64();
        metrics::gauge!(PROJECTOR_LAG).set(lag);
        lag
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn lag_grows_while_work_is_due_and_resets_when_none_is() {
        let start = Instant::now();
        let at = |seconds| start + Duration::from_secs(seconds);
        let mut lag = ProjectorLag::new(start);
        assert_eq!(lag.observe(Some(0), at(1)), 0.0);
        assert_eq!(lag.observe(Some(256), at(3)), 2.0);
        assert_eq!(lag.observe(None, at(6)), 5.0);
        assert_eq!(lag.observe(Some(3), at(7)), 6.0);
        assert_eq!(lag.observe(Some(0), at(9)), 0.0);
        assert_eq!(lag.observe(Some(1), at(10)), 1.0);
    }
}
