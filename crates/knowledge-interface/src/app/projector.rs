//! Keeps block vectors in step with the graph: drains the vector outbox the graph store
//! fills in the same transaction as each change, embeds in batches, upserts or deletes
//! points, and marks the work done (or failed, to be retried with backoff). Text that is
//! already stored with the same hash, owner and visibility is not embedded again. A batch
//! the provider or the vector store refuses is split down to the block, so one block that can
//! never be embedded costs only itself: it is parked, with its reason, once it has failed on
//! its own often enough, and leaves the parking when its text changes or it is reindexed. An
//! outage (a dependency unavailable) fails the round as a whole and parks nothing. Runs as
//! one background task woken after each write and every few seconds; it stops on shutdown,
//! abandoning a round in flight (its work stays queued).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use exobrain_common::shutdown::CancellationToken;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Knowledge;
use crate::embedding::text_hash;
use crate::graph::GraphStore;
use crate::graph::reads::{PendingVector, Rejected};
use crate::grpc::error::KnowledgeError;
use crate::metrics::ProjectorLag;
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
        let mut lag = ProjectorLag::new(Instant::now());
        loop {
            let round = tokio::select! {
                () = shutdown.cancelled() => break,
                round = knowledge.project_pending() => round,
            };
            lag.observe(round.as_ref().ok().copied(), Instant::now());
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
    /// One round: projects up to a batch of due work; returns how many blocks it handled. A
    /// batch that fails is split down to the item, so one block that cannot be embedded does
    /// not hold back the others: it is retried with backoff and parked after failing on its
    /// own [`Limits::vector_park_after`](crate::limits::Limits) times.
    pub async fn project_pending(&self) -> Result<usize, KnowledgeError> {
        let pending = self.graph.pending_vectors(BATCH).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let settled = match self.model().await {
            Ok(_) => self.settle(&pending).await,
            Err(error) => Err((Vec::new(), error)),
        };
        match settled {
            Ok(settled) if settled.done.is_empty() && pending.len() > 1 => {
                // Every block failed on its own: the fault is not theirs (a provider that
                // refuses everything), so none of them counts towards parking.
                let error = settled.rejected.into_iter().next().map_or_else(
                    || KnowledgeError::Internal("nothing settled".into()),
                    |r| r.1,
                );
                self.round_failed(&pending, &[], &error).await?;
                Err(error)
            }
            Ok(settled) => {
                self.settled(&settled).await?;
                Ok(pending.len())
            }
            Err((done, error)) => {
                self.round_failed(&pending, &done, &error).await?;
                Err(error)
            }
        }
    }

    /// Projects `pending`, halving what fails until single blocks fail alone. Stops at an
    /// error that is not about the blocks (an outage), returning what was done before it.
    async fn settle<'p>(
        &self,
        pending: &'p [PendingVector],
    ) -> Result<Settled<'p>, (Vec<&'p PendingVector>, KnowledgeError)> {
        let mut settled = Settled::default();
        let mut parts = vec![pending];
        while let Some(part) = parts.pop() {
            match self.project(part).await {
                Ok(()) => settled.done.extend(part),
                Err(error) if !about_the_input(&error) => return Err((settled.done, error)),
                Err(error) => match part {
                    [one] => settled.rejected.push((one, error)),
                    _ => {
                        let (first, second) = part.split_at(part.len() / 2);
                        parts.push(second);
                        parts.push(first);
                    }
                },
            }
        }
        Ok(settled)
    }

    /// Records a round that split: done work, and blocks that failed alone (parking some).
    async fn settled(&self, settled: &Settled<'_>) -> Result<(), KnowledgeError> {
        let done: Vec<(Uuid, i64)> = settled
            .done
            .iter()
            .map(|p| (p.block_id, p.version))
            .collect();
        self.graph.vectors_done(&done).await?;
        metrics::counter!("knowledge_vectors_projected_total").increment(done.len() as u64);
        if settled.rejected.is_empty() {
            return Ok(());
        }
        metrics::counter!("knowledge_vector_projection_failures_total")
            .increment(settled.rejected.len() as u64);
        let rejected: Vec<Rejected> = settled
            .rejected
            .iter()
            .map(|(p, error)| Rejected {
                block_id: p.block_id,
                version: p.version,
                error: error.to_string(),
            })
            .collect();
        let parked = self
            .graph
            .vectors_rejected(&rejected, self.limits.vector_park_after)
            .await?;
        metrics::counter!("knowledge_vectors_parked_total").increment(parked.len() as u64);
        for rejected in rejected.iter().filter(|r| parked.contains(&r.block_id)) {
            tracing::warn!(block_id = %rejected.block_id, reason = %rejected.error, "block vector parked: it keeps failing on its own");
        }
        Ok(())
    }

    /// Records a round that failed as a whole: what was done stays done, the rest is retried
    /// after a backoff.
    async fn round_failed(
        &self,
        pending: &[PendingVector],
        done: &[&PendingVector],
        error: &KnowledgeError,
    ) -> Result<(), KnowledgeError> {
        metrics::counter!("knowledge_vector_projection_failures_total").increment(1);
        let finished: Vec<(Uuid, i64)> = done.iter().map(|p| (p.block_id, p.version)).collect();
        if !finished.is_empty() {
            self.graph.vectors_done(&finished).await?;
            metrics::counter!("knowledge_vectors_projected_total").increment(finished.len() as u64);
        }
        let finished: HashSet<Uuid> = finished.into_iter().map(|(id, _)| id).collect();
        let left: Vec<Uuid> = pending
            .iter()
            .map(|p| p.block_id)
            .filter(|id| !finished.contains(id))
            .collect();
        self.graph.vectors_failed(&left, &error.to_string()).await?;
        Ok(())
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

/// What a round made of its batch.
#[derive(Default)]
struct Settled<'p> {
    /// Projected.
    done: Vec<&'p PendingVector>,
    /// Failed alone, each with its error.
    rejected: Vec<(&'p PendingVector, KnowledgeError)>,
}

/// Whether a failure may be about the texts or points sent (the provider or the vector store
/// refused them) rather than about a dependency being down, which splitting cannot help.
fn about_the_input(error: &KnowledgeError) -> bool {
    matches!(
        error,
        KnowledgeError::Internal(_) | KnowledgeError::Invalid(_)
    )
}
