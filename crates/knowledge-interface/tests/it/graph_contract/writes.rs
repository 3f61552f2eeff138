//! The write half of the graph contract (UpsertGraphDelta and GetUserInitGraph over real
//! gRPC): idempotent writes with change counts, every violation reported at once with nothing
//! written, the schema's property rules, endpoint rules for stored nodes, type changes, the
//! block tree's shape, retry-safe user initialisation, supersession with history,
//! concurrent writers on one entity, and the listing counters (blocks and relations) kept
//! right through changes, moves and concurrent links.

use crate::support::knowledge::{Backend, block, edge, entity, float, spawn_on, text};
use exobrain_proto::knowledge as pb;
use tonic::Code;
use uuid::Uuid;

fn delta() -> pb::UpsertGraphDeltaRequest {
    pb::UpsertGraphDeltaRequest::default()
}

pub async fn a_delta_applied_twice_changes_nothing_the_second_time(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (bob, bob_block, bob_root) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request.entities.push(entity(bob, "node.person", "Bob"));
    request
        .blocks
        .push(block(bob_root, "Bob is Ada's colleague."));
    request.blocks.push(block(bob_block, "He plays the cello."));
    request.edges.push(edge(bob, "DESCRIBED_BY", bob_root));
    request.edges.push(edge(bob_root, "SUMMARIZES", bob_block));
    let first = ada.upsert(request.clone()).await.expect("first");
    assert_eq!(
        (
            first.entities_upserted,
            first.blocks_upserted,
            first.edges_upserted
        ),
        (1, 2, 3),
        "two explicit edges and the implicit universe membership"
    );
    let second = ada.upsert(request).await.expect("second");
    assert_eq!(second, pb::UpsertGraphDeltaReply::default());

    let context = ada.context(bob, 5, false).await.expect("context");
    assert_eq!(
        context.entity.as_ref().unwrap().name.as_deref(),
        Some("Bob")
    );
    let levels: Vec<(String, u32)> = context
        .blocks
        .iter()
        .map(|b| (b.text.clone().unwrap_or_default(), b.block_level))
        .collect();
    assert_eq!(
        levels,
        [
            ("Bob is Ada's colleague.".to_owned(), 0),
            ("He plays the cello.".to_owned(), 1)
        ]
    );
    assert_eq!(
        context.blocks[1].parent_block_id.as_deref(),
        Some(bob_root.to_string().as_str())
    );
}

pub async fn every_violation_is_reported_together_and_nothing_is_written(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (good, task, place) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request.entities.push(entity(good, "node.person", "Good"));
    let mut unknown = entity(Uuid::new_v4(), "node.unicorn", "Sparkle");
    unknown.properties.push(text("horn", "one"));
    request.entities.push(unknown);
    let mut bad_email = entity(Uuid::new_v4(), "node.person", "Eve");
    bad_email.properties.push(text("email", "not-an-email"));
    bad_email.properties.push(text("id", "mine"));
    request.entities.push(bad_email);
    let mut far = entity(place, "node.place", "Far");
    far.properties.push(float("lat", 123.0));
    far.properties.push(text("lon", "east"));
    request.entities.push(far);
    request
        .entities
        .push(entity(task, "node.task", "Write report"));
    let mut sure = edge(good, "KNOWS", good);
    sure.properties[0] = float("confidence", 7.0);
    sure.properties[1] = text("status", "maybe");
    request.edges.push(sure);
    request.edges.push(edge(task, "KNOWS", good));
    request
        .blocks
        .push(block(Uuid::new_v4(), "An orphan block."));
    let status = ada.upsert(request).await.expect_err("invalid");
    assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
    let message = status.message();
    assert!(
        message.starts_with("graph delta validation failed:"),
        "{message}"
    );
    for fragment in [
        "`node.unicorn` is not an active entity type",
        "`email` (`not-an-email`) does not match",
        "property `id` is set by the service",
        "`lat` is 123; it must be between -90 and 90",
        "`lon` must be a float value, not string",
        "`confidence` is 7; it must be between 0 and 1",
        "`status` is `maybe`; allowed: asserted, disputed, falsified",
        "KNOWS cannot go from node.task",
        "has no parent",
    ] {
        assert!(
            message.contains(fragment),
            "missing `{fragment}` in:\n{message}"
        );
    }
    let missing = ada
        .context(good, 0, false)
        .await
        .expect_err("nothing written");
    assert_eq!(missing.code(), Code::NotFound);
}

