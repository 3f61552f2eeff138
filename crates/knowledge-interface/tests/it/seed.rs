//! The starter schema against a real database: the counts the contract names, idempotence,
//! starter rows restored, later additions left alone, and the binary's `seed` command.

use std::path::Path;
use std::time::Duration;

use exobrain_testkit::checks::base_env;
use exobrain_testkit::{BinaryProcess, TestDb};
use knowledge_interface::MIGRATOR;
use knowledge_interface::schema::seed;

async fn count(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&db.pool)
        .await
        .expect("count")
}

async fn counts(db: &TestDb) -> [i64; 5] {
    [
        count(db, "SELECT count(*) FROM knowledge_graph_schema_types WHERE kind = 'node' AND active").await,
        count(db, "SELECT count(*) FROM knowledge_graph_schema_types WHERE kind = 'edge' AND active").await,
        count(db, "SELECT count(*) FROM knowledge_graph_schema_edge_rules WHERE active").await,
        count(db, "SELECT count(*) FROM knowledge_graph_schema_type_inheritance WHERE active").await,
        count(db, "SELECT count(*) FROM knowledge_graph_schema_type_properties WHERE owner_type_id = 'edge'").await,
    ]
}

#[tokio::test]
async fn the_starter_schema_has_the_contracts_counts_and_seeding_twice_changes_nothing() {
    let db = TestDb::migrated(&MIGRATOR).await;
    seed::apply(&db.pool).await.expect("seed");
    assert_eq!(counts(&db).await, [25, 30, 32, 21, 5]);
    seed::apply(&db.pool).await.expect("seed again");
    assert_eq!(counts(&db).await, [25, 30, 32, 21, 5]);
    let inactive: String = sqlx::query_scalar(
        "SELECT parent_type_id FROM knowledge_graph_schema_type_inheritance WHERE child_type_id = 'node.species' AND NOT active",
    )
    .fetch_one(&db.pool)
    .await
    .expect("legacy link");
    assert_eq!(inactive, "node.entity");
}

#[tokio::test]
async fn seeding_restores_starter_rows_and_keeps_later_additions() {
    let db = TestDb::migrated(&MIGRATOR).await;
    seed::apply(&db.pool).await.expect("seed");
    sqlx::raw_sql(
        "UPDATE knowledge_graph_schema_types SET name = 'Human', active = FALSE WHERE id = 'node.person';
         INSERT INTO knowledge_graph_schema_types (id, kind, name, description) VALUES ('node.pet', 'node', 'Pet', 'An animal companion.');
         INSERT INTO knowledge_graph_schema_type_inheritance (child_type_id, parent_type_id, description) VALUES ('node.pet', 'node.entity', 'A pet is an entity.');
         INSERT INTO knowledge_graph_schema_types (id, kind, name, description) VALUES ('node.image', 'node', 'Image', 'legacy');",
    )
    .execute(&db.pool)
    .await
    .expect("edits");
    seed::apply(&db.pool).await.expect("seed again");
    let (name, active): (String, bool) = sqlx::query_as(
        "SELECT name, active FROM knowledge_graph_schema_types WHERE id = 'node.person'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("person");
    assert_eq!((name.as_str(), active), ("Person", true));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM knowledge_graph_schema_types WHERE id = 'node.pet' AND active"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM knowledge_graph_schema_types WHERE id = 'node.image' AND active"
        )
        .await,
        0,
        "legacy ids are deactivated"
    );
}

#[tokio::test]
async fn the_seed_command_migrates_and_seeds_idempotently() {
    let db = TestDb::create().await;
    let mut env = base_env();
    env.insert("KNOWLEDGE_SCHEMA_DSN".into(), db.dsn.clone());
    for _ in 0..2 {
        let process = BinaryProcess::start(
            Path::new(env!("CARGO_BIN_EXE_knowledge-interface")),
            &["seed"],
            &env,
        );
        let (status, stderr) = process
            .wait(Duration::from_secs(30))
            .await
            .expect("seed exits");
        assert!(status.success(), "seed failed: {stderr}");
    }
    assert_eq!(counts(&db).await, [25, 30, 32, 21, 5]);
}
