//! Reads and tenancy over real gRPC: another user's records are never changed and private
//! ones never seen; the service token; entity candidates by names (exact, alias, accents,
//! whole words, typos, subtypes) and by meaning with real MiniLM embeddings; block search;
//! keyset listings; extraction contexts; type candidates; NOT_FOUND for missing entities.

use exobrain_proto::knowledge as pb;
use tonic::Code;
use uuid::Uuid;

use crate::support::knowledge::{described, edge, entity, spawn, spawn_with, text};

fn delta() -> pb::UpsertGraphDeltaRequest {
    pb::UpsertGraphDeltaRequest::default()
}

fn shared(mut node: pb::EntityNode) -> pb::EntityNode {
    node.visibility = pb::Visibility::Shared as i32;
    node
}

#[tokio::test]
async fn another_users_records_are_never_changed_and_private_ones_never_seen() {
    let service = spawn().await;
    let mut ada = service.client("ada").await;
    let mut bob = service.client("bob").await;
    let (secret, public) = (Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request
        .entities
        .push(entity(secret, "node.person", "Secret Friend"));
    request
        .entities
        .push(shared(entity(public, "node.person", "Public Figure")));
    ada.upsert(request).await.expect("ada's records");

    let mut rename = delta();
    rename
        .entities
        .push(shared(entity(public, "node.person", "Renamed")));
    let status = bob.upsert(rename).await.expect_err("not bob's");
    assert_eq!(
        status.code(),
        Code::PermissionDenied,
        "{}",
        status.message()
    );
    assert!(status.message().contains("belongs to another user"));

    let mut spoof = delta();
    let mut spoofed = entity(Uuid::new_v4(), "node.person", "Spoof");
    spoofed.user_id = "ada".into();
    spoof.entities.push(spoofed);
    let status = bob
        .upsert(spoof)
        .await
        .expect_err("records name the caller");
    assert_eq!(status.code(), Code::PermissionDenied);

    let (bobs, ours) = (Uuid::new_v4(), Uuid::new_v4());
    let mut link = delta();
    link.entities.push(entity(bobs, "node.person", "Bob Self"));
    link.edges.push(edge(bobs, "KNOWS", public));
    bob.upsert(link)
        .await
        .expect("a SHARED node may be linked to");
    let mut private_link = delta();
    private_link
        .entities
        .push(entity(ours, "node.person", "Other"));
    private_link.edges.push(edge(ours, "KNOWS", secret));
    let status = bob.upsert(private_link).await.expect_err("invisible");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .contains("does not exist (or is not visible to you)")
    );

    let hidden = bob.context(secret, 0, false).await.expect_err("private");
    assert_eq!(hidden.code(), Code::NotFound);
    let visible = bob.context(public, 0, false).await.expect("shared");
    assert_eq!(
        visible.entity.unwrap().name.as_deref(),
        Some("Public Figure")
    );
    let public_for_ada = ada.context(public, 0, false).await.expect("ada");
    assert_eq!(
        public_for_ada.neighbors.len(),
        0,
        "bob's private edge stays bob's"
    );

    let mut mismatch = bob.request(pb::GetEntityContextRequest {
        entity_id: public.to_string(),
        user_id: "ada".into(),
        max_block_level: 0,
        include_history: false,
    });
    mismatch
        .metadata_mut()
        .insert("x-user-id", "bob".parse().unwrap());
    let status = bob
        .inner
        .get_entity_context(mismatch)
        .await
        .expect_err("disagree");
    assert_eq!(status.code(), Code::PermissionDenied);
    for bad in ["", "not-a-uuid"] {
        let status = bob
            .inner
            .get_entity_context(bob.request(pb::GetEntityContextRequest {
                entity_id: bad.into(),
                ..Default::default()
            }))
            .await
            .expect_err("bad id");
        assert_eq!(status.code(), Code::InvalidArgument);
    }
    let candidates = bob
        .inner
        .find_entity_candidates(bob.request(pb::FindEntityCandidatesRequest {
            names: vec!["Secret Friend".into(), "Public Figure".into()],
            ..Default::default()
        }))
        .await
        .expect("search")
        .into_inner();
    let names: Vec<&str> = candidates
        .candidates
        .iter()
        .map(|c| c.entity_name.as_str())
        .collect();
    assert!(
        names.contains(&"Public Figure") && !names.contains(&"Secret Friend"),
        "{names:?}"
    );
}

