//! The PostgreSQL graph store, the default adapter: nodes, edges and entity names in tables
//! of the service's database (migration `0003_graph.sql`), block trees walked with recursive
//! queries, names matched with a word index and fuzzily from memory, every delta written in one
//! transaction that also queues its vector work.

mod locks;
mod names;
mod outbox;
mod read;
mod rows;
mod search;
mod state;
mod write;

use std::sync::Arc;

use sqlx::PgPool;
use uuid::Uuid;

use super::model::Node;
use super::plan::{GraphState, InitMarker, StateQuery, WritePlan};
use super::reads::{
    BlockRoot, EntityPage, NameMatch, NameQuery, Neighbor, PageRequest, PendingVector, Rejected,
    TextMatch, TreeBlock, UniverseSummary,
};
use super::{GraphStore, StoreError, WriteOutcome};
use crate::access::Viewer;
use crate::delta::Refusal;

/// The PostgreSQL graph store.
#[derive(Debug, Clone)]
pub struct PgGraphStore {
    pool: PgPool,
    /// Entity names in memory for fuzzy matching, shared by the store's clones.
    names: Arc<names::NameCache>,
}

impl PgGraphStore {
    /// A store over a migrated database.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            names: Arc::default(),
        }
    }
}

/// Translates a driver error: lock conflicts and a database that is away (restarting,
/// unreachable) may be retried, everything else is a fault.
pub(crate) fn backend(error: sqlx::Error) -> StoreError {
    let code = error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    match code.as_deref() {
        Some("40001" | "40P01" | "23505") => StoreError::Conflict(error.to_string()),
        _ if exobrain_common::db::is_unavailable(&error) => {
            StoreError::Unavailable(error.to_string())
        }
        _ => StoreError::Backend(error.to_string()),
    }
}

impl GraphStore for PgGraphStore {
    async fn write<F>(&self, query: &StateQuery, check: F) -> Result<WriteOutcome, StoreError>
    where
        F: FnOnce(&GraphState) -> Result<WritePlan, Refusal> + Send + 'static,
    {
        write::write(&self.pool, query, check).await
    }

    async fn nodes(&self, viewer: &Viewer, ids: &[Uuid]) -> Result<Vec<Node>, StoreError> {
        read::nodes(&self.pool, viewer, ids).await
    }

    async fn block_tree(
        &self,
        viewer: &Viewer,
        owner_id: Uuid,
        max_level: u32,
        limit: usize,
    ) -> Result<Vec<TreeBlock>, StoreError> {
        read::block_tree(&self.pool, viewer, owner_id, max_level, limit).await
    }

    async fn neighbors(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
        history: bool,
        limit: usize,
    ) -> Result<Vec<Neighbor>, StoreError> {
        read::neighbors(&self.pool, viewer, ids, history, limit).await
    }

    async fn root_texts(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        read::root_texts(&self.pool, viewer, ids).await
    }

    async fn block_roots(&self, blocks: &[Uuid]) -> Result<Vec<BlockRoot>, StoreError> {
        read::block_roots(&self.pool, blocks).await
    }

    async fn blocks_and_roots(
        &self,
        viewer: &Viewer,
        blocks: &[Uuid],
    ) -> Result<(Vec<BlockRoot>, Vec<Node>), StoreError> {
        read::blocks_and_roots(&self.pool, viewer, blocks).await
    }

    async fn match_names(
        &self,
        viewer: &Viewer,
        query: &NameQuery,
    ) -> Result<Vec<NameMatch>, StoreError> {
        search::match_names(&self.pool, &self.names, viewer, query).await
    }

    async fn match_texts(
        &self,
        viewer: &Viewer,
        query: &str,
        limit: usize,
    ) -> Result<Vec<TextMatch>, StoreError> {
        search::match_texts(&self.pool, viewer, query, limit).await
    }

    async fn list_entities(
        &self,
        viewer: &Viewer,
        request: &PageRequest,
    ) -> Result<EntityPage, StoreError> {
        search::list_entities(&self.pool, viewer, request).await
    }

    async fn universes(&self, viewer: &Viewer) -> Result<Vec<UniverseSummary>, StoreError> {
        read::universes(&self.pool, viewer).await
    }

    async fn init_marker(&self, user_id: &str) -> Result<Option<InitMarker>, StoreError> {
        read::init_marker(&self.pool, user_id).await
    }

    async fn pending_vectors(&self, limit: usize) -> Result<Vec<PendingVector>, StoreError> {
        outbox::pending(&self.pool, limit).await
    }

    async fn vectors_done(&self, done: &[(Uuid, i64)]) -> Result<(), StoreError> {
        outbox::done(&self.pool, done).await
    }

    async fn vectors_failed(&self, blocks: &[Uuid], error: &str) -> Result<(), StoreError> {
        outbox::failed(&self.pool, blocks, error).await
    }

    async fn vectors_rejected(
        &self,
        rejected: &[Rejected],
        park_after: u32,
    ) -> Result<Vec<Uuid>, StoreError> {
        outbox::rejected(&self.pool, rejected, park_after).await
    }

    async fn queue_vectors(
        &self,
        user_id: Option<&str>,
        blocks: Option<&[Uuid]>,
        unpark: bool,
    ) -> Result<u64, StoreError> {
        outbox::queue(&self.pool, user_id, blocks, unpark).await
    }

    async fn scan_blocks(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<PendingVector>, StoreError> {
        outbox::scan(&self.pool, after, limit).await
    }

    async fn existing_blocks(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        outbox::existing_blocks(&self.pool, ids).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(backend)
    }
}