pub async fn edge_rules_hold_for_nodes_that_already_exist(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (person, task) = (Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request
        .entities
        .push(entity(person, "node.person", "Carol"));
    request
        .entities
        .push(entity(task, "node.task", "Call Carol"));
    ada.upsert(request).await.expect("nodes");

    let mut wrong = delta();
    wrong.edges.push(edge(task, "KNOWS", person));
    let status = ada.upsert(wrong).await.expect_err("task cannot know");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .contains("allowed: node.person -> node.person"),
        "{}",
        status.message()
    );

    let mut right = delta();
    right.edges.push(edge(task, "ASSIGNED_TO", person));
    let reply = ada.upsert(right).await.expect("task assigned");
    assert_eq!(reply.edges_upserted, 1);
}

pub async fn a_type_changes_only_along_the_hierarchy_and_never_duplicates_the_node(
    backend: Backend,
) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let id = Uuid::new_v4();
    let mut request = delta();
    request.entities.push(entity(id, "node.entity", "Dora"));
    ada.upsert(request).await.expect("generic entity");
    let mut refined = delta();
    refined.entities.push(entity(id, "node.person", "Dora"));
    assert_eq!(
        ada.upsert(refined)
            .await
            .expect("refined")
            .entities_upserted,
        1
    );
    let context = ada.context(id, 0, false).await.expect("context");
    assert_eq!(context.entity.unwrap().type_id, "node.person");

    let mut sideways = delta();
    sideways.entities.push(entity(id, "node.place", "Dora"));
    let status = ada
        .upsert(sideways)
        .await
        .expect_err("person is not a place");
    assert!(
        status
            .message()
            .contains("cannot change from node.person to node.place"),
        "{}",
        status.message()
    );
    for (type_id, expected) in [("node.person", 1), ("node.place", 0)] {
        let listed = ada
            .inner
            .list_entities_by_type(ada.request(pb::ListEntitiesByTypeRequest {
                type_id: type_id.into(),
                ..Default::default()
            }))
            .await
            .expect("listing")
            .into_inner()
            .entities;
        let copies = listed.iter().filter(|e| e.id == id.to_string()).count();
        assert_eq!(copies, expected, "{type_id}");
    }
}

pub async fn the_block_tree_keeps_one_parent_one_root_and_no_cycles(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (person, root, child, grandchild) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let mut request = delta();
    request.entities.push(entity(person, "node.person", "Finn"));
    request.blocks.extend([
        block(root, "Finn."),
        block(child, "Child."),
        block(grandchild, "Grandchild."),
    ]);
    request.edges.push(edge(person, "DESCRIBED_BY", root));
    request.edges.push(edge(root, "SUMMARIZES", child));
    request.edges.push(edge(child, "SUMMARIZES", grandchild));
    ada.upsert(request).await.expect("tree");

    let mut cycle = delta();
    cycle.edges.push(edge(grandchild, "SUMMARIZES", root));
    let status = ada.upsert(cycle).await.expect_err("cycle");
    assert!(status.message().contains("cycle"), "{}", status.message());

    let second_root = Uuid::new_v4();
    let mut two_roots = delta();
    two_roots.blocks.push(block(second_root, "Another root."));
    two_roots
        .edges
        .push(edge(person, "DESCRIBED_BY", second_root));
    let status = ada.upsert(two_roots).await.expect_err("two roots");
    assert!(
        status.message().contains("already has the root block"),
        "{}",
        status.message()
    );

    let mut moved = delta();
    moved.edges.push(edge(root, "SUMMARIZES", grandchild));
    let reply = ada.upsert(moved).await.expect("move the grandchild up");
    assert_eq!((reply.edges_upserted, reply.edges_superseded), (1, 1));
    let context = ada.context(person, 5, false).await.expect("context");
    let levels: Vec<u32> = context.blocks.iter().map(|b| b.block_level).collect();
    assert_eq!(levels, [0, 1, 1], "both children now sit under the root");
}

