//! The knowledge use cases, over the ports: a cached schema snapshot, the graph store, the
//! vector store and the embedding client. The gRPC layer parses requests, resolves the
//! caller and calls in here; everything that decides lives below this module or in
//! [`crate::delta`].

mod candidates;
mod context;
mod guard;
mod listing;
mod projector;
mod reindex;
mod search;
mod starter;
mod types;
mod upsert;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::{Notify, OnceCell, RwLock};

use crate::embedding::{EmbeddingClient, ModelInfo};
use crate::graph::GraphStore;
use crate::graph::any::AnyGraphStore;
use crate::grpc::error::KnowledgeError;
use crate::limits::Limits;
use crate::schema::{Schema, registry};
use crate::vectors::{AnyVectorStore, CollectionSpec, VectorStore};

pub use candidates::{Candidate, CandidateQuery};
pub use context::{EntityContext, MAX_BLOCK_LEVEL};
pub use guard::built_in_problems;
pub use listing::ExtractionType;
pub use projector::spawn_projector;
pub use search::BlockHit;
pub use starter::{EXOBRAIN_BLOCK, EXOBRAIN_ENTITY, StarterIds};
pub use types::TypeHit;

/// How long a loaded schema is trusted before it is read again (changes made through this
/// process are seen at once).
const SCHEMA_TTL: Duration = Duration::from_secs(5);

/// The knowledge service's state, shared by every request.
#[derive(Debug)]
pub struct Knowledge<G = AnyGraphStore, V = AnyVectorStore> {
    pool: PgPool,
    graph: G,
    vectors: V,
    embedder: EmbeddingClient,
    limits: Limits,
    schema: RwLock<Option<(Instant, Arc<Schema>)>>,
    model: OnceCell<ModelInfo>,
    projector: Notify,
    /// Users known to have their starter graph, so writes skip the marker lookup.
    initialised: RwLock<std::collections::HashMap<String, crate::graph::plan::InitMarker>>,
}

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// State over the schema registry in `pool` and the given stores, with the default
    /// [`Limits`].
    pub fn new(pool: PgPool, graph: G, vectors: V, embedder: EmbeddingClient) -> Self {
        Self {
            pool,
            graph,
            vectors,
            embedder,
            limits: Limits::default(),
            schema: RwLock::new(None),
            model: OnceCell::new(),
            projector: Notify::new(),
            initialised: RwLock::new(Default::default()),
        }
    }

    /// The same state with other limits.
    pub fn with_limits(self, limits: Limits) -> Self {
        Self { limits, ..self }
    }

    /// What one request may cost.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The schema registry's database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The graph store.
    pub fn graph(&self) -> &G {
        &self.graph
    }

    /// The vector store.
    pub fn vectors(&self) -> &V {
        &self.vectors
    }

    /// The current schema snapshot.
    pub async fn schema(&self) -> Result<Arc<Schema>, KnowledgeError> {
        if let Some((loaded, schema)) = self.schema.read().await.as_ref()
            && loaded.elapsed() < SCHEMA_TTL
        {
            return Ok(schema.clone());
        }
        let schema = Arc::new(registry::load(&self.pool).await?);
        *self.schema.write().await = Some((Instant::now(), schema.clone()));
        Ok(schema)
    }

    /// Forgets the cached schema (after a schema change).
    pub async fn schema_changed(&self) {
        *self.schema.write().await = None;
    }

    /// The embedding model, resolved from model-provider once; the block collection is
    /// ensured for it, and rebuilt (every block re-queued) when it was built for another
    /// model.
    pub async fn model(&self) -> Result<&ModelInfo, KnowledgeError> {
        self.model
            .get_or_try_init(|| async {
                let model = self.embedder.model_info().await?;
                let spec = self.spec(crate::vectors::BLOCKS, &model);
                match self.vectors.ensure_collection(&spec).await {
                    Err(crate::vectors::VectorError::ModelMismatch { .. }) => {
                        tracing::warn!(
                            model = %model.identity(),
                            "block vectors were built for another model; rebuilding them"
                        );
                        self.vectors.recreate_collection(&spec).await?;
                        self.graph.queue_vectors(None, None, true).await?;
                    }
                    other => other?,
                }
                tracing::info!(model = %model.identity(), dims = model.dims, "embedding model ready");
                Ok::<_, KnowledgeError>(model)
            })
            .await
    }

    fn spec(&self, collection: &str, model: &ModelInfo) -> CollectionSpec {
        CollectionSpec {
            name: collection.to_owned(),
            model: model.identity(),
            dims: model.dims,
        }
    }

    /// Embeds one text (a query).
    pub async fn embed_one(&self, text: &str) -> Result<Vec<f32>, KnowledgeError> {
        self.model().await?;
        let mut vectors = self.embedder.embed(&[text.to_owned()]).await?;
        vectors
            .pop()
            .ok_or_else(|| KnowledgeError::Internal("embedding reply was empty".into()))
    }

    /// Whether PostgreSQL and both stores answer.
    pub async fn ready(&self) -> Result<(), String> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(|e| format!("postgres: {e}"))?;
        self.graph
            .ping()
            .await
            .map_err(|e| format!("graph store: {e}"))?;
        self.vectors
            .ping()
            .await
            .map_err(|e| format!("vector store: {e}"))
    }
}