#[tokio::test]
async fn a_configured_service_token_is_required_on_every_rpc() {
    let service = spawn_with(&[("EXOBRAIN_INTERNAL_TOKEN", "s3cret")]).await;
    let mut client = service.client("ada").await;
    let status = client
        .inner
        .get_schema(pb::GetSchemaRequest::default())
        .await
        .expect_err("no token");
    assert_eq!(status.code(), Code::Unauthenticated);
    let mut request = tonic::Request::new(pb::GetSchemaRequest::default());
    request
        .metadata_mut()
        .insert("authorization", "Bearer s3cret".parse().unwrap());
    let schema = client
        .inner
        .get_schema(request)
        .await
        .expect("token")
        .into_inner();
    assert_eq!(schema.node_types.len(), 25);
}

#[tokio::test]
async fn names_match_exactly_by_alias_without_accents_by_whole_words_and_with_typos() {
    let service = spawn().await;
    let mut ada = service.client("user-7").await;
    let (jose, lovelace, agent, place) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let mut request = delta();
    let mut jose_node = entity(jose, "node.person", "José Álvarez");
    jose_node
        .properties
        .push(crate::support::knowledge::value_of(
            "aliases",
            pb::property_value::Value::JsonValue(r#"["Pepe"]"#.into()),
        ));
    request.entities.push(jose_node);
    request
        .entities
        .push(entity(lovelace, "node.person", "Ada"));
    request
        .entities
        .push(entity(agent, "node.ai_agent", "Jarvis"));
    request
        .entities
        .push(entity(place, "node.place", "Jarvis Creek"));
    ada.upsert(request).await.expect("entities");
    let find = |names: &[&str], types: &[&str]| {
        let request = ada.request(pb::FindEntityCandidatesRequest {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            potential_type_ids: types.iter().map(|t| (*t).to_owned()).collect(),
            limit: Some(5),
            ..Default::default()
        });
        let mut inner = ada.inner.clone();
        async move {
            inner
                .find_entity_candidates(request)
                .await
                .expect("candidates")
                .into_inner()
                .candidates
        }
    };
    let by_accentless = find(&["jose alvarez"], &[]).await;
    assert_eq!(by_accentless[0].entity_id, jose.to_string());
    assert_eq!(by_accentless[0].matched_name, "José Álvarez");
    assert!(
        (by_accentless[0].score - 0.55).abs() < 1e-6,
        "exact name, no description"
    );
    let by_alias = find(&["pepe"], &[]).await;
    assert_eq!(by_alias[0].entity_id, jose.to_string());
    assert_eq!(
        (
            by_alias[0].matched_name.as_str(),
            by_alias[0].matched_alias.as_str()
        ),
        ("", "Pepe")
    );
    let by_words = find(&["Ada Lovelace"], &[]).await;
    assert_eq!(
        by_words[0].entity_id,
        lovelace.to_string(),
        "a longer mention finds the entity"
    );
    let by_typo = find(&["Jose Alvares"], &[]).await;
    assert_eq!(by_typo[0].entity_id, jose.to_string());
    let people = find(&["Jarvis"], &["node.person"]).await;
    let ids: Vec<&str> = people.iter().map(|c| c.entity_id.as_str()).collect();
    assert!(
        ids.contains(&agent.to_string().as_str()),
        "an AI agent is a person"
    );
    assert!(!ids.contains(&place.to_string().as_str()), "a place is not");

    let status = ada
        .inner
        .find_entity_candidates(ada.request(pb::FindEntityCandidatesRequest::default()))
        .await
        .expect_err("empty");
    assert!(
        status
            .message()
            .contains("at least one name or short_description is required")
    );
}

#[tokio::test]
async fn a_paraphrased_description_finds_the_right_entity_and_block_by_meaning() {
    let service = spawn().await;
    let mut ada = service.client("ada").await;
    let fixtures = [
        (
            "node.person",
            "Mira",
            "Mira is a veterinarian who treats horses on farms in the valley.",
        ),
        (
            "node.person",
            "Tomas",
            "Tomas teaches mathematics at the secondary school downtown.",
        ),
        (
            "node.place",
            "Lakeside Cabin",
            "A small wooden cabin by the lake where the family spends summer holidays.",
        ),
        (
            "node.object",
            "Red Bicycle",
            "An old red racing bicycle that needs new brakes.",
        ),
        (
            "node.concept",
            "Sourdough",
            "A method of baking bread with a fermented starter of flour and water.",
        ),
    ];
    let mut request = delta();
    let mut ids = Vec::new();
    for (type_id, name, description) in fixtures {
        let id = Uuid::new_v4();
        let (node, root, link) = described(id, type_id, name, description);
        request.entities.push(node);
        request.blocks.push(root);
        request.edges.push(link);
        ids.push(id);
    }
    ada.upsert(request).await.expect("fixture graph");
    service.vectors_settled().await;
    let cases = [
        ("an animal doctor who looks after horses", 0),
        ("someone who gives maths lessons to teenagers", 1),
        ("holiday hut next to a lake", 2),
        ("a bike with broken brakes", 3),
        ("bread made with natural yeast", 4),
    ];
    for (description, expected) in cases {
        let candidates = ada
            .inner
            .find_entity_candidates(ada.request(pb::FindEntityCandidatesRequest {
                short_description: description.into(),
                limit: Some(3),
                ..Default::default()
            }))
            .await
            .expect("candidates")
            .into_inner()
            .candidates;
        assert_eq!(
            candidates.first().map(|c| c.entity_id.clone()),
            Some(ids[expected].to_string()),
            "{description}: {candidates:?}"
        );
        assert_eq!(candidates[0].described_by_text, fixtures[expected].2);
        let hits = ada
            .inner
            .search_blocks(ada.request(pb::SearchBlocksRequest {
                query: description.into(),
                limit: Some(2),
                ..Default::default()
            }))
            .await
            .expect("search")
            .into_inner()
            .hits;
        assert_eq!(hits[0].text, fixtures[expected].2, "{description}");
        assert_eq!(hits[0].root_entity_id, ids[expected].to_string());
        assert_eq!(hits[0].root_entity_name, fixtures[expected].1);
    }
    let mut bob = service.client("bob").await;
    let nothing = bob
        .inner
        .search_blocks(bob.request(pb::SearchBlocksRequest {
            query: "horses".into(),
            ..Default::default()
        }))
        .await
        .expect("search")
        .into_inner()
        .hits;
    assert!(
        nothing.iter().all(|h| !h.text.contains("horses")),
        "ada's blocks are private"
    );
}

#[tokio::test]
async fn listings_page_with_keyset_cursors_and_report_real_totals() {
    let service = spawn().await;
    let mut ada = service.client("ada").await;
    let mut request = delta();
    for index in 0..7 {
        request.entities.push(entity(
            Uuid::new_v4(),
            "node.person",
            &format!("Person {index}"),
        ));
    }
    let popular = Uuid::new_v4();
    let (node, root, link) = described(popular, "node.person", "Popular", "Known by all.");
    request.entities.push(node);
    request.blocks.push(root);
    request.edges.push(link);
    ada.upsert(request).await.expect("people");
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = ada
            .inner
            .list_entities_by_type(ada.request(pb::ListEntitiesByTypeRequest {
                type_id: "node.person".into(),
                page_size: Some(3),
                page_token: token.clone(),
                ..Default::default()
            }))
            .await
            .expect("page")
            .into_inner();
        assert_eq!(
            page.total_count,
            Some(10),
            "8 people, ada herself and her assistant"
        );
        seen.extend(page.entities.iter().map(|e| (e.id.clone(), e.score)));
        token = page.next_page_token;
        if token.is_none() {
            break;
        }
    }
    let mut ids: Vec<&String> = seen.iter().map(|(id, _)| id).collect();
    assert_eq!(seen.len(), 10);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10, "no entity twice");
    // Ada's assistant (a block and an edge) outranks Popular (a block), which outranks the
    // seven plain people.
    let rank = seen
        .iter()
        .position(|(id, _)| *id == popular.to_string())
        .expect("listed");
    assert_eq!(rank, 1, "{seen:?}");
    let scores: Vec<f64> = seen.iter().map(|(_, s)| s.unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let offset = ada
        .inner
        .list_entities_by_type(ada.request(pb::ListEntitiesByTypeRequest {
            type_id: "node.person".into(),
            page_size: Some(3),
            page_token: Some("9".into()),
            ..Default::default()
        }))
        .await
        .expect("offset")
        .into_inner();
    assert_eq!(offset.entities.len(), 1);
    let status = ada
        .inner
        .list_entities_by_type(ada.request(pb::ListEntitiesByTypeRequest {
            type_id: "node.person".into(),
            page_token: Some("nonsense".into()),
            ..Default::default()
        }))
        .await
        .expect_err("bad token");
    assert!(
        status
            .message()
            .contains("page_token must be a valid pagination cursor")
    );
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
        .expect_err("operator call");
    assert_eq!(status.code(), Code::PermissionDenied);
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