pub async fn a_changed_claim_supersedes_the_old_one_which_stays_as_history(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (gus, hal) = (Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request.entities.push(entity(gus, "node.person", "Gus"));
    request.entities.push(entity(hal, "node.person", "Hal"));
    request.edges.push(edge(gus, "KNOWS", hal));
    request.source = Some(pb::Provenance {
        job_id: "job-1".into(),
        ..Default::default()
    });
    ada.upsert(request).await.expect("knows");

    let mut doubt = delta();
    let mut disputed = edge(gus, "KNOWS", hal);
    disputed.properties[0] = float("confidence", 0.4);
    disputed.properties[1] = text("status", "disputed");
    doubt.edges.push(disputed);
    let reply = ada.upsert(doubt).await.expect("disputed");
    assert_eq!((reply.edges_upserted, reply.edges_superseded), (1, 1));

    let current = ada.context(gus, 0, false).await.expect("current");
    assert_eq!(current.neighbors.len(), 1);
    let fact = &current.neighbors[0];
    assert_eq!(fact.properties["status"], "disputed");
    assert_eq!(fact.properties["confidence"], "0.4");
    assert!(fact.superseded_at.is_none());

    let history = ada.context(gus, 0, true).await.expect("history");
    assert_eq!(history.neighbors.len(), 2);
    let old = history
        .neighbors
        .iter()
        .find(|n| n.superseded_at.is_some())
        .expect("old claim kept");
    assert_eq!(old.properties["status"], "asserted");
    assert_eq!(old.properties["source_job_id"], "job-1");

    let mut falsified = delta();
    let mut wrong = edge(gus, "KNOWS", hal);
    wrong.properties[1] = text("status", "falsified");
    falsified.edges.push(wrong);
    ada.upsert(falsified).await.expect("falsified");
    let current = ada.context(gus, 0, false).await.expect("current");
    assert!(
        current.neighbors.is_empty(),
        "a falsified fact is not current"
    );
}

pub async fn user_init_is_idempotent_retry_safe_and_keeps_the_name_current(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ivy = service.client("ivy").await;
    let ivy_id = ivy.user_id.clone();
    let ask = |name: &str| pb::GetUserInitGraphRequest {
        user_id: ivy_id.clone(),
        user_name: name.into(),
    };
    let first = ivy
        .inner
        .get_user_init_graph(ivy.request(ask("Ivy")))
        .await
        .expect("init")
        .into_inner();
    let again = ivy
        .inner
        .get_user_init_graph(ivy.request(ask("Ivy")))
        .await
        .expect("again")
        .into_inner();
    assert_eq!(first, again);

    // The original could lose its marker after writing the graph and then fail forever.
    service.forget_init_marker(&ivy.user_id).await;
    let retried = ivy
        .inner
        .get_user_init_graph(ivy.request(ask("Ivy Rose")))
        .await
        .expect("retry after a lost marker")
        .into_inner();
    assert_eq!(retried, first);
    let person: Uuid = first.person_entity_id.parse().unwrap();
    let context = ivy.context(person, 0, false).await.expect("person");
    assert_eq!(
        context.entity.as_ref().unwrap().name.as_deref(),
        Some("Ivy Rose")
    );
    assert_eq!(context.entity.unwrap().aliases, ["me", "I", "myself"]);
    let assistant = context
        .neighbors
        .iter()
        .find(|n| n.edge_type == "RELATED_TO")
        .expect("assistant");
    assert_eq!(
        assistant.other_entity.as_ref().unwrap().name.as_deref(),
        Some("Exobrain Assistant")
    );

    let status = ivy
        .inner
        .get_user_init_graph(ivy.request(pb::GetUserInitGraphRequest {
            user_id: ivy.user_id.clone(),
            user_name: " ".into(),
        }))
        .await
        .expect_err("blank name");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("user_name is required"));
}

