//! Graph/vector consistency: block vectors follow the graph through the outbox even when the
//! vector store fails for a while, and reconciliation repairs lost, stale and orphan points.
//! Runs the knowledge use cases directly, with the real PostgreSQL graph store, the real
//! embedded vector store behind a switch that makes its writes fail, and real embeddings.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use exobrain_proto::knowledge as pb;
use exobrain_testkit::TestDb;
use futures::future::BoxFuture;
use knowledge_interface::MIGRATOR;
use knowledge_interface::access::Viewer;
use knowledge_interface::app::Knowledge;
use knowledge_interface::embedding::{EmbeddingClient, EmbeddingSettings, text_hash};
use knowledge_interface::graph::postgres::PgGraphStore;
use knowledge_interface::schema::seed;
use knowledge_interface::vectors::{
    Access, BLOCKS, CollectionSpec, EmbeddedStore, StoredPoint, VectorError, VectorHit,
    VectorPoint, VectorStore,
};
use serde_json::Value;
use uuid::Uuid;

use crate::support::knowledge::{described, model_provider_url};

/// The embedded store, whose writes fail while `broken` is set, and which runs
/// `before_scroll` (once) when it is first scrolled.
struct Switchable {
    store: EmbeddedStore,
    broken: Arc<AtomicBool>,
    before_scroll: Mutex<Option<BoxFuture<'static, ()>>>,
}

impl std::fmt::Debug for Switchable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Switchable").finish_non_exhaustive()
    }
}

impl Switchable {
    fn check(&self) -> Result<(), VectorError> {
        if self.broken.load(Ordering::SeqCst) {
            Err(VectorError::Unavailable("switched off by the test".into()))
        } else {
            Ok(())
        }
    }
}

