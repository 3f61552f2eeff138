//! The vector projector isolates a block that cannot be embedded: a failing batch is split
//! down to the item, the others are embedded, and the bad one is parked with its reason once
//! it has failed on its own often enough, until its text changes. Runs the use cases
//! directly over PostgreSQL, the embedded vector store and a scripted provider that refuses
//! one word.

use exobrain_proto::knowledge as pb;
use exobrain_testkit::TestDb;
use knowledge_interface::MIGRATOR;
use knowledge_interface::access::Viewer;
use knowledge_interface::app::Knowledge;
use knowledge_interface::embedding::{EmbeddingClient, EmbeddingSettings};
use knowledge_interface::graph::postgres::PgGraphStore;
use knowledge_interface::limits::Limits;
use knowledge_interface::schema::seed;
use knowledge_interface::vectors::{BLOCKS, EmbeddedStore, VectorStore};
use uuid::Uuid;

use crate::support::fake_provider::FakeProvider;
use crate::support::knowledge::{block, described};

/// How often the bad block may fail alone before it is parked, in this test.
const PARK_AFTER: u32 = 3;

type Service = Knowledge<PgGraphStore, EmbeddedStore>;

async fn knowledge(db: &TestDb, provider: &FakeProvider) -> Service {
    seed::apply(&db.pool).await.expect("seed");
    let embedder = EmbeddingClient::new(EmbeddingSettings {
        base_url: provider.base_url.clone(),
        ..EmbeddingSettings::default()
    })
    .expect("embedder");
    let knowledge = Knowledge::new(
        db.pool.clone(),
        PgGraphStore::new(db.pool.clone()),
        EmbeddedStore::new(db.pool.clone()),
        embedder,
    )
    .with_limits(Limits {
        vector_park_after: PARK_AFTER,
        ..Limits::default()
    });
    knowledge.bootstrap().await.expect("root graph");
    knowledge
}

/// Makes every queued block due now, skipping the backoff a test cannot wait for.
async fn due_now(db: &TestDb) {
    sqlx::query("UPDATE kg_vector_outbox SET not_before = NOW()")
        .execute(&db.pool)
        .await
        .expect("due");
}

async fn has_vector(knowledge: &Service, block: Uuid) -> bool {
    !knowledge
        .vectors()
        .get(BLOCKS, &[block])
        .await
        .expect("get")
        .is_empty()
}

#[tokio::test]
async fn a_block_that_cannot_be_embedded_is_parked_and_the_others_are_embedded() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let provider = FakeProvider::start().await;
    provider.refuse("POISON");
    let knowledge = knowledge(&db, &provider).await;
    let ada = Viewer::new("ada").unwrap();
    let mut delta = pb::UpsertGraphDeltaRequest::default();
    let mut blocks = Vec::new();
    for (name, text) in [
        ("Alma", "Alma grows tomatoes."),
        ("Bert", "Bert swallowed a POISON pill."),
        ("Cleo", "Cleo sails on weekends."),
    ] {
        let (node, root, link) = described(Uuid::new_v4(), "node.person", name, text);
        blocks.push(root.id.parse::<Uuid>().unwrap());
        delta.entities.push(node);
        delta.blocks.push(root);
        delta.edges.push(link);
    }
    knowledge.upsert_delta(&ada, delta).await.expect("written");
    let [alma, bert, cleo] = blocks[..] else {
        unreachable!()
    };

    knowledge.project_pending().await.expect("a round settles");
    assert!(has_vector(&knowledge, alma).await, "alma is not held back");
    assert!(has_vector(&knowledge, cleo).await, "cleo is not held back");
    assert!(!has_vector(&knowledge, bert).await);

    for _ in 1..PARK_AFTER {
        due_now(&db).await;
        let _ = knowledge.project_pending().await;
    }
    let (parked, reason): (bool, Option<String>) = sqlx::query_as(
        "SELECT parked_at IS NOT NULL, last_error FROM kg_vector_outbox WHERE block_id = $1",
    )
    .bind(bert)
    .fetch_one(&db.pool)
    .await
    .expect("bert's work");
    assert!(parked, "parked after {PARK_AFTER} failures on its own");
    let reason = reason.unwrap_or_default();
    assert!(reason.contains("POISON"), "the reason is kept: {reason}");
    due_now(&db).await;
    assert_eq!(
        knowledge.project_pending().await.expect("round"),
        0,
        "a parked block is not tried again"
    );

    // A new text is new work: the block leaves the parking.
    let mut fixed = block(bert, "Bert recovered.");
    fixed.type_id = "node.block".into();
    knowledge
        .upsert_delta(
            &ada,
            pb::UpsertGraphDeltaRequest {
                blocks: vec![fixed],
                ..Default::default()
            },
        )
        .await
        .expect("edit");
    knowledge.project_all().await.expect("projected");
    assert!(has_vector(&knowledge, bert).await);
}
