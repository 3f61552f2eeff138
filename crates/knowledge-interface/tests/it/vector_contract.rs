//! The vector store contract: one set of behaviours every adapter must show, run against the
//! embedded store (always, each test on its own database) and against Qdrant when
//! `QDRANT_ADDR` names a reachable server (each test under its own collection prefix;
//! otherwise the Qdrant variants print a `SKIPPED:` note and pass, or fail under
//! `EXOBRAIN_CONTRACT_SERVERS_REQUIRED=1`, as `scripts/local/contract-tests.sh` runs them).
//! The embedded store's own promises (several processes over one database converge) follow
//! the shared ones.

use exobrain_testkit::{TestDb, unique_suffix};
use knowledge_interface::MIGRATOR;
use knowledge_interface::access::{Viewer, Visibility};
use knowledge_interface::vectors::{
    CollectionSpec, EmbeddedStore, QdrantStore, StoredPoint, VectorError, VectorPoint, VectorStore,
};
use serde_json::{Value, json};
use uuid::Uuid;

const C: &str = "blocks";

fn spec(model: &str, dims: usize) -> CollectionSpec {
    CollectionSpec {
        name: C.into(),
        model: model.into(),
        dims,
    }
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn point(n: u128, vector: &[f32], owner: &str, visibility: Visibility) -> VectorPoint {
    let Value::Object(payload) = json!({ "n": n as u64, "text": format!("point {n}") }) else {
        unreachable!()
    };
    VectorPoint {
        id: id(n),
        vector: vector.to_vec(),
        user_id: owner.into(),
        visibility,
        payload,
    }
}

fn mine(n: u128, vector: &[f32]) -> VectorPoint {
    point(n, vector, "ann", Visibility::Private)
}

fn viewer(user: &str) -> Viewer {
    Viewer::new(user).expect("viewer")
}

async fn ready<S: VectorStore>(store: &S, dims: usize) {
    store
        .ensure_collection(&spec("m1", dims))
        .await
        .expect("ensure");
}

async fn search_ids<S: VectorStore>(
    store: &S,
    query: &[f32],
    access: Option<&Viewer>,
) -> Vec<u128> {
    let hits = store.search(C, query, access, 10).await.expect("search");
    hits.iter().map(|hit| hit.point.id.as_u128()).collect()
}

async fn all_ids<S: VectorStore>(store: &S) -> Vec<u128> {
    let points = store.scroll(C, None, 1000).await.expect("scroll");
    points.iter().map(|point| point.id.as_u128()).collect()
}

async fn ensure_is_idempotent_and_refuses_another_model_or_dimension<S: VectorStore>(store: &S) {
    ready(store, 3).await;
    ready(store, 3).await;
    assert_eq!(
        store.collection(C).await.expect("spec"),
        Some(spec("m1", 3))
    );
    for other in [spec("m2", 3), spec("m1", 4)] {
        match store.ensure_collection(&other).await {
            Err(VectorError::ModelMismatch {
                recorded_model,
                recorded_dims,
                ..
            }) => {
                assert_eq!((recorded_model.as_str(), recorded_dims), ("m1", 3));
            }
            other => panic!("expected a model mismatch, got {other:?}"),
        }
    }
}

async fn recreate_switches_the_model_and_empties_the_collection<S: VectorStore>(store: &S) {
    ready(store, 3).await;
    store
        .upsert(C, vec![mine(1, &[1.0, 0.0, 0.0])])
        .await
        .expect("upsert");
    store
        .recreate_collection(&spec("m2", 2))
        .await
        .expect("recreate");
    assert_eq!(
        store.collection(C).await.expect("spec"),
        Some(spec("m2", 2))
    );
    assert!(all_ids(store).await.is_empty());
    assert!(search_ids(store, &[1.0, 0.0], None).await.is_empty());
    let old = store.upsert(C, vec![mine(2, &[1.0, 0.0, 0.0])]).await;
    assert!(matches!(old, Err(VectorError::Invalid(_))), "{old:?}");
    store
        .ensure_collection(&spec("m2", 2))
        .await
        .expect("new spec holds");
}

async fn search_returns_the_nearest_first_with_cosine_scores<S: VectorStore>(store: &S) {
    ready(store, 3).await;
    let points = vec![
        mine(1, &[0.0, 0.0, 5.0]),
        mine(2, &[3.0, 4.0, 0.0]),
        mine(3, &[-1.0, 0.0, 0.0]),
        mine(4, &[2.0, 0.0, 0.0]),
    ];
    store.upsert(C, points).await.expect("upsert");
    let hits = store
        .search(C, &[7.0, 0.0, 0.0], None, 10)
        .await
        .expect("search");
    let ranked: Vec<(u128, f32)> = hits
        .iter()
        .map(|hit| (hit.point.id.as_u128(), hit.score))
        .collect();
    let expected = [(4, 1.0), (2, 0.6), (1, 0.0), (3, -1.0)];
    assert_eq!(ranked.len(), expected.len(), "{ranked:?}");
    for ((got_id, got), (want_id, want)) in ranked.iter().zip(expected) {
        assert_eq!(*got_id, want_id, "{ranked:?}");
        assert!((got - want).abs() < 1e-5, "{ranked:?}");
    }
    assert_eq!(search_ids(store, &[1.0, 1.0, 0.0], None).await[..2], [2, 4]);
    let top = store
        .search(C, &[1.0, 0.0, 0.0], None, 2)
        .await
        .expect("search");
    assert_eq!(top.len(), 2);
    assert_eq!(top[0].point.payload["text"], "point 4");
    let wrong = store.search(C, &[1.0, 0.0], None, 2).await;
    assert!(matches!(wrong, Err(VectorError::Invalid(_))), "{wrong:?}");
}

async fn equal_scores_are_ordered_by_id<S: VectorStore>(store: &S) {
    ready(store, 2).await;
    let points = [9, 3, 7, 5].map(|n| mine(n, &[1.0, 1.0]));
    store.upsert(C, points.to_vec()).await.expect("upsert");
    store
        .upsert(C, vec![mine(1, &[1.0, 0.0])])
        .await
        .expect("upsert");
    assert_eq!(
        search_ids(store, &[1.0, 1.0], None).await,
        vec![3, 5, 7, 9, 1]
    );
}

async fn the_last_write_of_a_point_wins<S: VectorStore>(store: &S) {
    ready(store, 2).await;
    store
        .upsert(C, vec![mine(1, &[1.0, 0.0])])
        .await
        .expect("upsert");
    let mut moved = point(1, &[0.0, 1.0], "ann", Visibility::Shared);
    moved.payload.insert("version".into(), json!(2));
    store
        .upsert(C, vec![mine(1, &[1.0, 0.0]), moved.clone()])
        .await
        .expect("batch");
    let hits = store
        .search(C, &[0.0, 1.0], Some(&viewer("bob")), 5)
        .await
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert!((hits[0].score - 1.0).abs() < 1e-5);
    assert_eq!(hits[0].point.payload, moved.payload);
    assert_eq!(hits[0].point.visibility, Visibility::Shared);
}

async fn invalid_vectors_refuse_the_whole_batch<S: VectorStore>(store: &S) {
    ready(store, 2).await;
    for bad in [
        vec![1.0, 0.0, 0.0],
        vec![f32::NAN, 1.0],
        vec![0.0, 0.0],
        vec![],
        vec![f32::INFINITY, 0.0],
    ] {
        let batch = vec![mine(1, &[1.0, 0.0]), mine(2, &bad)];
        match store.upsert(C, batch).await {
            Err(VectorError::Invalid(message)) => {
                assert!(message.contains(&id(2).to_string()), "{message}")
            }
            other => panic!("expected {bad:?} to be refused, got {other:?}"),
        }
    }
    let mut reserved = mine(3, &[1.0, 0.0]);
    reserved.payload.insert("user_id".into(), json!("bob"));
    let refused = store.upsert(C, vec![reserved]).await;
    assert!(
        matches!(refused, Err(VectorError::Invalid(_))),
        "{refused:?}"
    );
    assert!(all_ids(store).await.is_empty());
    store
        .upsert(C, Vec::new())
        .await
        .expect("an empty batch is fine");
}

async fn delete_removes_points_and_ignores_unknown_ids<S: VectorStore>(store: &S) {
    ready(store, 2).await;
    let points = (1..=3).map(|n| mine(n, &[1.0, n as f32])).collect();
    store.upsert(C, points).await.expect("upsert");
    store.delete(C, &[id(1), id(42)]).await.expect("delete");
    store.delete(C, &[id(1)]).await.expect("delete again");
    assert_eq!(all_ids(store).await, vec![2, 3]);
    let found = store.get(C, &[id(1), id(2)]).await.expect("get");
    assert_eq!(
        found.iter().map(|p| p.id.as_u128()).collect::<Vec<_>>(),
        vec![2]
    );
    assert!(!search_ids(store, &[1.0, 1.0], None).await.contains(&1));
    store
        .upsert(C, vec![mine(1, &[1.0, 0.0])])
        .await
        .expect("re-insert");
    assert_eq!(search_ids(store, &[1.0, 0.0], None).await[0], 1);
}

async fn a_caller_sees_its_own_points_and_shared_ones_only<S: VectorStore>(store: &S) {
    ready(store, 2).await;
    let points = vec![
        point(1, &[1.0, 0.0], "ann", Visibility::Private),
        point(2, &[1.0, 0.1], "ann", Visibility::Shared),
        point(3, &[1.0, 0.2], "bob", Visibility::Private),
        point(4, &[1.0, 0.3], "bob", Visibility::Shared),
    ];
    store.upsert(C, points).await.expect("upsert");
    let query = [1.0, 0.0];
    assert_eq!(
        search_ids(store, &query, Some(&viewer("ann"))).await,
        vec![1, 2, 4]
    );
    assert_eq!(
        search_ids(store, &query, Some(&viewer("bob"))).await,
        vec![2, 3, 4]
    );
    assert_eq!(
        search_ids(store, &query, Some(&viewer("carol"))).await,
        vec![2, 4]
    );
    assert_eq!(search_ids(store, &query, None).await, vec![1, 2, 3, 4]);
}

async fn nearest_finds_what_search_finds_without_payloads_even_for_a_pending_query<
    S: VectorStore,
>(
    store: &S,
) {
    ready(store, 2).await;
    let points = vec![
        point(1, &[1.0, 0.0], "ann", Visibility::Private),
        point(2, &[1.0, 0.5], "bob", Visibility::Shared),
        point(3, &[0.0, 1.0], "bob", Visibility::Private),
        point(4, &[1.0, 1.0], "ann", Visibility::Private),
        point(5, &[-1.0, 0.2], "ann", Visibility::Shared),
    ];
    store.upsert(C, points).await.expect("upsert");
    let (ann, carol) = (viewer("ann"), viewer("carol"));
    for (access, limit, expected) in [
        (Some(&ann), 10, vec![1, 2, 4, 5]),
        (Some(&ann), 2, vec![1, 2]),
        (Some(&carol), 10, vec![2, 5]),
        (None, 3, vec![1, 2, 4]),
    ] {
        let query = [1.0, 0.1];
        let nearest = store
            .nearest(C, &query, access, limit)
            .await
            .expect("nearest");
        let searched: Vec<(Uuid, f32)> = store
            .search(C, &query, access, limit)
            .await
            .expect("search")
            .into_iter()
            .map(|hit| (hit.point.id, hit.score))
            .collect();
        assert_eq!(nearest, searched, "{access:?} {limit}");
        let pending = store
            .nearest_to_pending(C, async { Some(query.to_vec()) }, access, limit)
            .await
            .expect("nearest to a pending query");
        assert_eq!(pending, nearest, "{access:?} {limit}");
        let ids: Vec<u128> = nearest.iter().map(|(id, _)| id.as_u128()).collect();
        assert_eq!(ids, expected, "{access:?} {limit}");
    }
    let nothing = store
        .nearest_to_pending(C, async { None }, None, 2)
        .await
        .expect("no query");
    assert!(nothing.is_empty());
    let wrong = store.nearest(C, &[1.0, 0.0, 0.0], None, 2).await;
    assert!(matches!(wrong, Err(VectorError::Invalid(_))), "{wrong:?}");
    for missing in [
        store.nearest("nope", &[1.0], None, 2).await,
        store
            .nearest_to_pending("nope", async { Some(vec![1.0]) }, None, 2)
            .await,
    ] {
        assert!(
            matches!(missing, Err(VectorError::MissingCollection(_))),
            "{missing:?}"
        );
    }
}

async fn get_and_scroll_page_in_id_order_and_round_trip_payloads<S: VectorStore>(store: &S) {
    ready(store, 2).await;
    let mut rich = mine(30, &[1.0, 0.0]);
    let Value::Object(payload) = json!({
        "text": "Ünïcode ✓", "block_level": 2, "active": false, "score": 0.25,
        "nested": { "list": [1, "two", null] }, "empty": {}
    }) else {
        unreachable!()
    };
    rich.payload = payload;
    let mut points: Vec<VectorPoint> = [50, 10, 40, 20]
        .iter()
        .map(|&n| mine(n, &[0.0, 1.0]))
        .collect();
    points.push(rich.clone());
    store.upsert(C, points).await.expect("upsert");
    let mut pages: Vec<Vec<u128>> = Vec::new();
    let mut after = None;
    loop {
        let page = store.scroll(C, after, 2).await.expect("scroll");
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        pages.push(page.iter().map(|p| p.id.as_u128()).collect());
    }
    assert_eq!(pages, vec![vec![10, 20], vec![30, 40], vec![50]]);
    let found = store.get(C, &[id(40), id(99), id(30)]).await.expect("get");
    let expected_rich = StoredPoint {
        id: id(30),
        user_id: "ann".into(),
        visibility: Visibility::Private,
        payload: rich.payload,
    };
    assert_eq!(
        found.iter().map(|p| p.id.as_u128()).collect::<Vec<_>>(),
        vec![40, 30]
    );
    assert_eq!(found[1], expected_rich);
    assert_eq!(store.get(C, &[]).await.expect("get nothing"), Vec::new());
}

async fn a_missing_collection_is_reported<S: VectorStore>(store: &S) {
    let missing = |result: Result<(), VectorError>| {
        assert!(
            matches!(result, Err(VectorError::MissingCollection(ref name)) if name == "nope"),
            "{result:?}"
        );
    };
    assert_eq!(store.collection("nope").await.expect("spec"), None);
    missing(store.upsert("nope", vec![mine(1, &[1.0])]).await);
    missing(store.delete("nope", &[id(1)]).await);
    missing(store.search("nope", &[1.0], None, 3).await.map(drop));
    missing(store.get("nope", &[id(1)]).await.map(drop));
    missing(store.scroll("nope", None, 3).await.map(drop));
    store.ping().await.expect("ping");
}

/// A Qdrant store under a fresh collection prefix, or `None` (with a note) when `QDRANT_ADDR`
/// is unset or does not answer.
async fn qdrant(test: &str) -> Option<(QdrantStore, String)> {
    let Some(addr) = std::env::var("QDRANT_ADDR")
        .ok()
        .filter(|addr| !addr.trim().is_empty())
    else {
        crate::support::contract_server_absent(&format!(
            "{test} on qdrant: QDRANT_ADDR is not set"
        ));
        return None;
    };
    let prefix = format!("ki_test_{}_", unique_suffix());
    let store = QdrantStore::new(&addr, std::env::var("QDRANT_API_KEY").ok(), &prefix)
        .expect("qdrant address");
    if let Err(error) = store.ping().await {
        crate::support::contract_server_absent(&format!(
            "{test} on qdrant: no server at {addr} ({error})"
        ));
        return None;
    }
    Some((store, prefix))
}

/// Drops the collections a Qdrant test created.
async fn drop_qdrant_collections(store: &QdrantStore, prefix: &str) {
    let client = qdrant_client::Qdrant::from_url(store.url())
        .api_key(std::env::var("QDRANT_API_KEY").ok())
        .skip_compatibility_check()
        .build()
        .expect("client");
    let listed = client.list_collections().await.expect("list collections");
    for collection in listed
        .collections
        .iter()
        .filter(|c| c.name.starts_with(prefix))
    {
        client
            .delete_collection(collection.name.as_str())
            .await
            .expect("drop collection");
    }
}

/// Runs each contract body once per adapter.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod embedded_store {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let db = TestDb::migrated(&MIGRATOR).await;
                    super::$name(&EmbeddedStore::new(db.pool.clone())).await;
                }
            )*
        }
        mod qdrant_store {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let Some((store, prefix)) = qdrant(stringify!($name)).await else { return };
                    super::$name(&store).await;
                    drop_qdrant_collections(&store, &prefix).await;
                }
            )*
        }
    };
}

contract!(
    ensure_is_idempotent_and_refuses_another_model_or_dimension,
    recreate_switches_the_model_and_empties_the_collection,
    search_returns_the_nearest_first_with_cosine_scores,
    equal_scores_are_ordered_by_id,
    the_last_write_of_a_point_wins,
    invalid_vectors_refuse_the_whole_batch,
    delete_removes_points_and_ignores_unknown_ids,
    a_caller_sees_its_own_points_and_shared_ones_only,
    nearest_finds_what_search_finds_without_payloads_even_for_a_pending_query,
    get_and_scroll_page_in_id_order_and_round_trip_payloads,
    a_missing_collection_is_reported,
);

mod embedded_only;
