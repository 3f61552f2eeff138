//! Reads that do not depend on the graph store (those are in the graph contract): extraction
//! contexts, type candidates, and the input checks of the operator and search RPCs.

use exobrain_proto::knowledge as pb;
use tonic::Code;
use uuid::Uuid;

use crate::support::knowledge::{edge, entity, spawn, text};

fn delta() -> pb::UpsertGraphDeltaRequest {
    pb::UpsertGraphDeltaRequest::default()
}

#[tokio::test]
async fn extraction_offers_entity_types_only_and_the_visible_universes() {
    let service = spawn().await;
    let mut ada = service.client("ada").await;
    let context = ada
        .inner
        .get_entity_extraction_schema_context(
            ada.request(pb::GetEntityExtractionSchemaContextRequest::default()),
        )
        .await
        .expect("context")
        .into_inner();
    let types: Vec<&str> = context
        .entity_types
        .iter()
        .map(|t| t.type_id.as_str())
        .collect();
    for excluded in ["node", "node.universe", "node.block", "node.quote"] {
        assert!(!types.contains(&excluded), "{excluded} in {types:?}");
    }
    assert!(types.contains(&"node.person") && types.contains(&"node.chat_message"));
    let chat = context
        .entity_types
        .iter()
        .find(|t| t.type_id == "node.chat_message")
        .unwrap();
    assert_eq!(
        chat.inheritance_chain,
        [
            "node.entity",
            "node.event",
            "node.message",
            "node.chat_message"
        ]
    );
    let universes: Vec<(&str, Option<&str>)> = context
        .universes
        .iter()
        .map(|u| (u.name.as_str(), u.described_by_text.as_deref()))
        .collect();
    assert_eq!(universes, [("Real World", None)]);
    let _ = text;
}

#[tokio::test]
async fn type_candidates_rank_the_closest_active_types() {
    let service = spawn().await;
    let mut client = service.client("ada").await;
    // Type vectors are synced in the background after startup.
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    for _ in 0..300 {
        let node_reply = client
            .inner
            .find_node_type_candidates(pb::FindNodeTypeCandidatesRequest {
                name: "Human".into(),
                description: "A human being".into(),
                limit: Some(3),
            })
            .await;
        let edge_reply = client
            .inner
            .find_edge_type_candidates(pb::FindEdgeTypeCandidatesRequest {
                name: "acquainted".into(),
                description: "two people know each other".into(),
                limit: Some(3),
            })
            .await;
        if let (Ok(n), Ok(e)) = (node_reply, edge_reply) {
            (nodes, edges) = (n.into_inner().candidates, e.into_inner().candidates);
            if !nodes.is_empty() && !edges.is_empty() {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ids: Vec<&str> = nodes.iter().map(|c| c.type_id.as_str()).collect();
    assert!(ids.contains(&"node.person"), "{ids:?}");
    assert!(edges.iter().any(|c| c.type_id == "edge.knows"), "{edges:?}");
    let status = client
        .inner
        .find_node_type_candidates(pb::FindNodeTypeCandidatesRequest::default())
        .await
        .expect_err("empty");
    assert_eq!(status.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn operator_and_search_rpcs_check_their_input() {
    let service = spawn().await;
    let mut ada = service.client("ada").await;
    let health = ada
        .inner
        .health(pb::HealthRequest {})
        .await
        .expect("health")
        .into_inner();
    assert_eq!(health.status, "ok");
    for (query, entity_id, fragment) in [
        (" ", None, "query is required"),
        ("cello", Some("x"), "entity_id: `x` is not a UUID"),
    ] {
        let status = ada
            .inner
            .search_blocks(ada.request(pb::SearchBlocksRequest {
                query: query.into(),
                entity_id: entity_id.map(str::to_owned),
                ..Default::default()
            }))
            .await
            .expect_err("invalid");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains(fragment), "{}", status.message());
    }
    let anonymous = ada
        .inner
        .upsert_graph_delta(pb::UpsertGraphDeltaRequest {
            entities: vec![entity(Uuid::new_v4(), "node.person", "Nobody")],
            ..Default::default()
        })
        .await
        .expect_err("no user");
    assert!(
        anonymous.message().contains("send x-user-id"),
        "{}",
        anonymous.message()
    );
    let system = ada
        .inner
        .upsert_graph_delta({
            let mut request = tonic::Request::new(delta());
            request
                .metadata_mut()
                .insert("x-user-id", "exobrain".parse().unwrap());
            request
        })
        .await
        .expect_err("reserved");
    assert_eq!(system.code(), Code::PermissionDenied);

    let (id, root) = (Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request.entities.push(entity(id, "node.person", "Olga"));
    request.blocks.push(crate::support::knowledge::block(
        root,
        "Olga sings in a choir.",
    ));
    request.edges.push(edge(id, "DESCRIBED_BY", root));
    ada.upsert(request).await.expect("olga");
    service.vectors_settled().await;
    let fresh = ada
        .inner
        .reindex_user(ada.request(pb::ReindexUserRequest {
            user_id: String::new(),
            force: false,
        }))
        .await
        .expect("reindex")
        .into_inner();
    assert_eq!(fresh.blocks_queued, 0, "nothing is stale");
    let forced = ada
        .inner
        .reindex_user(ada.request(pb::ReindexUserRequest {
            user_id: "ada".into(),
            force: true,
        }))
        .await
        .expect("forced")
        .into_inner();
    assert_eq!(
        forced.blocks_queued, 2,
        "olga's block and ada's assistant block"
    );
    let status = ada
        .inner
        .reindex_all(ada.request(pb::ReindexAllRequest {}))
        .await
        .expect_err("every user, not one");
    assert_eq!(status.code(), Code::InvalidArgument);
    let all = ada
        .inner
        .reindex_all(pb::ReindexAllRequest {})
        .await
        .expect("operator")
        .into_inner();
    assert_eq!(
        all.blocks_queued, 3,
        "olga, ada's assistant and the Exobrain root block"
    );
    service.vectors_settled().await;
    let hits = ada
        .inner
        .search_blocks(ada.request(pb::SearchBlocksRequest {
            query: "a singer in a choir".into(),
            entity_id: Some(id.to_string()),
            ..Default::default()
        }))
        .await
        .expect("search")
        .into_inner()
        .hits;
    assert_eq!(hits.len(), 1, "only blocks under olga");
    assert_eq!(hits[0].text, "Olga sings in a choir.");
}
