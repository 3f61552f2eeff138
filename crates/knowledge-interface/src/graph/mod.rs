//! The graph store port: universes, entities and blocks with typed edges, written one delta
//! per transaction and read with visibility applied (a caller sees its own records and
//! SHARED ones). Adapters: [`postgres`] (the default) and [`memgraph`]; both pass the
//! contract suite in `tests/it/graph_contract/`. The rules deciding *what* to write live in
//! [`crate::delta`]; a store only loads state, applies a checked plan atomically and answers
//! reads.

pub mod model;
pub mod plan;
pub mod provenance;
pub mod reads;
pub mod trigrams;
pub mod value;

pub mod any;
pub mod memgraph;
pub mod postgres;

use std::collections::HashSet;
use std::future::Future;

use uuid::Uuid;

use crate::access::Viewer;
use crate::delta::Refusal;
use model::Node;
use plan::{ChangeCounts, GraphState, InitMarker, StateQuery, WritePlan};
use reads::{
    BlockRoot, EntityPage, NameMatch, NameQuery, Neighbor, PageRequest, PendingVector, Rejected,
    TextMatch, TreeBlock, UniverseSummary,
};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store failed.
    #[error("graph store: {0}")]
    Backend(String),
    /// The store could not be reached or went away (a restart); the call may be retried.
    #[error("graph store unavailable: {0}")]
    Unavailable(String),
    /// Two writers collided; the operation may be retried.
    #[error("graph store conflict: {0}")]
    Conflict(String),
}

/// A committed write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// What changed.
    pub counts: ChangeCounts,
    /// Blocks queued for vector work.
    pub vector_work: Vec<Uuid>,
}

/// The outcome of a write: applied, or refused by the check run against the locked state.
pub type WriteOutcome = Result<Applied, Refusal>;

/// A graph store adapter.
pub trait GraphStore: Send + Sync {
    /// In one transaction: serialises against other writers touching `query.node_ids`,
    /// reloads the state, lets `check` turn it into a plan (on a blocking thread, through
    /// [`plan::run_check`]), and applies the plan (nodes, edges, supersessions, vector work,
    /// marker). A refusal writes nothing.
    fn write<F>(
        &self,
        query: &StateQuery,
        check: F,
    ) -> impl Future<Output = Result<WriteOutcome, StoreError>> + Send
    where
        F: FnOnce(&GraphState) -> Result<WritePlan, Refusal> + Send + 'static;

    /// Nodes by id that `viewer` may see (missing or invisible ids are left out).
    fn nodes(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<Node>, StoreError>> + Send;

    /// The block tree under an entity's (or universe's) root block, down to `max_level`
    /// (root = 0), visible blocks only, ordered by level then id; at most `limit` blocks,
    /// the shallowest ones (a wide tree costs no more than `limit` blocks to read).
    fn block_tree(
        &self,
        viewer: &Viewer,
        owner_id: Uuid,
        max_level: u32,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TreeBlock>, StoreError>> + Send;

    /// Edges between `ids` and visible entities, in both directions, without the structural
    /// ones (DESCRIBED_BY, SUMMARIZES, IS_PART_OF); current facts only unless `history`. At
    /// most `limit` edges are read (current ones first); which ones, when there are more, is
    /// up to the store.
    fn neighbors(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
        history: bool,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Neighbor>, StoreError>> + Send;

    /// The text of each node's visible root block.
    fn root_texts(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<(Uuid, String)>, StoreError>> + Send;

    /// For each block, the entity or universe whose tree it is in and its level.
    fn block_roots(
        &self,
        blocks: &[Uuid],
    ) -> impl Future<Output = Result<Vec<BlockRoot>, StoreError>> + Send;

    /// For the blocks among `blocks` that `viewer` may see: where each sits (as
    /// [`GraphStore::block_roots`]), and the visible rows among those blocks and the entities
    /// or universes heading their trees. One round trip where the adapter can.
    fn blocks_and_roots(
        &self,
        viewer: &Viewer,
        blocks: &[Uuid],
    ) -> impl Future<Output = Result<(Vec<BlockRoot>, Vec<Node>), StoreError>> + Send {
        async move {
            let roots = self.block_roots(blocks).await?;
            let mut ids = blocks.to_vec();
            ids.extend(roots.iter().map(|root| root.root_id));
            ids.sort_unstable();
            ids.dedup();
            let rows = self.nodes(viewer, &ids).await?;
            let visible: HashSet<Uuid> = rows.iter().map(|row| row.id).collect();
            let roots = roots
                .into_iter()
                .filter(|root| visible.contains(&root.block_id))
                .collect();
            Ok((roots, rows))
        }
    }

    /// Visible entities whose name or an alias matches a query (exact, whole words,
    /// containment, or fuzzy), best first.
    fn match_names(
        &self,
        viewer: &Viewer,
        query: &NameQuery,
    ) -> impl Future<Output = Result<Vec<NameMatch>, StoreError>> + Send;

    /// Visible blocks whose text matches words of `query`, best first.
    fn match_texts(
        &self,
        viewer: &Viewer,
        query: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TextMatch>, StoreError>> + Send;

    /// One page of visible entities of the given types, most relevant first.
    fn list_entities(
        &self,
        viewer: &Viewer,
        request: &PageRequest,
    ) -> impl Future<Output = Result<EntityPage, StoreError>> + Send;

    /// Visible universes with the text of their root block.
    fn universes(
        &self,
        viewer: &Viewer,
    ) -> impl Future<Output = Result<Vec<UniverseSummary>, StoreError>> + Send;

    /// A user's starter-graph marker.
    fn init_marker(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Option<InitMarker>, StoreError>> + Send;

    /// Blocks waiting for their vectors, oldest first, skipping ones in backoff.
    fn pending_vectors(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<PendingVector>, StoreError>> + Send;

    /// Marks vector work done, for the versions that were read (newer work stays queued).
    fn vectors_done(
        &self,
        done: &[(Uuid, i64)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a failed attempt; the work is retried after a growing backoff.
    fn vectors_failed(
        &self,
        blocks: &[Uuid],
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records blocks that failed on their own while others succeeded, each with its error,
    /// for the versions that were read: retried after a growing backoff like any failure,
    /// and parked (no longer due, the error kept) once a block has failed on its own
    /// `park_after` times. Returns the blocks parked now.
    fn vectors_rejected(
        &self,
        rejected: &[Rejected],
        park_after: u32,
    ) -> impl Future<Output = Result<Vec<Uuid>, StoreError>> + Send;

    /// Queues vector work for blocks (reindexing); `user_id` None means every user. Parked
    /// work is queued again only with `unpark` (reconciliation leaves it parked).
    fn queue_vectors(
        &self,
        user_id: Option<&str>,
        blocks: Option<&[Uuid]>,
        unpark: bool,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// One page of all block ids in id order after `after`, with their text hash and owner
    /// (for reconciliation).
    fn scan_blocks(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<PendingVector>, StoreError>> + Send;

    /// The ids among `ids` that are stored blocks (for reconciliation: a point whose block
    /// is not among them is an orphan).
    fn existing_blocks(
        &self,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<Uuid>, StoreError>> + Send;

    /// Whether the store answers.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}
