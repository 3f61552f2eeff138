//! The vector store port: named collections of unit-length vectors with a payload, each
//! recording the embedding model and dimension it was built for and refusing vectors of
//! another. Searches are filtered by who may see a point (its owner, or anyone when SHARED).
//! Adapters: [`embedded`] (the default, PostgreSQL-backed with an in-process index, no server)
//! and [`qdrant`]; both pass the contract suite in `tests/vector_contract.rs`. The service holds
//! an [`AnyVectorStore`] chosen by [`VectorBackendSettings`] and opened by [`connect`].

use std::future::Future;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::access::{Viewer, Visibility};

pub mod embedded;
mod prepare;
pub mod qdrant;
mod settings;

pub use embedded::EmbeddedStore;
pub use qdrant::QdrantStore;
pub use settings::{QdrantSettings, VectorBackendSettings, connect};

/// Collection of block vectors (one point per block).
pub const BLOCKS: &str = "blocks";
/// Collection of node-type description vectors.
pub const NODE_TYPES: &str = "schema_node_types";
/// Collection of edge-type description vectors.
pub const EDGE_TYPES: &str = "schema_edge_types";

/// What a collection is built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionSpec {
    /// Collection name.
    pub name: String,
    /// Identity of the embedding model (alias, provider and model), recorded once.
    pub model: String,
    /// Vector length.
    pub dims: usize,
}

/// A point to store.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorPoint {
    /// Point id (the block id, or a UUIDv5 of a type id).
    pub id: Uuid,
    /// The vector; stored normalised to unit length.
    pub vector: Vec<f32>,
    /// Owner (user id; `exobrain` for system data and schema types).
    pub user_id: String,
    /// Who else may find it.
    pub visibility: Visibility,
    /// Everything else the caller wants back with a hit (flat JSON object). The keys
    /// `user_id` and `visibility` are reserved for the fields above.
    pub payload: Map<String, Value>,
}

/// A stored point without its vector (what reconciliation compares).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPoint {
    /// Point id.
    pub id: Uuid,
    /// Owner.
    pub user_id: String,
    /// Visibility.
    pub visibility: Visibility,
    /// Payload as stored.
    pub payload: Map<String, Value>,
}

/// A search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    /// The point.
    pub point: StoredPoint,
    /// Cosine similarity in [-1, 1].
    pub score: f32,
}

/// Who a search is for: `None` searches every point (schema types), `Some` only what that
/// caller may see.
pub type Access<'a> = Option<&'a Viewer>;

/// Why a vector operation failed.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// The collection exists for another model or dimension.
    #[error(
        "collection {collection} holds vectors of {recorded_model} ({recorded_dims} dims), not {model} ({dims} dims); reindex to switch models"
    )]
    ModelMismatch {
        /// Collection name.
        collection: String,
        /// Model it was built for.
        recorded_model: String,
        /// Its dimension.
        recorded_dims: usize,
        /// Model asked for.
        model: String,
        /// Dimension asked for.
        dims: usize,
    },
    /// The collection was never created.
    #[error("collection {0} does not exist")]
    MissingCollection(String),
    /// A vector or argument is unusable (wrong length, empty, not finite).
    #[error("{0}")]
    Invalid(String),
    /// The store could not be reached or failed.
    #[error("vector store unavailable: {0}")]
    Unavailable(String),
}

/// A vector store adapter.
pub trait VectorStore: Send + Sync {
    /// Creates the collection, or checks that an existing one was built for the same model
    /// and dimension ([`VectorError::ModelMismatch`] otherwise). Call it once per collection
    /// at startup; the other operations do not check again.
    fn ensure_collection(
        &self,
        spec: &CollectionSpec,
    ) -> impl Future<Output = Result<(), VectorError>> + Send;

    /// Drops the collection with all its points and creates it empty for `spec` (switching
    /// models).
    fn recreate_collection(
        &self,
        spec: &CollectionSpec,
    ) -> impl Future<Output = Result<(), VectorError>> + Send;