pub async fn an_entity_belongs_to_exactly_one_visible_universe(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (novel, hero) = (Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request.universes.push(pb::UniverseNode {
        id: novel.to_string(),
        name: "The Novel".into(),
        user_id: String::new(),
        visibility: pb::Visibility::Private as i32,
        source: None,
    });
    ada.upsert(request).await.expect("universe");
    let mut hero_delta = delta();
    let mut hero_node = entity(hero, "node.person", "Hero");
    hero_node.universe_id = Some(novel.to_string());
    hero_delta.entities.push(hero_node);
    ada.upsert(hero_delta)
        .await
        .expect("an existing universe may be referenced without re-sending it");

    let mut move_back = delta();
    move_back.edges.push(edge(
        hero,
        "IS_PART_OF",
        "9d7f0fa5-78c1-4805-9efb-3f8f16090d7f".parse().unwrap(),
    ));
    let reply = ada
        .upsert(move_back)
        .await
        .expect("moved to the real world");
    assert_eq!((reply.edges_upserted, reply.edges_superseded), (1, 1));
    let universe = service.universe_of(&ada.user_id, hero).await;
    assert_eq!(
        universe,
        Some("9d7f0fa5-78c1-4805-9efb-3f8f16090d7f".parse().unwrap())
    );

    let mut bob = service.client("bob").await;
    let mut intruder = delta();
    let mut stranger = entity(Uuid::new_v4(), "node.person", "Stranger");
    stranger.universe_id = Some(novel.to_string());
    intruder.entities.push(stranger);
    let status = bob
        .upsert(intruder)
        .await
        .expect_err("ada's private universe");
    assert!(
        status
            .message()
            .contains("does not exist (or is not visible to you)"),
        "{}",
        status.message()
    );
}

pub async fn concurrent_writers_on_one_entity_all_land(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (nia, root) = (Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request.entities.push(entity(nia, "node.person", "Nia"));
    request.blocks.push(block(root, "Nia keeps bees."));
    request.edges.push(edge(nia, "DESCRIBED_BY", root));
    ada.upsert(request).await.expect("nia");

    const WRITERS: usize = 8;
    let mut writers = Vec::new();
    for n in 0..WRITERS {
        let mut client = service.client("ada").await;
        let (friend, note) = (Uuid::new_v4(), Uuid::new_v4());
        let mut request = delta();
        request
            .entities
            .push(entity(friend, "node.person", &format!("Friend {n}")));
        request
            .blocks
            .push(block(note, &format!("Nia sold honey to friend {n}.")));
        request.edges.push(edge(root, "SUMMARIZES", note));
        request.edges.push(edge(nia, "KNOWS", friend));
        writers.push(tokio::spawn(async move {
            let first = client.upsert(request.clone()).await;
            let again = client.upsert(request).await;
            (first, again)
        }));
    }
    for writer in writers {
        let (first, again) = writer.await.expect("writer");
        let first = first.expect("every concurrent delta lands");
        assert_eq!(
            (first.entities_upserted, first.blocks_upserted),
            (1, 1),
            "{first:?}"
        );
        assert_eq!(again.expect("repeat"), pb::UpsertGraphDeltaReply::default());
    }
    let context = ada.context(nia, 1, false).await.expect("context");
    assert_eq!(context.blocks.len(), 1 + WRITERS, "the root and every note");
    let friends = context
        .neighbors
        .iter()
        .filter(|n| n.edge_type == "KNOWS")
        .count();
    assert_eq!(friends, WRITERS);
}

/// The listing score of one of the caller's entities with `blocks` blocks in its tree and
/// `relations` current relations (structural edges excluded).
fn own_listing_score(blocks: u32, relations: u32) -> f64 {
    0.30 * f64::from(1 + blocks).log10() + 0.10 * f64::from(1 + relations).log10() + 0.15
}

/// Listing scores of `ids`, in order (every person of ada fits one page).
async fn listing_scores(ada: &mut crate::support::knowledge::Client, ids: &[Uuid]) -> Vec<f64> {
    let page = ada
        .inner
        .list_entities_by_type(ada.request(pb::ListEntitiesByTypeRequest {
            type_id: "node.person".into(),
            page_size: Some(100),
            ..Default::default()
        }))
        .await
        .expect("listing")
        .into_inner();
    ids.iter()
        .map(|id| {
            page.entities
                .iter()
                .find(|e| e.id == id.to_string())
                .and_then(|e| e.score)
                .unwrap_or_else(|| panic!("{id} listed with a score"))
        })
        .collect()
}

pub async fn listing_scores_count_current_blocks_and_relations(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let (ann, ben, cal) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let (ann_root, ann_note, ben_root) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut request = delta();
    request.entities.extend([
        entity(ann, "node.person", "Ann"),
        entity(ben, "node.person", "Ben"),
        entity(cal, "node.person", "Cal"),
    ]);
    request.blocks.extend([
        block(ann_root, "Ann."),
        block(ann_note, "Ann's note."),
        block(ben_root, "Ben."),
    ]);
    request.edges.extend([
        edge(ann, "DESCRIBED_BY", ann_root),
        edge(ann_root, "SUMMARIZES", ann_note),
        edge(ben, "DESCRIBED_BY", ben_root),
        edge(ann, "KNOWS", ben),
        edge(ann, "KNOWS", cal),
    ]);
    ada.upsert(request).await.expect("three people");
    let expected = [
        own_listing_score(2, 2),
        own_listing_score(1, 1),
        own_listing_score(0, 1),
    ];
    let scores = listing_scores(&mut ada, &[ann, ben, cal]).await;
    assert_close(&scores, &expected, "after the first write");

    // A changed claim replaces a relation (same count); the note moves to Ben's tree.
    let mut change = delta();
    let mut doubted = edge(ann, "KNOWS", ben);
    doubted.properties[1] = text("status", "disputed");
    change.edges.push(doubted);
    change.edges.push(edge(ben_root, "SUMMARIZES", ann_note));
    change.edges.push(edge(ben, "KNOWS", cal));
    let reply = ada.upsert(change).await.expect("changes");
    assert_eq!((reply.edges_upserted, reply.edges_superseded), (3, 2));
    let expected = [
        own_listing_score(1, 2),
        own_listing_score(2, 2),
        own_listing_score(0, 2),
    ];
    let scores = listing_scores(&mut ada, &[ann, ben, cal]).await;
    assert_close(&scores, &expected, "after the claim change and the move");

    // Writers linking to the same entity at the same time each count once.
    const WRITERS: usize = 6;
    let mut writers = Vec::new();
    for n in 0..WRITERS {
        let mut client = service.client("ada").await;
        let fan = Uuid::new_v4();
        let mut request = delta();
        request
            .entities
            .push(entity(fan, "node.person", &format!("Fan {n}")));
        request.edges.push(edge(fan, "KNOWS", cal));
        writers.push(tokio::spawn(async move { client.upsert(request).await }));
    }
    for writer in writers {
        writer.await.expect("writer").expect("every link lands");
    }
    let scores = listing_scores(&mut ada, &[cal]).await;
    assert_close(
        &scores,
        &[own_listing_score(0, 2 + WRITERS as u32)],
        "after concurrent links",
    );
}

fn assert_close(actual: &[f64], expected: &[f64], when: &str) {
    let close = actual.len() == expected.len()
        && actual
            .iter()
            .zip(expected)
            .all(|(a, e)| (a - e).abs() < 1e-9);
    assert!(close, "{when}: scores {actual:?}, expected {expected:?}");
}