impl VectorStore for Switchable {
    async fn ensure_collection(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        self.store.ensure_collection(spec).await
    }
    async fn recreate_collection(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        self.store.recreate_collection(spec).await
    }
    async fn collection(&self, name: &str) -> Result<Option<CollectionSpec>, VectorError> {
        self.store.collection(name).await
    }
    async fn upsert(&self, collection: &str, points: Vec<VectorPoint>) -> Result<(), VectorError> {
        self.check()?;
        self.store.upsert(collection, points).await
    }
    async fn delete(&self, collection: &str, ids: &[Uuid]) -> Result<(), VectorError> {
        self.check()?;
        self.store.delete(collection, ids).await
    }
    async fn search(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<VectorHit>, VectorError> {
        self.store.search(collection, vector, access, limit).await
    }
    async fn get(&self, collection: &str, ids: &[Uuid]) -> Result<Vec<StoredPoint>, VectorError> {
        self.store.get(collection, ids).await
    }
    async fn scroll(
        &self,
        collection: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<StoredPoint>, VectorError> {
        let hook = self.before_scroll.lock().expect("hook").take();
        if let Some(hook) = hook {
            hook.await;
        }
        self.store.scroll(collection, after, limit).await
    }
    async fn ping(&self) -> Result<(), VectorError> {
        self.store.ping().await
    }
}

fn embedder() -> EmbeddingClient {
    EmbeddingClient::new(EmbeddingSettings {
        base_url: model_provider_url(),
        ..EmbeddingSettings::default()
    })
    .expect("embedder")
}

async fn knowledge(db: &TestDb, broken: Arc<AtomicBool>) -> Knowledge<PgGraphStore, Switchable> {
    seed::apply(&db.pool).await.expect("seed");
    let embedder = embedder();
    let vectors = Switchable {
        store: EmbeddedStore::new(db.pool.clone()),
        broken,
        before_scroll: Mutex::new(None),
    };
    let knowledge = Knowledge::new(
        db.pool.clone(),
        PgGraphStore::new(db.pool.clone()),
        vectors,
        embedder,
    );
    knowledge.bootstrap().await.expect("root graph");
    knowledge.project_all().await.expect("root vectors");
    knowledge
}

async fn stored_hash(
    knowledge: &Knowledge<PgGraphStore, Switchable>,
    block: Uuid,
) -> Option<String> {
    let points = knowledge
        .vectors()
        .get(BLOCKS, &[block])
        .await
        .expect("get");
    points.first().and_then(|p| {
        p.payload
            .get("text_hash")
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

async fn queued(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM kg_vector_outbox")
        .fetch_one(&db.pool)
        .await
        .expect("outbox")
}

#[tokio::test]
async fn vectors_catch_up_after_the_vector_store_fails_and_reconciliation_repairs_drift() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let broken = Arc::new(AtomicBool::new(false));
    let knowledge = knowledge(&db, broken.clone()).await;
    let ada = Viewer::new("ada").unwrap();

    broken.store(true, Ordering::SeqCst);
    let entity = Uuid::new_v4();
    let (node, root, link) = described(entity, "node.person", "Nina", "Nina repairs violins.");
    let block: Uuid = root.id.parse().unwrap();
    let applied = knowledge
        .upsert_delta(
            &ada,
            pb::UpsertGraphDeltaRequest {
                entities: vec![node.clone()],
                blocks: vec![root.clone()],
                edges: vec![link.clone()],
                ..Default::default()
            },
        )
        .await
        .expect("the graph write does not depend on the vector store");
    assert_eq!(applied.counts.entities, 1);
    assert!(
        knowledge.project_pending().await.is_err(),
        "the projection fails"
    );
    assert!(queued(&db).await >= 1, "the work stays queued");
    let attempts: i32 =
        sqlx::query_scalar("SELECT attempts FROM kg_vector_outbox WHERE block_id = $1")
            .bind(block)
            .fetch_one(&db.pool)
            .await
            .expect("attempts");
    assert_eq!(attempts, 1);
    assert_eq!(stored_hash(&knowledge, block).await, None);

    // The text changes while the store is still down: only the newest text may win.
    let mut edited = root.clone();
    edited.properties[0].value = Some(pb::property_value::Value::StringValue(
        "Nina repairs violins and cellos.".into(),
    ));
    knowledge
        .upsert_delta(
            &ada,
            pb::UpsertGraphDeltaRequest {
                blocks: vec![edited],
                ..Default::default()
            },
        )
        .await
        .expect("edit");
    broken.store(false, Ordering::SeqCst);
    knowledge.project_all().await.expect("caught up");
    assert_eq!(
        queued(&db).await,
        1,
        "the edited block is done; ada's starter block waits out its backoff"
    );
    assert_eq!(
        stored_hash(&knowledge, block).await,
        Some(text_hash("Nina repairs violins and cellos."))
    );

    // Drift: a lost point and an orphan point.
    knowledge
        .vectors()
        .delete(BLOCKS, &[block])
        .await
        .expect("lose it");
    let orphan = Uuid::new_v4();
    let dims = knowledge.model().await.expect("model").dims;
    knowledge
        .vectors()
        .upsert(
            BLOCKS,
            vec![VectorPoint {
                id: orphan,
                vector: vec![1.0; dims],
                user_id: "ada".into(),
                visibility: knowledge_interface::access::Visibility::Private,
                payload: Default::default(),
            }],
        )
        .await
        .expect("orphan");
    let (requeued, deleted) = knowledge.reconcile().await.expect("reconcile");
    assert_eq!(
        (requeued, deleted),
        (2, 1),
        "the lost point, ada's starter block still in backoff, and the orphan"
    );
    knowledge.project_all().await.expect("repaired");
    assert_eq!(
        stored_hash(&knowledge, block).await,
        Some(text_hash("Nina repairs violins and cellos."))
    );
    assert!(
        knowledge
            .vectors()
            .get(BLOCKS, &[orphan])
            .await
            .expect("get")
            .is_empty()
    );
    assert_eq!(
        knowledge.reconcile().await.expect("clean"),
        (0, 0),
        "nothing left to repair"
    );

    let forced = knowledge.reindex_user(&ada, true).await.expect("force");
    assert!(
        forced >= 2,
        "nina's block and ada's assistant block: {forced}"
    );
    knowledge.project_all().await.expect("re-embedded");
    assert!(stored_hash(&knowledge, block).await.is_some());
}

#[tokio::test]
async fn a_block_written_between_the_reconcilers_two_scans_keeps_its_vector() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let knowledge = knowledge(&db, Arc::new(AtomicBool::new(false))).await;
    // Another service process on the same database writes a block and projects it after the
    // reconciler scanned the blocks and before it scrolls the points.
    let other = Knowledge::new(
        db.pool.clone(),
        PgGraphStore::new(db.pool.clone()),
        EmbeddedStore::new(db.pool.clone()),
        embedder(),
    );
    let (node, root, link) = described(Uuid::new_v4(), "node.person", "Late", "Late arrival.");
    let block: Uuid = root.id.parse().unwrap();
    let write = async move {
        let ada = Viewer::new("ada").unwrap();
        let delta = pb::UpsertGraphDeltaRequest {
            entities: vec![node],
            blocks: vec![root],
            edges: vec![link],
            ..Default::default()
        };
        other.upsert_delta(&ada, delta).await.expect("late write");
        other.project_all().await.expect("late vectors");
    };
    *knowledge.vectors().before_scroll.lock().unwrap() = Some(Box::pin(write));
    let (_, deleted) = knowledge.reconcile().await.expect("reconcile");
    assert_eq!(deleted, 0, "no point of an existing block is an orphan");
    assert_eq!(
        stored_hash(&knowledge, block).await,
        Some(text_hash("Late arrival.")),
        "the late block keeps its vector"
    );
}