    /// The spec a collection was created with, if it exists.
    fn collection(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<CollectionSpec>, VectorError>> + Send;

    /// Inserts or replaces points (last write wins per id, within a batch too). Refuses the
    /// whole batch ([`VectorError::Invalid`] naming the point) when any vector has the wrong
    /// length, is empty, all zeros or not finite, or a payload uses a reserved key.
    fn upsert(
        &self,
        collection: &str,
        points: Vec<VectorPoint>,
    ) -> impl Future<Output = Result<(), VectorError>> + Send;

    /// Removes points; unknown ids are ignored.
    fn delete(
        &self,
        collection: &str,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<(), VectorError>> + Send;

    /// The `limit` points most similar to `vector` that `access` may see, best first (ties
    /// by id). The query vector must have the collection's length ([`VectorError::Invalid`]).
    fn search(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<VectorHit>, VectorError>> + Send;

    /// What [`VectorStore::search`] finds, as `(id, score)` without the payloads, for callers
    /// that read (and check the visibility of) the records behind the points themselves.
    /// Adapters answer it without fetching payloads.
    fn nearest(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(Uuid, f32)>, VectorError>> + Send {
        async move {
            let hits = self.search(collection, vector, access, limit).await?;
            Ok(hits
                .into_iter()
                .map(|hit| (hit.point.id, hit.score))
                .collect())
        }
    }

    /// [`VectorStore::nearest`] for a query vector still being computed (an embedding on its
    /// way): adapters with local state bring it up to date meanwhile, so the caller's wait
    /// and theirs overlap. A `query` of `None` (no vector after all) finds nothing.
    fn nearest_to_pending<Q>(
        &self,
        collection: &str,
        query: Q,
        access: Access<'_>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(Uuid, f32)>, VectorError>> + Send
    where
        Q: Future<Output = Option<Vec<f32>>> + Send,
    {
        async move {
            match query.await {
                Some(vector) => self.nearest(collection, &vector, access, limit).await,
                None => Ok(Vec::new()),
            }
        }
    }

    /// Stored points by id in the order asked for (missing ids are left out), without vectors.
    fn get(
        &self,
        collection: &str,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<StoredPoint>, VectorError>> + Send;

    /// One page of every point in id order after `after` (for reconciliation).
    fn scroll(
        &self,
        collection: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredPoint>, VectorError>> + Send;

    /// Whether the store answers.
    fn ping(&self) -> impl Future<Output = Result<(), VectorError>> + Send;
}

/// The store the service holds: one of the adapters, chosen by configuration.
#[derive(Debug, Clone)]
pub enum AnyVectorStore {
    /// PostgreSQL plus an in-process index.
    Embedded(EmbeddedStore),
    /// A Qdrant server.
    Qdrant(QdrantStore),
}

/// Calls the same method on whichever adapter `$store` holds.
macro_rules! delegate {
    ($store:expr, $adapter:ident => $call:expr) => {
        match $store {
            AnyVectorStore::Embedded($adapter) => $call,
            AnyVectorStore::Qdrant($adapter) => $call,
        }
    };
}

impl VectorStore for AnyVectorStore {
    async fn ensure_collection(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        delegate!(self, store => store.ensure_collection(spec).await)
    }

    async fn recreate_collection(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        delegate!(self, store => store.recreate_collection(spec).await)
    }

    async fn collection(&self, name: &str) -> Result<Option<CollectionSpec>, VectorError> {
        delegate!(self, store => store.collection(name).await)
    }

    async fn upsert(&self, collection: &str, points: Vec<VectorPoint>) -> Result<(), VectorError> {
        delegate!(self, store => store.upsert(collection, points).await)
    }

    async fn delete(&self, collection: &str, ids: &[Uuid]) -> Result<(), VectorError> {
        delegate!(self, store => store.delete(collection, ids).await)
    }

    async fn search(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<VectorHit>, VectorError> {
        delegate!(self, store => store.search(collection, vector, access, limit).await)
    }

    async fn nearest(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<(Uuid, f32)>, VectorError> {
        delegate!(self, store => store.nearest(collection, vector, access, limit).await)
    }

    async fn nearest_to_pending<Q>(
        &self,
        collection: &str,
        query: Q,
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<(Uuid, f32)>, VectorError>
    where
        Q: Future<Output = Option<Vec<f32>>> + Send,
    {
        delegate!(self, store => store.nearest_to_pending(collection, query, access, limit).await)
    }

    async fn get(&self, collection: &str, ids: &[Uuid]) -> Result<Vec<StoredPoint>, VectorError> {
        delegate!(self, store => store.get(collection, ids).await)
    }

    async fn scroll(
        &self,
        collection: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<StoredPoint>, VectorError> {
        delegate!(self, store => store.scroll(collection, after, limit).await)
    }

    async fn ping(&self) -> Result<(), VectorError> {
        delegate!(self, store => store.ping().await)
    }
}
