//! The Memgraph graph store (Bolt through `neo4rs`), for deployments that want a native
//! graph database next to the PostgreSQL registry.
//!
//! Layout: every node is `:Node` (unique `id`) plus `:Universe`, `:Entity` or `:Block`; edges
//! are relationships typed by their label carrying a `claim_id`, the trust fields and, once
//! replaced, `superseded_at` (current = no `superseded_at`); see [`records`] for the stored
//! shapes. Vector work is `:VectorOutbox` nodes and starter-graph markers are
//! `:GraphInitialization` nodes, both written in the delta's transaction. Writers serialise
//! by touching the ids they lock (see [`write`]); Memgraph reports the loser as a conflict,
//! mapped to [`StoreError::Conflict`] for the caller to retry. Names and texts are matched
//! as [`search`] describes. Indexes and constraints are created at connect.

mod outbox;
mod read;
mod records;
mod search;
mod settings;
mod state;
mod text;
mod write;

use std::time::Duration;

use exobrain_common::config::ExposeSecret;
use neo4rs::{ConfigBuilder, Graph, query};
use uuid::Uuid;

pub use settings::MemgraphSettings;

use super::model::Node;
use super::plan::{GraphState, InitMarker, StateQuery, WritePlan};
use super::reads::{
    BlockRoot, EntityPage, NameMatch, NameQuery, Neighbor, PageRequest, PendingVector, Rejected,
    TextMatch, TreeBlock, UniverseSummary,
};
use super::{GraphStore, StoreError, WriteOutcome};
use crate::access::Viewer;
use crate::delta::Refusal;

/// How long connecting (and each startup statement) may take before the server counts as
/// unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Indexes and uniqueness constraints ensured at connect. Lookups always go through
/// `:Node(id)`; the others serve visibility filters, listings and the outbox.
const SCHEMA: &[&str] = &[
    "CREATE INDEX ON :Node(id)",
    "CREATE INDEX ON :Entity(type_id)",
    "CREATE INDEX ON :Entity(user_id)",
    "CREATE INDEX ON :Block(user_id)",
    "CREATE INDEX ON :Universe",
    "CREATE INDEX ON :WriteLock(id)",
    "CREATE INDEX ON :VectorOutbox(block_id)",
    "CREATE INDEX ON :GraphInitialization(user_id)",
    "CREATE CONSTRAINT ON (n:Node) ASSERT n.id IS UNIQUE",
    "CREATE CONSTRAINT ON (n:WriteLock) ASSERT n.id IS UNIQUE",
    "CREATE CONSTRAINT ON (n:VectorOutbox) ASSERT n.block_id IS UNIQUE",
    "CREATE CONSTRAINT ON (n:GraphInitialization) ASSERT n.user_id IS UNIQUE",
];

/// The Memgraph adapter. Cheap to clone (a shared connection pool).
#[derive(Clone)]
pub struct MemgraphStore {
    graph: Graph,
    addr: String,
}

impl std::fmt::Debug for MemgraphStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemgraphStore")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MemgraphStore {
    /// Connects, checks that the server answers and ensures the indexes and constraints.
    /// Fails with a message naming the address when the server cannot be reached.
    pub async fn connect(settings: &MemgraphSettings) -> Result<Self, StoreError> {
        let unreachable = |cause: String| {
            StoreError::Backend(format!(
                "memgraph at MEMGRAPH_BOLT_ADDR={} is not usable: {cause}",
                settings.addr
            ))
        };
        let config = ConfigBuilder::default()
            .uri(settings.addr.as_str())
            .user(settings.user.clone().unwrap_or_default())
            .password(
                settings
                    .password
                    .as_ref()
                    .map(|p| p.expose_secret().to_owned())
                    .unwrap_or_default(),
            )
            .db(settings.db.as_str())
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        let graph = Graph::connect(config)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let store = Self {
            graph,
            addr: settings.addr.clone(),
        };
        tokio::time::timeout(CONNECT_TIMEOUT, store.ensure_schema())
            .await
            .map_err(|_| unreachable(format!("no answer within {CONNECT_TIMEOUT:?}")))?
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(store)
    }

    /// Creates the indexes and constraints (each statement on its own: Memgraph refuses
    /// schema changes inside a multi-statement transaction); ones that exist are left alone.
    async fn ensure_schema(&self) -> Result<(), StoreError> {
        self.ping().await?;
        for statement in SCHEMA {
            match self.graph.run(query(statement)).await {
                Ok(()) => {}
                Err(e) if e.to_string().contains("already exists") => {}
                Err(e) => return Err(error(e)),
            }
        }
        Ok(())
    }
}

