//! Large deltas cost what their size says: the check indexes edges by endpoint instead of
//! scanning them per block and per cycle step, and a write takes a bounded number of
//! advisory locks however many ids it touches (PostgreSQL's lock table is shared by every
//! database of the server).

use exobrain_proto::knowledge as pb;
use exobrain_testkit::TestDb;
use knowledge_interface::MIGRATOR;
use knowledge_interface::access::Viewer;
use knowledge_interface::delta::{check, parse};
use knowledge_interface::graph::plan::GraphState;
use knowledge_interface::schema::{registry, seed};
use uuid::Uuid;

use crate::support::knowledge::{block, edge, entity, spawn};

/// The advisory-lock count of the most locks one write may take.
const LOCK_BOUND: i64 = 257;

#[tokio::test]
async fn a_wide_delta_of_sixty_thousand_records_is_checked_in_linear_time() {
    let db = TestDb::migrated(&MIGRATOR).await;
    seed::apply(&db.pool).await.expect("seed");
    let schema = registry::load(&db.pool).await.expect("schema");
    let universe = Uuid::new_v4();
    let person = Uuid::new_v4();
    let root = Uuid::new_v4();
    let mut person_node = entity(person, "node.person", "Wide");
    person_node.universe_id = Some(universe.to_string());
    let mut request = pb::UpsertGraphDeltaRequest {
        universes: vec![pb::UniverseNode {
            id: universe.to_string(),
            name: "Wide World".into(),
            user_id: String::new(),
            visibility: pb::Visibility::Private as i32,
            source: None,
        }],
        entities: vec![person_node],
        blocks: vec![block(root, "The root.")],
        edges: vec![edge(person, "DESCRIBED_BY", root)],
        ..Default::default()
    };
    // Every block a child of the root: quadratic checks compared each block with every edge.
    for i in 0..30_000 {
        let child = Uuid::new_v4();
        request.blocks.push(block(child, &format!("Detail {i}.")));
        request.edges.push(edge(root, "SUMMARIZES", child));
    }
    let ada = Viewer::new("ada").expect("viewer");
    let delta = parse::delta(&ada, request).expect("parsed");
    let plan = check::plan(&schema, &delta, &GraphState::default()).expect("valid");
    assert_eq!(plan.counts.blocks, 30_001);
    assert_eq!(
        plan.counts.edges, 30_002,
        "the root, the children, the membership"
    );
}

#[tokio::test]
async fn a_delta_with_more_ids_than_the_lock_bound_takes_a_bounded_number_of_advisory_locks() {
    let service = spawn().await;
    let mut ada = service.client("ada").await;
    let anchor = Uuid::new_v4();
    ada.upsert(pb::UpsertGraphDeltaRequest {
        entities: vec![entity(anchor, "node.person", "Anchor")],
        ..Default::default()
    })
    .await
    .expect("anchor");

    // Holding the anchor's row stops the big write after it took its locks.
    let mut holder = service.db.pool.begin().await.expect("begin");
    sqlx::query("SELECT 1 FROM kg_nodes WHERE id = $1 FOR UPDATE")
        .bind(anchor)
        .execute(&mut *holder)
        .await
        .expect("row lock");
    let mut entities: Vec<pb::EntityNode> = (0..400)
        .map(|i| entity(Uuid::new_v4(), "node.person", &format!("Crowd {i}")))
        .collect();
    entities.push(entity(anchor, "node.person", "Anchor, renamed"));
    let mut writer = service.client("ada").await;
    let write = tokio::spawn(async move {
        writer
            .upsert(pb::UpsertGraphDeltaRequest {
                entities,
                ..Default::default()
            })
            .await
    });
    let held = advisory_locks_of_the_waiting_write(&service.db).await;
    holder.rollback().await.expect("release");
    let reply = write.await.expect("task").expect("the big write succeeds");
    assert_eq!(reply.entities_upserted, 401);
    assert!(
        (1..=LOCK_BOUND).contains(&held),
        "a write of 401 ids held {held} advisory locks"
    );
}

/// Waits until a write stands waiting for a row lock in `db`, and counts the advisory locks
/// it holds.
async fn advisory_locks_of_the_waiting_write(db: &TestDb) -> i64 {
    for _ in 0..1_000 {
        let waiting: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO kg_nodes%'",
        )
        .fetch_optional(&db.pool)
        .await
        .expect("activity");
        if let Some(pid) = waiting {
            return sqlx::query_scalar(
                "SELECT count(*) FROM pg_locks
                  WHERE pid = $1 AND locktype = 'advisory' AND granted",
            )
            .bind(pid)
            .fetch_one(&db.pool)
            .await
            .expect("locks");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the write never reached the held row");
}
