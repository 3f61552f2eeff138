//! What a write needs from the store and what it hands back: the state around a delta
//! ([`StateQuery`] → [`GraphState`]) and the checked changes to apply in one transaction
//! ([`WritePlan`]).

use std::collections::HashMap;

use uuid::Uuid;

use super::StoreError;
use super::model::{Edge, Node, Provenance};
use crate::delta::Refusal;

/// Which stored records a delta's check needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateQuery {
    /// Nodes by id (delta nodes, edge endpoints, universes referenced).
    pub node_ids: Vec<Uuid>,
    /// Structural edges (IS_PART_OF, DESCRIBED_BY, SUMMARIZES) touching these nodes.
    pub structure_of: Vec<Uuid>,
    /// Current edges of `owner` for these (from, label, to) triples.
    pub triples: Vec<(Uuid, String, Uuid)>,
    /// Owner of the triples.
    pub owner: String,
    /// Blocks whose chain of parent edges up to the root is needed (cycle checks).
    pub ancestry_of: Vec<Uuid>,
    /// Ids to serialise writers on (the delta's nodes and edge endpoints, not the shared
    /// Real World universe every entity defaults to).
    pub lock_ids: Vec<Uuid>,
    /// The part of `lock_ids` the delta only reads: the far ends of its relations (their
    /// type and visibility are checked, nothing of them is written but their degree, which
    /// is incremented in place). A store may lock these in shared mode, so writers linking
    /// to the same entity do not wait for each other; any writer of the node itself still
    /// excludes them.
    pub shared_lock_ids: Vec<Uuid>,
}

/// Stored records around a delta. Edges are current ones only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphState {
    /// Existing nodes by id, whoever owns them.
    pub nodes: HashMap<Uuid, Node>,
    /// Current edges (deduplicated by id).
    pub edges: Vec<Edge>,
}

/// How many records a write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    /// Universes created or updated.
    pub universes: u32,
    /// Entities created or updated.
    pub entities: u32,
    /// Blocks created or updated.
    pub blocks: u32,
    /// Edges created (including new versions of changed edges).
    pub edges: u32,
    /// Edges superseded (kept as history).
    pub superseded: u32,
}

/// Marks a user's starter graph as created; written with the graph it marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitMarker {
    /// The user.
    pub user_id: String,
    /// Their person entity.
    pub person_entity_id: Uuid,
    /// Their assistant entity.
    pub assistant_entity_id: Uuid,
}

/// A stored record whose facts stay as they are and whose provenance a newer write replaces
/// (not counted as a change; the record's `updated_at` stays).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceUpdate {
    /// The node, or the edge's claim id.
    pub id: Uuid,
    /// Its provenance from now on.
    pub source: Provenance,
}

/// Checked changes, applied atomically by a store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WritePlan {
    /// Nodes to insert or update (only those that change).
    pub nodes: Vec<Node>,
    /// Edges to insert.
    pub new_edges: Vec<Edge>,
    /// Unchanged nodes whose provenance is replaced.
    pub node_sources: Vec<SourceUpdate>,
    /// Unchanged current edges whose provenance is replaced.
    pub edge_sources: Vec<SourceUpdate>,
    /// Current edges to supersede: (old edge, the edge that replaces it, if any).
    pub superseded: Vec<(Uuid, Option<Uuid>)>,
    /// Blocks whose vectors must be (re)computed after commit.
    pub vector_work: Vec<Uuid>,
    /// The init marker to record, if this write creates a starter graph.
    pub marker: Option<InitMarker>,
    /// Where the changes come from.
    pub source: Provenance,
    /// What changed.
    pub counts: ChangeCounts,
}

impl WritePlan {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.new_edges.is_empty()
            && self.node_sources.is_empty()
            && self.edge_sources.is_empty()
            && self.superseded.is_empty()
            && self.marker.is_none()
    }
}

/// Runs a delta's check on a blocking thread (it is CPU work that grows with the delta, and
/// must not hold up the async runtime), handing the state back with the outcome. A check
/// that panics panics the caller, as it would inline.
pub async fn run_check<F>(
    check: F,
    state: GraphState,
) -> Result<(GraphState, Result<WritePlan, Refusal>), StoreError>
where
    F: FnOnce(&GraphState) -> Result<WritePlan, Refusal> + Send + 'static,
{
    let checked = tokio::task::spawn_blocking(move || {
        let outcome = check(&state);
        (state, outcome)
    })
    .await;
    match checked {
        Ok(checked) => Ok(checked),
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => Err(StoreError::Backend(format!("delta check stopped: {error}"))),
    }
}