/// Translates a driver error: write conflicts and uniqueness collisions between concurrent
/// writers may be retried, everything else is a fault. Memgraph reports conflicts as
/// failures of RUN, PULL or COMMIT, which the driver wraps differently, so the text decides.
pub(crate) fn error(error: neo4rs::Error) -> StoreError {
    let text = error.to_string();
    if is_conflict(&format!("{text} {error:?}")) {
        StoreError::Conflict(text)
    } else {
        StoreError::Backend(text)
    }
}

fn is_conflict(text: &str) -> bool {
    [
        "conflicting transactions",
        "serialization error",
        "unique constraint violation",
        "TransientError",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

impl GraphStore for MemgraphStore {
    async fn write<F>(&self, query: &StateQuery, check: F) -> Result<WriteOutcome, StoreError>
    where
        F: FnOnce(&GraphState) -> Result<WritePlan, Refusal> + Send + 'static,
    {
        write::write(&self.graph, query, check).await
    }

    async fn nodes(&self, viewer: &Viewer, ids: &[Uuid]) -> Result<Vec<Node>, StoreError> {
        read::nodes(&self.graph, viewer, ids).await
    }

    async fn block_tree(
        &self,
        viewer: &Viewer,
        owner_id: Uuid,
        max_level: u32,
        limit: usize,
    ) -> Result<Vec<TreeBlock>, StoreError> {
        read::block_tree(&self.graph, viewer, owner_id, max_level, limit).await
    }

    async fn neighbors(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
        history: bool,
        limit: usize,
    ) -> Result<Vec<Neighbor>, StoreError> {
        read::neighbors(&self.graph, viewer, ids, history, limit).await
    }

    async fn root_texts(
        &self,
        viewer: &Viewer,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        read::root_texts(&self.graph, viewer, ids).await
    }

    async fn block_roots(&self, blocks: &[Uuid]) -> Result<Vec<BlockRoot>, StoreError> {
        read::block_roots(&self.graph, blocks).await
    }

    async fn match_names(
        &self,
        viewer: &Viewer,
        query: &NameQuery,
    ) -> Result<Vec<NameMatch>, StoreError> {
        search::match_names(&self.graph, viewer, query).await
    }

    async fn match_texts(
        &self,
        viewer: &Viewer,
        query: &str,
        limit: usize,
    ) -> Result<Vec<TextMatch>, StoreError> {
        search::match_texts(&self.graph, viewer, query, limit).await
    }

    async fn list_entities(
        &self,
        viewer: &Viewer,
        request: &PageRequest,
    ) -> Result<EntityPage, StoreError> {
        search::list_entities(&self.graph, viewer, request).await
    }

    async fn universes(&self, viewer: &Viewer) -> Result<Vec<UniverseSummary>, StoreError> {
        read::universes(&self.graph, viewer).await
    }

    async fn init_marker(&self, user_id: &str) -> Result<Option<InitMarker>, StoreError> {
        read::init_marker(&self.graph, user_id).await
    }

    async fn pending_vectors(&self, limit: usize) -> Result<Vec<PendingVector>, StoreError> {
        outbox::pending(&self.graph, limit).await
    }

    async fn vectors_done(&self, done: &[(Uuid, i64)]) -> Result<(), StoreError> {
        outbox::done(&self.graph, done).await
    }

    async fn vectors_failed(&self, blocks: &[Uuid], error: &str) -> Result<(), StoreError> {
        outbox::failed(&self.graph, blocks, error).await
    }

    async fn vectors_rejected(
        &self,
        rejected: &[Rejected],
        park_after: u32,
    ) -> Result<Vec<Uuid>, StoreError> {
        outbox::rejected(&self.graph, rejected, park_after).await
    }

    async fn queue_vectors(
        &self,
        user_id: Option<&str>,
        blocks: Option<&[Uuid]>,
        unpark: bool,
    ) -> Result<u64, StoreError> {
        outbox::queue(&self.graph, user_id, blocks, unpark).await
    }

    async fn scan_blocks(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<PendingVector>, StoreError> {
        outbox::scan(&self.graph, after, limit).await
    }

    async fn existing_blocks(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        outbox::existing_blocks(&self.graph, ids).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        records::fetch(&self.graph, query("RETURN 1 AS one"))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_are_told_apart_from_faults() {
        assert!(is_conflict(
            "Cannot resolve conflicting transactions. You can retry this transaction when the conflicting transaction is finished"
        ));
        assert!(is_conflict(
            "Unable to commit due to unique constraint violation on :Node(id)"
        ));
        assert!(is_conflict("Unable to commit due to serialization error."));
        assert!(!is_conflict("Invalid input 'MATC'"));
    }
}
