//! The PostgreSQL store's one-statement `blocks_and_roots` answers what `block_roots` and
//! `nodes` answer separately: the places of the blocks the caller may see, their rows and
//! the rows of the entities heading their trees.

use exobrain_proto::knowledge as pb;
use knowledge_interface::access::Viewer;
use knowledge_interface::graph::GraphStore;
use knowledge_interface::graph::postgres::PgGraphStore;
use uuid::Uuid;

use crate::support::knowledge::{block, described, edge, spawn};

#[tokio::test]
async fn blocks_and_roots_in_one_statement_match_the_two_reads() {
    let service = spawn().await;
    let (ada, bob) = (service.user("ada"), service.user("bob"));
    let (person, root, root_edge) = described(Uuid::new_v4(), "node.person", "Ada", "a");
    let (child, grandchild) = (Uuid::new_v4(), Uuid::new_v4());
    let mut client = service.client("ada").await;
    client
        .upsert(pb::UpsertGraphDeltaRequest {
            entities: vec![person.clone()],
            blocks: vec![root.clone(), block(child, "b"), block(grandchild, "c")],
            edges: vec![
                root_edge,
                edge(root.id.parse().unwrap(), "SUMMARIZES", child),
                edge(child, "SUMMARIZES", grandchild),
            ],
            ..Default::default()
        })
        .await
        .expect("ada's graph");
    let (other, hidden, hidden_edge) = described(Uuid::new_v4(), "node.person", "Bo", "d");
    service
        .client("bob")
        .await
        .upsert(pb::UpsertGraphDeltaRequest {
            entities: vec![other],
            blocks: vec![hidden.clone()],
            edges: vec![hidden_edge],
            ..Default::default()
        })
        .await
        .expect("bob's graph");
    let store = PgGraphStore::new(service.db.pool.clone());
    let id = |text: &str| text.parse::<Uuid>().unwrap();
    let asked = [
        id(&root.id),
        child,
        grandchild,
        id(&hidden.id),
        Uuid::new_v4(),
    ];
    for viewer in [&ada, &bob] {
        let viewer = Viewer::new(viewer.as_str()).expect("viewer");
        let (mut roots, rows) = store
            .blocks_and_roots(&viewer, &asked)
            .await
            .expect("one statement");
        let mut rows: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
        let visible_rows = store.nodes(&viewer, &asked).await.expect("nodes");
        let visible: Vec<Uuid> = visible_rows.iter().map(|row| row.id).collect();
        let mut expected_roots: Vec<_> = store
            .block_roots(&asked)
            .await
            .expect("roots")
            .into_iter()
            .filter(|root| visible.contains(&root.block_id))
            .collect();
        let mut expected_rows = visible.clone();
        expected_rows.extend(expected_roots.iter().map(|root| root.root_id));
        let heads = store.nodes(&viewer, &expected_rows).await.expect("heads");
        let mut expected_rows: Vec<Uuid> = heads.iter().map(|row| row.id).collect();
        for list in [&mut rows, &mut expected_rows] {
            list.sort_unstable();
            list.dedup();
        }
        let key = |root: &knowledge_interface::graph::reads::BlockRoot| {
            (root.block_id, root.root_id, root.level)
        };
        roots.sort_by_key(key);
        expected_roots.sort_by_key(key);
        assert_eq!(roots, expected_roots, "{viewer:?}");
        assert_eq!(rows, expected_rows, "{viewer:?}");
    }
    let ada = Viewer::new(ada.as_str()).expect("viewer");
    let (roots, _) = store.blocks_and_roots(&ada, &asked).await.expect("ada");
    let levels: Vec<(Uuid, u32)> = {
        let mut levels: Vec<(Uuid, u32)> = roots.iter().map(|r| (r.block_id, r.level)).collect();
        levels.sort_unstable();
        levels
    };
    let mut want = vec![(id(&root.id), 0), (child, 1), (grandchild, 2)];
    want.sort_unstable();
    assert_eq!(levels, want);
    assert!(roots.iter().all(|r| r.root_id == id(&person.id)));
}
