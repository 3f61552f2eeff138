//! The PostgreSQL store's in-memory fuzzy name index: its similarity is pg_trgm's, and a
//! service process sees names written through another process at once (through the change
//! log), including renames.

use exobrain_proto::knowledge as pb;
use exobrain_testkit::TestDb;
use knowledge_interface::MIGRATOR;
use knowledge_interface::graph::trigrams::similarity as trigram_similarity;
use uuid::Uuid;

use crate::support::knowledge::{Client, entity, spawn};

#[tokio::test]
async fn trigram_similarity_is_pg_trgms() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let names = [
        "jonas jorenmann",
        "Jonas Jorenman",
        "thesis on mediterranean psychology",
        "thesis on mediteranean psychology",
        "zofia p. schmid",
        "zofia schmid",
        "ab_c d-e 12",
        "graz graduation 1992",
        "gräz graduaton 1992",
        "o'brien & sons, ltd.",
        "obrien and sons",
        "x",
        "",
        "   ",
        "ünïcödé straße",
        "unicode strasse",
    ];
    for left in names {
        for right in names {
            let stored: f32 = sqlx::query_scalar("SELECT similarity($1, $2)")
                .bind(left)
                .bind(right)
                .fetch_one(&db.pool)
                .await
                .expect("similarity");
            assert_eq!(
                trigram_similarity(left, right),
                f64::from(stored),
                "similarity({left:?}, {right:?})"
            );
        }
    }
}

async fn candidates(client: &mut Client, name: &str) -> Vec<String> {
    let request = client.request(pb::FindEntityCandidatesRequest {
        names: vec![name.to_owned()],
        limit: Some(5),
        ..Default::default()
    });
    client
        .inner
        .find_entity_candidates(request)
        .await
        .expect("candidates")
        .into_inner()
        .candidates
        .into_iter()
        .map(|c| c.entity_name)
        .collect()
}

#[tokio::test]
async fn a_replica_finds_misspelt_names_written_through_another_process() {
    let service = spawn().await;
    let replica = service.replica().await;
    let mut writer = service.client("ada").await;
    let mut reader = replica.client("ada").await;
    // The reader's index is loaded before the write.
    assert!(candidates(&mut reader, "Zebediah Quenton").await.is_empty());

    let zeb = Uuid::new_v4();
    let mut request = pb::UpsertGraphDeltaRequest::default();
    request
        .entities
        .push(entity(zeb, "node.person", "Zebediah Quentin"));
    writer.upsert(request).await.expect("zebediah");
    assert_eq!(
        candidates(&mut reader, "Zebediah Quenton").await,
        ["Zebediah Quentin"]
    );

    let mut rename = pb::UpsertGraphDeltaRequest::default();
    rename
        .entities
        .push(entity(zeb, "node.person", "Bartholomew Xavier"));
    writer.upsert(rename).await.expect("renamed");
    assert!(candidates(&mut reader, "Zebediah Quenton").await.is_empty());
    assert_eq!(
        candidates(&mut reader, "Bartholomeu Xavier").await,
        ["Bartholomew Xavier"]
    );

    // Another user's private names stay invisible to the index's searches.
    let mut bob = replica.client("bob").await;
    assert!(candidates(&mut bob, "Bartholomeu Xavier").await.is_empty());
}
