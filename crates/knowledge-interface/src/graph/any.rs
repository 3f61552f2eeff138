//! The graph store the service runs with, chosen by `KNOWLEDGE_GRAPH_BACKEND`: one enum over
//! the adapters that forwards every call, so the rest of the service is not generic.

use uuid::Uuid;

use super::memgraph::MemgraphStore;
use super::model::Node;
use super::plan::{GraphState, InitMarker, StateQuery, WritePlan};
use super::postgres::PgGraphStore;
use super::reads::{
    BlockRoot, EntityPage, NameMatch, NameQuery, Neighbor, PageRequest, PendingVector, Rejected,
    TextMatch, TreeBlock, UniverseSummary,
};
use super::{GraphStore, StoreError, WriteOutcome};
use crate::access::Viewer;
use crate::delta::Refusal;

/// One of the graph store adapters.
#[derive(Debug, Clone)]
pub enum AnyGraphStore {
    /// PostgreSQL tables (the default).
    Postgres(PgGraphStore),
    /// A Memgraph server over Bolt.
    Memgraph(MemgraphStore),
}

/// Forwards a call to whichever adapter is inside.
macro_rules! forward {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyGraphStore::Postgres($store) => $call,
            AnyGraphStore::Memgraph($store) => $call,
        }
    };
}

impl GraphStore for AnyGraphStore {
    async fn write<F>(&self, query: &StateQuery, check: F) -> Result<WriteOutcome, StoreError>
    where
        F: FnOnce(&GraphState) -> Result<WritePlan, Refusal> + Send + 'static,
    {
        forward!(self, store => store.write(query, check).await)
    }

    async fn nodes(&self, viewer: &Viewer, ids: &[Uuid]) -> Result<Vec<Node>, StoreError> {
        forward!(self, store => store.nodes(viewer, ids).await)
    }

    async fn block_tree(
        &self,
        viewer: &Viewer,
        owner_id: Uuid,
        max_level: u32,
        limit: usize,
    ) -> Result<Vec<TreeBlock>, StoreError> {
        forward!(self, store => store.block_tree(viewer, owner_id, max_level, limit).await)
    }

    async fn neighbors(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
        history: bool,
        limit: usize,
    ) -> Result<Vec<Neighbor>, StoreError> {
        forward!(self, store => store.neighbors(viewer, ids, history, limit).await)
    }

    async fn root_texts(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        forward!(self, store => store.root_texts(viewer, ids).await)
    }

    async fn block_roots(&self, blocks: &[Uuid]) -> Result<Vec<BlockRoot>, StoreError> {
        forward!(self, store => store.block_roots(blocks).await)
    }

    async fn blocks_and_roots(
        &self,
        viewer: &Viewer,
        blocks: &[Uuid],
    ) -> Result<(Vec<BlockRoot>, Vec<Node>), StoreError> {
        forward!(self, store => store.blocks_and_roots(viewer, blocks).await)
    }

    async fn match_names(
        &self,
        viewer: &Viewer,
        query: &NameQuery,
    ) -> Result<Vec<NameMatch>, StoreError> {
        forward!(self, store => store.match_names(viewer, query).await)
    }

    async fn match_texts(
        &self,
        viewer: &Viewer,
        query: &str,
        limit: usize,
    ) -> Result<Vec<TextMatch>, StoreError> {
        forward!(self, store => store.match_texts(viewer, query, limit).await)
    }

    async fn list_entities(
        &self,
        viewer: &Viewer,
        request: &PageRequest,
    ) -> Result<EntityPage, StoreError> {
        forward!(self, store => store.list_entities(viewer, request).await)
    }

    async fn universes(&self, viewer: &Viewer) -> Result<Vec<UniverseSummary>, StoreError> {
        forward!(self, store => store.universes(viewer).await)
    }

    async fn init_marker(&self, user_id: &str) -> Result<Option<InitMarker>, StoreError> {
        forward!(self, store => store.init_marker(user_id).await)
    }

    async fn pending_vectors(&self, limit: usize) -> Result<Vec<PendingVector>, StoreError> {
        forward!(self, store => store.pending_vectors(limit).await)
    }

    async fn vectors_done(&self, done: &[(Uuid, i64)]) -> Result<(), StoreError> {
        forward!(self, store => store.vectors_done(done).await)
    }

    async fn vectors_failed(&self, blocks: &[Uuid], error: &str) -> Result<(), StoreError> {
        forward!(self, store => store.vectors_failed(blocks, error).await)
    }

    async fn vectors_rejected(
        &self,
        rejected: &[Rejected],
        park_after: u32,
    ) -> Result<Vec<Uuid>, StoreError> {
        forward!(self, store => store.vectors_rejected(rejected, park_after).await)
    }

    async fn queue_vectors(
        &self,
        user_id: Option<&str>,
        blocks: Option<&[Uuid]>,
        unpark: bool,
    ) -> Result<u64, StoreError> {
        forward!(self, store => store.queue_vectors(user_id, blocks, unpark).await)
    }

    async fn scan_blocks(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<PendingVector>, StoreError> {
        forward!(self, store => store.scan_blocks(after, limit).await)
    }

    async fn existing_blocks(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        forward!(self, store => store.existing_blocks(ids).await)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        forward!(self, store => store.ping().await)
    }
}
