//! The read half of the graph contract: tenancy (another user's records are never changed
//! and private ones never seen, NOT_FOUND for what is missing or invisible), entity
//! candidates by names (exact, alias, accents, whole words, typos, subtypes) and by meaning
//! with real MiniLM embeddings, block search, keyset listings, and what blocks mention.

use exobrain_proto::knowledge as pb;
use tonic::Code;
use uuid::Uuid;

use crate::support::knowledge::{Backend, described, edge, entity, spawn_on};

fn delta() -> pb::UpsertGraphDeltaRequest {
    pb::UpsertGraphDeltaRequest::default()
}

fn shared(mut node: pb::EntityNode) -> pb::EntityNode {
    node.visibility = pb::Visibility::Shared as i32;
    node
}

pub async fn another_users_records_are_never_changed_and_private_ones_never_seen(backend: Backend) {
    let service = spawn_on(&backend).await;
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
    spoofed.user_id = ada.user_id.clone();
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
        user_id: ada.user_id.clone(),
        max_block_level: 0,
        include_history: false,
    });
    mismatch
        .metadata_mut()
        .insert("x-user-id", bob.user_id.parse().unwrap());
    let status = bob
        .inner
        .get_entity_context(mismatch)
        .await
        .expect_err("disagree");
    assert_eq!(status.code(), Code::InvalidArgument);
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

pub async fn names_match_exactly_by_alias_without_accents_by_whole_words_and_with_typos(
    backend: Backend,
) {
    let service = spawn_on(&backend).await;
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
    let chore = Uuid::new_v4();
    request.entities.push(entity(
        chore,
        "node.task",
        "Clean the garage before the winter holidays",
    ));
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
    let long_typo = find(&["Claen the garage befor the winter holidays"], &[]).await;
    assert_eq!(
        long_typo.first().map(|c| c.entity_id.clone()),
        Some(chore.to_string()),
        "a long name with typos is still found at the stricter threshold"
    );
    assert!(
        find(&["Clean the attic after the summer trip"], &[])
            .await
            .iter()
            .all(|c| c.entity_id != chore.to_string()),
        "sharing common words is not enough for a long name"
    );
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

pub async fn a_paraphrased_description_finds_the_right_entity_and_block_by_meaning(
    backend: Backend,
) {
    let service = spawn_on(&backend).await;
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

pub async fn listings_page_with_keyset_cursors_and_report_real_totals(backend: Backend) {
    let service = spawn_on(&backend).await;
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

pub async fn the_context_shows_what_blocks_mention_with_the_other_entitys_description(
    backend: Backend,
) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (paul, quinn) = (Uuid::new_v4(), Uuid::new_v4());
    let (paul_node, paul_root, paul_link) =
        described(paul, "node.person", "Paul", "Paul runs the bakery.");
    let (quinn_node, quinn_root, quinn_link) =
        described(quinn, "node.person", "Quinn", "Quinn is Paul's apprentice.");
    let quinn_block: Uuid = quinn_root.id.parse().unwrap();
    let mut request = delta();
    request.entities.extend([paul_node, quinn_node]);
    request.blocks.extend([paul_root, quinn_root]);
    request
        .edges
        .extend([paul_link, quinn_link, edge(quinn_block, "MENTIONS", paul)]);
    ada.upsert(request).await.expect("graph");
    let context = ada.context(quinn, 0, false).await.expect("quinn");
    let mentions = &context.blocks[0].neighbors;
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0].edge_type, "MENTIONS");
    assert_eq!(
        mentions[0].direction,
        pb::NeighborDirection::Outgoing as i32
    );
    let other = mentions[0].other_entity.as_ref().unwrap();
    assert_eq!(other.name.as_deref(), Some("Paul"));
    assert_eq!(other.description.as_deref(), Some("Paul runs the bakery."));
    assert!(
        !context.entity_properties.contains_key("name"),
        "the name is in the core, not repeated in the map"
    );
    assert_eq!(context.entity_properties["user_id"], ada.user_id);
    assert_eq!(context.entity_properties["id"], quinn.to_string());
}
