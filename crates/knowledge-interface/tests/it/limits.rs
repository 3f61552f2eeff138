//! What one request may cost: delta caps, the limits on searches, page tokens and entity
//! contexts (each refused with INVALID_ARGUMENT naming its variable, or bounded where the
//! request itself is fine), and the empty delta the original's pipeline sends.

use exobrain_proto::knowledge as pb;
use tonic::Code;
use uuid::Uuid;

use crate::support::knowledge::{block, described, edge, entity, spawn, spawn_with};

/// `count` private people named `prefix 0`, `prefix 1`, …
fn people(prefix: &str, count: usize) -> Vec<pb::EntityNode> {
    (0..count)
        .map(|i| entity(Uuid::new_v4(), "node.person", &format!("{prefix} {i}")))
        .collect()
}

#[tokio::test]
async fn an_empty_delta_as_the_original_pipeline_sends_it_is_a_no_op() {
    let service = spawn().await;
    let mut client = service.client("ada").await;
    // No x-user-id, no records, no user anywhere: what the original sends when a conversation
    // yields nothing.
    let reply = client
        .inner
        .upsert_graph_delta(pb::UpsertGraphDeltaRequest {
            universes: vec![],
            entities: vec![],
            blocks: vec![],
            edges: vec![],
            source: None,
        })
        .await
        .expect("an empty delta is accepted")
        .into_inner();
    assert_eq!(reply, pb::UpsertGraphDeltaReply::default());
}

#[tokio::test]
async fn deltas_over_the_record_or_byte_cap_are_refused_naming_the_cap() {
    let service = spawn_with(&[
        ("KNOWLEDGE_DELTA_MAX_RECORDS", "4"),
        ("KNOWLEDGE_DELTA_MAX_BYTES", "2048"),
    ])
    .await;
    let mut ada = service.client("ada").await;
    let status = ada
        .upsert(pb::UpsertGraphDeltaRequest {
            entities: people("Crowd", 5),
            ..Default::default()
        })
        .await
        .expect_err("five records");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("KNOWLEDGE_DELTA_MAX_RECORDS"),
        "{}",
        status.message()
    );

    let (person, root, link) = described(
        Uuid::new_v4(),
        "node.person",
        "Verbose",
        &"long words ".repeat(300),
    );
    let status = ada
        .upsert(pb::UpsertGraphDeltaRequest {
            entities: vec![person.clone()],
            blocks: vec![root],
            edges: vec![link.clone()],
            ..Default::default()
        })
        .await
        .expect_err("over 2 KiB");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("KNOWLEDGE_DELTA_MAX_BYTES"),
        "{}",
        status.message()
    );

    let fits = ada
        .upsert(pb::UpsertGraphDeltaRequest {
            entities: vec![person],
            blocks: vec![block(link.to_id.parse().unwrap(), "short")],
            edges: vec![link],
            ..Default::default()
        })
        .await
        .expect("three small records fit");
    assert_eq!(fits.entities_upserted, 1);
}

#[tokio::test]
async fn searches_with_too_many_names_or_too_long_texts_are_refused_naming_the_limit() {
    let service = spawn_with(&[
        ("KNOWLEDGE_CANDIDATE_MAX_NAMES", "3"),
        ("KNOWLEDGE_QUERY_MAX_CHARS", "40"),
    ])
    .await;
    let mut ada = service.client("ada").await;
    let names = |count: usize| (0..count).map(|i| format!("name {i}")).collect();
    let status = ada
        .inner
        .find_entity_candidates(ada.request(pb::FindEntityCandidatesRequest {
            names: names(4),
            ..Default::default()
        }))
        .await
        .expect_err("four names");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("KNOWLEDGE_CANDIDATE_MAX_NAMES"));

    let long = "a very long description of someone ".repeat(3);
    let status = ada
        .inner
        .find_entity_candidates(ada.request(pb::FindEntityCandidatesRequest {
            names: names(1),
            short_description: long.clone(),
            ..Default::default()
        }))
        .await
        .expect_err("long description");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("KNOWLEDGE_QUERY_MAX_CHARS"));

    let status = ada
        .inner
        .search_blocks(ada.request(pb::SearchBlocksRequest {
            query: long,
            ..Default::default()
        }))
        .await
        .expect_err("long query");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("KNOWLEDGE_QUERY_MAX_CHARS"),
        "{}",
        status.message()
    );

    ada.inner
        .find_entity_candidates(ada.request(pb::FindEntityCandidatesRequest {
            names: names(3),
            short_description: "a friend".into(),
            ..Default::default()
        }))
        .await
        .expect("within the limits");
}

#[tokio::test]
async fn offset_page_tokens_past_the_limit_are_refused_and_those_within_are_served() {
    let service = spawn().await;
    let mut ada = service.client("ada").await;
    let list = |token: &str| pb::ListEntitiesByTypeRequest {
        type_id: "node.person".into(),
        page_token: Some(token.into()),
        ..Default::default()
    };
    let status = ada
        .inner
        .list_entities_by_type(ada.request(list("18446744073709551615")))
        .await
        .expect_err("an offset past i64");
    assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
    assert!(
        status.message().contains("page_token"),
        "{}",
        status.message()
    );

    let page = ada
        .inner
        .list_entities_by_type(ada.request(list("1000000")))
        .await
        .expect("the deepest offset accepted")
        .into_inner();
    assert!(page.entities.is_empty());
}

#[tokio::test]
async fn an_entity_context_returns_at_most_the_configured_blocks_and_neighbours() {
    let service = spawn_with(&[
        ("KNOWLEDGE_CONTEXT_MAX_BLOCKS", "2"),
        ("KNOWLEDGE_CONTEXT_MAX_NEIGHBORS", "3"),
    ])
    .await;
    let mut ada = service.client("ada").await;
    let hub = Uuid::new_v4();
    let (node, root, link) = described(hub, "node.person", "Hub", "The hub of everyone.");
    let root_id: Uuid = root.id.parse().unwrap();
    let friends = people("Friend", 5);
    let mut blocks = vec![root];
    let mut edges = vec![link];
    for (i, friend) in friends.iter().enumerate() {
        let friend_id: Uuid = friend.id.parse().unwrap();
        edges.push(edge(hub, "KNOWS", friend_id));
        let detail = Uuid::new_v4();
        blocks.push(block(detail, &format!("Detail {i}.")));
        edges.push(edge(root_id, "SUMMARIZES", detail));
        edges.push(edge(root_id, "MENTIONS", friend_id));
    }
    let mut entities = vec![node];
    entities.extend(friends);
    ada.upsert(pb::UpsertGraphDeltaRequest {
        entities,
        blocks,
        edges,
        ..Default::default()
    })
    .await
    .expect("hub");

    let context = ada.context(hub, 5, false).await.expect("context");
    assert_eq!(context.neighbors.len(), 3, "the entity's own edges");
    assert_eq!(context.blocks.len(), 2);
    assert_eq!(
        context.blocks[0].id,
        root_id.to_string(),
        "shallowest first"
    );
    let block_neighbors: usize = context.blocks.iter().map(|b| b.neighbors.len()).sum();
    assert_eq!(block_neighbors, 3, "the blocks' edges together");
}
