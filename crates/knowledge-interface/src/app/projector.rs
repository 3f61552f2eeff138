//! Keeps block vectors in step with the graph: drains the vector outbox the graph store
//! fills in the same transaction as each change, embeds in batches, upserts or deletes
//! points, and marks the work done (or failed, to be retried with backoff). Text that is
//! already stored with the same hash, owner and visibility is not embedded again. Runs as one
//! background task woken after each write and every few seconds; it stops on shutdown,
//! abandoning a round in flight (its work stays queued).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use exobrain_common::shutdown::CancellationToken;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Knowledge;
use crate::embedding::text_hash;
use crate::graph::GraphStore;
use crate::graph::reads::PendingVector;
use crate::grpc::error::KnowledgeError;
use crate::vectors::{BLOCKS, StoredPoint, VectorPoint, VectorStore};

/// Blocks handled per round.
const BATCH: usize = 256;
/// How often the outbox is polled without a wake-up (retries, other processes' writes).
const POLL: Duration = Duration::from_secs(2);

/// Starts the projector task; it ends when `shutdown` is cancelled.
pub fn spawn_projector<G, V>(
    knowledge: Arc<Knowledge<G, V>>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()>
where
    G: GraphStore + 'static,
    V: VectorStore + 'static,
{
    tokio::spawn(async move {
        loop {
            let round = tokio::select! {
                () = shutdown.cancelled() => break,
                round = knowledge.project_pending() => round,
            };
            match round {
                Ok(done) if done >= BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "vector projection failed; will retry"),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = knowledge.projector.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    })
}

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// One round: projects up to a batch of due work; returns how many blocks it handled.
    pub async fn project_pending(&self) -> Result<usize, KnowledgeError> {
        let pending = self.graph.pending_vectors(BATCH).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let handled = pending.len();
        let ids: Vec<Uuid> = pending.iter().map(|p| p.block_id).collect();
        match self.project(&pending).await {
            Ok(()) => {
                let done: Vec<(Uuid, i64)> =
                    pending.iter().map(|p| (p.block_id, p.version)).collect();
                self.graph.vectors_done(&done).await?;
                metrics::counter!("knowledge_vectors_projected_total").increment(handled as u64);
                Ok(handled)
            }
            Err(error) => {
                metrics::counter!("knowledge_vector_projection_failures_total").increment(1);
                self.graph.vectors_failed(&ids, &error.to_string()).await?;
                Err(error)
            }
        }
    }

    /// Projects until nothing is due (tests, reindexing and shutdown drains use it).
    pub async fn project_all(&self) -> Result<usize, KnowledgeError> {
        let mut total = 0;
        loop {
            let handled = self.project_pending().await?;
            total += handled;
            if handled == 0 {
                return Ok(total);
            }
        }
    }

    async fn project(&self, pending: &[PendingVector]) -> Result<(), KnowledgeError> {
        self.model().await?;
        let (live, gone): (Vec<&PendingVector>, Vec<&PendingVector>) =
            pending.iter().partition(|p| p.text.is_some());
        if !gone.is_empty() {
            let ids: Vec<Uuid> = gone.iter().map(|p| p.block_id).collect();
            self.vectors.delete(BLOCKS, &ids).await?;
        }
        let ids: Vec<Uuid> = live.iter().map(|p| p.block_id).collect();
        let stored: HashMap<Uuid, StoredPoint> = self
            .vectors
            .get(BLOCKS, &ids)
            .await?
            .into_iter()
            .map(|point| (point.id, point))
            .collect();
        let stale: Vec<(&PendingVector, String)> = live
            .into_iter()
            .filter_map(|p| {
                let hash = text_hash(p.text.as_deref()?);
                let fresh = stored.get(&p.block_id).is_some_and(|s| {
                    s.payload.get("text_hash").and_then(Value::as_str) == Some(hash.as_str())
                        && s.user_id == p.user_id
                        && s.visibility == p.visibility
                });
                (!fresh).then_some((p, hash))
            })
            .collect();
        if stale.is_empty() {
            return Ok(());
        }
        let texts: Vec<String> = stale
            .iter()
            .map(|(p, _)| p.text.clone().unwrap_or_default())
            .collect();
        let vectors = self.embedder.embed(&texts).await?;
        let points = stale
            .into_iter()
            .zip(vectors)
            .map(|((p, hash), vector)| {
                let mut payload = Map::new();
                payload.insert("block_id".into(), p.block_id.to_string().into());
                payload.insert("text_hash".into(), hash.into());
                VectorPoint {
                    id: p.block_id,
                    vector,
                    user_id: p.user_id.clone(),
                    visibility: p.visibility,
                    payload,
                }
            })
            .collect();
        self.vectors.upsert(BLOCKS, points).await?;
        Ok(())
    }
}
