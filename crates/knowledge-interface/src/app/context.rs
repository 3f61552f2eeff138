//! `GetEntityContext`: an entity with its block tree (to a bounded depth), the edges of its
//! blocks and of itself to other visible entities (current facts, or with history), and the
//! root-block text of each entity it links to. A missing or invisible entity is NOT_FOUND.
//! The request is always valid, so the lists are bounded rather than refused: at most
//! `KNOWLEDGE_CONTEXT_MAX_BLOCKS` blocks (the shallowest) and `KNOWLEDGE_CONTEXT_MAX_NEIGHBORS`
//! edges for the entity and again for its blocks, so a hub costs a bounded read.

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

use super::Knowledge;
use crate::access::Viewer;
use crate::graph::GraphStore;
use crate::graph::model::{Node, NodeKind};
use crate::graph::reads::{Neighbor, TreeBlock};
use crate::grpc::error::KnowledgeError;
use crate::vectors::VectorStore;

/// Deepest block level returned.
pub const MAX_BLOCK_LEVEL: u32 = 32;

/// Everything `GetEntityContext` returns.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityContext {
    /// The entity.
    pub entity: Node,
    /// Its blocks, by level then id.
    pub blocks: Vec<TreeBlock>,
    /// Edges of its blocks to entities.
    pub block_neighbors: Vec<Neighbor>,
    /// Its own edges to entities.
    pub neighbors: Vec<Neighbor>,
    /// Root-block text of each linked entity.
    pub descriptions: HashMap<Uuid, String>,
}

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// The context of `entity_id` as `viewer` may see it.
    pub async fn entity_context(
        &self,
        viewer: &Viewer,
        entity_id: Uuid,
        max_block_level: u32,
        history: bool,
    ) -> Result<EntityContext, KnowledgeError> {
        let entity = self
            .graph
            .nodes(viewer, &[entity_id])
            .await?
            .into_iter()
            .find(|n| n.kind == NodeKind::Entity)
            .ok_or_else(|| {
                KnowledgeError::NotFound(format!("entity {entity_id} not found or inaccessible"))
            })?;
        let blocks = self
            .graph
            .block_tree(
                viewer,
                entity_id,
                max_block_level.min(MAX_BLOCK_LEVEL),
                self.limits.context_blocks,
            )
            .await?;
        let block_ids: Vec<Uuid> = blocks.iter().map(|b| b.node.id).collect();
        let limit = self.limits.context_neighbors;
        let now = Utc::now();
        let current = |n: &Neighbor| history || n.edge.holds_at(now);
        let mut block_neighbors: Vec<Neighbor> = if block_ids.is_empty() {
            Vec::new()
        } else {
            self.graph
                .neighbors(viewer, &block_ids, history, limit)
                .await?
        };
        block_neighbors.retain(current);
        let mut neighbors = self
            .graph
            .neighbors(viewer, &[entity_id], history, limit)
            .await?;
        neighbors.retain(|n| current(n) && n.other.id != entity_id);
        for list in [&mut block_neighbors, &mut neighbors] {
            list.sort_by(|a, b| {
                (a.direction, &a.edge.label, a.other.id, a.edge.created_at).cmp(&(
                    b.direction,
                    &b.edge.label,
                    b.other.id,
                    b.edge.created_at,
                ))
            });
        }
        let mut others: Vec<Uuid> = block_neighbors
            .iter()
            .chain(&neighbors)
            .map(|n| n.other.id)
            .collect();
        others.sort_unstable();
        others.dedup();
        let descriptions = self
            .graph
            .root_texts(viewer, &others)
            .await?
            .into_iter()
            .collect();
        Ok(EntityContext {
            entity,
            blocks,
            block_neighbors,
            neighbors,
            descriptions,
        })
    }
}
