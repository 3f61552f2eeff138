//! `SearchBlocks`: the caller's visible blocks ranked for a free-text query by meaning
//! (cosine against block vectors) and by words (full-text rank), combined as
//! 0.7 × semantic + 0.3 × lexical, each hit with the entity or universe whose tree holds it.
//! Without an embedding model the search still answers from words alone.

use std::collections::HashMap;

use uuid::Uuid;

use super::Knowledge;
use crate::access::Viewer;
use crate::graph::GraphStore;
use crate::graph::model::Node;
use crate::grpc::error::KnowledgeError;
use crate::vectors::{BLOCKS, VectorStore};

const SEMANTIC_WEIGHT: f64 = 0.7;
const LEXICAL_WEIGHT: f64 = 0.3;
const OVERFETCH: usize = 4;

/// One block found.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockHit {
    /// The block.
    pub block: Node,
    /// Combined score.
    pub score: f64,
    /// Cosine part.
    pub semantic: f64,
    /// Word part.
    pub lexical: f64,
    /// The entity or universe heading its tree, if visible.
    pub root: Option<Node>,
    /// Depth below the root block.
    pub level: u32,
}

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// Blocks matching `query`, optionally only under `entity_id`.
    pub async fn search_blocks(
        &self,
        viewer: &Viewer,
        query: &str,
        limit: usize,
        entity_id: Option<Uuid>,
    ) -> Result<Vec<BlockHit>, KnowledgeError> {
        let fetch = limit * OVERFETCH * if entity_id.is_some() { 4 } else { 1 };
        // Meaning and words are looked up at the same time, and the vector index catches up
        // while the query is embedded.
        let vector = async {
            self.embed_one(query)
                .await
                .inspect_err(
                    |error| tracing::warn!(%error, "query not embedded; searching by words only"),
                )
                .ok()
        };
        let semantic = self
            .vectors
            .nearest_to_pending(BLOCKS, vector, Some(viewer), fetch);
        let (semantic, lexical) =
            tokio::join!(semantic, self.graph.match_texts(viewer, query, fetch));
        let mut scores: HashMap<Uuid, (f64, f64)> = HashMap::new();
        for (id, score) in semantic? {
            scores.entry(id).or_default().0 = f64::from(score).max(0.0);
        }
        for found in lexical? {
            scores.entry(found.block_id).or_default().1 = found.score;
        }
        let ids: Vec<Uuid> = scores.keys().copied().collect();
        let (roots, rows) = self.graph.blocks_and_roots(viewer, &ids).await?;
        let nodes: HashMap<Uuid, Node> = rows.into_iter().map(|n| (n.id, n)).collect();
        let mut hits: Vec<BlockHit> = scores
            .into_iter()
            .filter_map(|(id, (semantic, lexical))| {
                let block = nodes.get(&id)?.clone();
                let place = roots.iter().find(|r| r.block_id == id);
                let root = place.and_then(|r| nodes.get(&r.root_id)).cloned();
                if entity_id.is_some() && place.map(|r| r.root_id) != entity_id {
                    return None;
                }
                Some(BlockHit {
                    block,
                    score: SEMANTIC_WEIGHT * semantic + LEXICAL_WEIGHT * lexical,
                    semantic,
                    lexical,
                    root,
                    level: place.map_or(0, |r| r.level),
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.block.id.cmp(&b.block.id))
        });
        hits.truncate(limit);
        Ok(hits)
    }
}
