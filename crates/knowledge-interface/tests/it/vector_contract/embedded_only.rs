//! The embedded store's own promises beyond the shared contract: several processes over one
//! database converge on each other's writes, deletes and recreates, and searches large
//! enough to leave the async threads rank the same.

use super::*;

async fn second_process(db: &TestDb) -> EmbeddedStore {
    let pool = sqlx::PgPool::connect(&db.dsn).await.expect("second pool");
    EmbeddedStore::new(pool)
}

#[tokio::test]
async fn two_stores_over_one_database_see_each_others_writes_and_deletes() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let (writer, reader) = (
        EmbeddedStore::new(db.pool.clone()),
        second_process(&db).await,
    );
    ready(&writer, 2).await;
    assert!(search_ids(&reader, &[1.0, 0.0], None).await.is_empty());
    writer
        .upsert(C, vec![mine(1, &[1.0, 0.0]), mine(2, &[0.0, 1.0])])
        .await
        .expect("upsert");
    assert_eq!(search_ids(&reader, &[1.0, 0.0], None).await, vec![1, 2]);
    writer.delete(C, &[id(1)]).await.expect("delete");
    writer
        .upsert(C, vec![point(2, &[1.0, 0.0], "ann", Visibility::Shared)])
        .await
        .expect("move");
    assert_eq!(
        search_ids(&reader, &[1.0, 0.0], Some(&viewer("bob"))).await,
        vec![2]
    );
    assert_eq!(search_ids(&writer, &[1.0, 0.0], None).await, vec![2]);
}

#[tokio::test]
async fn a_loaded_index_follows_a_recreate_made_elsewhere() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let (admin, reader) = (
        EmbeddedStore::new(db.pool.clone()),
        second_process(&db).await,
    );
    ready(&admin, 3).await;
    admin
        .upsert(C, vec![mine(1, &[1.0, 0.0, 0.0])])
        .await
        .expect("upsert");
    assert_eq!(search_ids(&reader, &[1.0, 0.0, 0.0], None).await, vec![1]);
    admin
        .recreate_collection(&spec("m2", 2))
        .await
        .expect("recreate");
    assert!(search_ids(&reader, &[1.0, 0.0], None).await.is_empty());
    let stale = reader.search(C, &[1.0, 0.0, 0.0], None, 3).await;
    assert!(matches!(stale, Err(VectorError::Invalid(_))), "{stale:?}");
    admin
        .upsert(C, vec![mine(7, &[0.0, 1.0])])
        .await
        .expect("upsert");
    assert_eq!(search_ids(&reader, &[0.0, 1.0], None).await, vec![7]);
}

#[tokio::test]
async fn large_searches_run_off_the_async_threads_with_the_same_ranking() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let store = EmbeddedStore::new(db.pool.clone());
    ready(&store, 4).await;
    let vector = |n: u128| {
        let (a, b) = (n as f32 * 0.37, n as f32 * 1.91);
        [a.cos(), a.sin(), b.cos(), b.sin()]
    };
    let points: Vec<VectorPoint> = (1..=5_000).map(|n| mine(n, &vector(n))).collect();
    store.upsert(C, points).await.expect("upsert");
    let hits = store
        .search(C, &vector(1_234), Some(&viewer("ann")), 10)
        .await
        .expect("search");
    assert_eq!(hits[0].point.id, id(1_234));
    assert!((hits[0].score - 1.0).abs() < 1e-5);
    assert!(hits.windows(2).all(|pair| pair[0].score >= pair[1].score));
    assert!(
        search_ids(&store, &vector(1_234), Some(&viewer("bob")))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_loaded_index_catches_up_on_thousands_of_changes_in_order() {
    let db = TestDb::migrated(&MIGRATOR).await;
    let (writer, reader) = (
        EmbeddedStore::new(db.pool.clone()),
        second_process(&db).await,
    );
    ready(&writer, 2).await;
    writer
        .upsert(C, vec![mine(1, &[1.0, 0.0])])
        .await
        .expect("upsert");
    assert_eq!(search_ids(&reader, &[1.0, 0.0], None).await, vec![1]);
    // Several catch-up batches' worth of changes, the later ones undoing earlier ones.
    let far = |n: u128| [-1.0, 0.001 * n as f32];
    for chunk in (2..=3_001_u128).collect::<Vec<_>>().chunks(500) {
        let points = chunk.iter().map(|&n| mine(n, &far(n))).collect();
        writer.upsert(C, points).await.expect("upsert");
    }
    writer
        .upsert(C, vec![mine(2_500, &[1.0, 0.1]), mine(40, &[1.0, 0.2])])
        .await
        .expect("move");
    writer.delete(C, &[id(1), id(40)]).await.expect("delete");
    writer
        .upsert(C, vec![mine(40, &[1.0, 0.3])])
        .await
        .expect("restore");
    let caught_up = reader
        .nearest(C, &[1.0, 0.0], None, 3)
        .await
        .expect("nearest");
    let fresh = second_process(&db)
        .await
        .nearest(C, &[1.0, 0.0], None, 3)
        .await
        .expect("nearest");
    assert_eq!(caught_up, fresh);
    let ids: Vec<u128> = caught_up.iter().map(|(id, _)| id.as_u128()).collect();
    assert_eq!(ids, vec![2_500, 40, 3_001]);
}
