//! Repairs and rebuilds of the block vectors: reconciliation (queue blocks whose vector is
//! missing or stale, delete points of blocks that no longer exist, each point checked against
//! the graph after it was read, so a block written during the pass keeps its vector),
//! reindexing one user (stale only, or everything with `force`) and reindexing all
//! (collections rebuilt for the configured model). The projector does the embedding; parked
//! work is queued again by a reindex, never by reconciliation.

use std::collections::HashSet;

use serde_json::Value;
use uuid::Uuid;

use super::Knowledge;
use crate::access::Viewer;
use crate::embedding::text_hash;
use crate::graph::GraphStore;
use crate::graph::reads::PendingVector;
use crate::grpc::error::KnowledgeError;
use crate::vectors::{BLOCKS, VectorStore};

/// Page size of scans.
const PAGE: usize = 512;

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// Queues every block whose vector is missing or stale and deletes orphan points;
    /// returns (queued, deleted).
    pub async fn reconcile(&self) -> Result<(u64, u64), KnowledgeError> {
        self.model().await?;
        let mut stale = Vec::new();
        self.scan(|page| page, &mut stale).await?;
        let queued = self.queue(&stale, false).await?;
        let deleted = self.delete_orphans().await?;
        if queued + deleted > 0 {
            tracing::info!(queued, deleted, "block vectors reconciled");
        }
        Ok((queued, deleted))
    }

    /// Deletes the points whose block does not exist. Each page of points is checked against
    /// the graph after it was read, not against an earlier scan: a block written meanwhile
    /// existed before its point did, so its point is never taken for an orphan.
    async fn delete_orphans(&self) -> Result<u64, KnowledgeError> {
        let mut deleted = 0;
        let mut after = None;
        loop {
            let points = self.vectors.scroll(BLOCKS, after, PAGE).await?;
            let Some(last) = points.last() else { break };
            after = Some(last.id);
            let ids: Vec<Uuid> = points.iter().map(|p| p.id).collect();
            let existing: HashSet<Uuid> = self
                .graph
                .existing_blocks(&ids)
                .await?
                .into_iter()
                .collect();
            let orphans: Vec<Uuid> = ids
                .into_iter()
                .filter(|id| !existing.contains(id))
                .collect();
            if !orphans.is_empty() {
                self.vectors.delete(BLOCKS, &orphans).await?;
                deleted += orphans.len() as u64;
            }
        }
        Ok(deleted)
    }

    /// Re-embeds `user`'s blocks: those missing or stale, or all of them with `force`.
    pub async fn reindex_user(&self, user: &Viewer, force: bool) -> Result<u64, KnowledgeError> {
        self.model().await?;
        let mut stale = Vec::new();
        let owner = user.user_id().to_owned();
        let mut all = Vec::new();
        self.scan(
            |page| {
                let mine: Vec<PendingVector> =
                    page.into_iter().filter(|b| b.user_id == owner).collect();
                all.extend(mine.iter().map(|b| b.block_id));
                mine
            },
            &mut stale,
        )
        .await?;
        if force {
            self.vectors.delete(BLOCKS, &all).await?;
            return self.queue(&all, true).await;
        }
        self.queue(&stale, true).await
    }

    /// Rebuilds the block collection for the configured model and queues every block.
    pub async fn reindex_all(&self) -> Result<u64, KnowledgeError> {
        let model = self.model().await?;
        self.vectors
            .recreate_collection(&self.spec(BLOCKS, model))
            .await?;
        let queued = self.graph.queue_vectors(None, None, true).await?;
        self.projector.notify_one();
        Ok(queued)
    }

    /// Pages through every block, keeps what `select` returns, and collects into `stale` the
    /// kept blocks whose stored point is missing or differs.
    async fn scan<F>(&self, mut select: F, stale: &mut Vec<Uuid>) -> Result<(), KnowledgeError>
    where
        F: FnMut(Vec<PendingVector>) -> Vec<PendingVector>,
    {
        let mut after = None;
        loop {
            let page = self.graph.scan_blocks(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.block_id);
            let kept = select(page);
            let ids: Vec<Uuid> = kept.iter().map(|b| b.block_id).collect();
            let stored = self.vectors.get(BLOCKS, &ids).await?;
            for block in kept {
                let hash = block.text.as_deref().map(text_hash);
                let fresh = stored.iter().any(|point| {
                    point.id == block.block_id
                        && point.payload.get("text_hash").and_then(Value::as_str) == hash.as_deref()
                        && point.user_id == block.user_id
                        && point.visibility == block.visibility
                });
                if !fresh {
                    stale.push(block.block_id);
                }
            }
        }
        Ok(())
    }

    /// Queues `blocks` for the projector; parked ones too with `unpark` (a reindex asked for
    /// them), not when reconciling (a parked block has no vector on purpose).
    async fn queue(&self, blocks: &[Uuid], unpark: bool) -> Result<u64, KnowledgeError> {
        if blocks.is_empty() {
            return Ok(0);
        }
        let queued = self.graph.queue_vectors(None, Some(blocks), unpark).await?;
        self.projector.notify_one();
        Ok(queued)
    }
}
