//! The model strategy, with a scripted model behind a real model-provider: each step's
//! request is answered by its schema name, so the tests see what the pipeline asks, how
//! often, and what it writes.

use exobrain_knowledge_update::UpdateError;
use exobrain_knowledge_update::ports::MemoryCheckpoints;
use exobrain_testkit::ScriptedModel;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::World;

const JOURNAL: &str = "2026/12/06";
const LUNCH: &str = "I had lunch with my sister Anna at Café Central in Vienna.";

/// A model that reads the lunch: Anna (person), Café Central (place), Vienna (city); the
/// café lies in Vienna, Anna is related to the café.
fn lunch_model(model: &ScriptedModel) {
    model.answer("entity_extraction", |_| {
        json!({
            "extracted_entities": [
                { "name": "Anna", "node_type": "node.person", "aliases": [], "short_description": "The user's sister.", "universe_name": null },
                { "name": "Café Central", "node_type": "node.place", "aliases": [], "short_description": "A café in Vienna.", "universe_name": null },
                { "name": "Vienna", "node_type": "node.city", "aliases": ["Wien"], "short_description": "Capital of Austria.", "universe_name": null }
            ],
            "extracted_universes": []
        })
    });
    model.answer("entity_notes", |request| {
        let input = ScriptedModel::input(request);
        json!({ "focused_markdown": format!("# {}\nHad lunch with the user.", input["entity"]["name"].as_str().unwrap_or("?")) })
    });
    model.answer(
        "entity_resolution",
        |_| json!({ "decision": "new_entity", "entity_id": null }),
    );
    model.answer("entity_pairs", |request| {
        let input = ScriptedModel::input(request);
        let id = |name: &str| {
            input["entities"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["name"] == name)
                .map(|e| e["entity_id"].clone())
                .unwrap_or(Value::Null)
        };
        json!({ "entity_pairs": [
            { "entity_id_1": id("Anna"), "entity_id_2": id("Café Central") },
            { "entity_id_1": id("Café Central"), "entity_id_2": id("Vienna") },
            { "entity_id_1": id("Vienna"), "entity_id_2": id("Café Central") }
        ]})
    });
    model.answer("relationship_type", |request| {
        let input = ScriptedModel::input(request);
        let (one, two) = (&input["entity_1"], &input["entity_2"]);
        let (place, city) = if one["node_type"] == "node.city" { (two, one) } else { (one, two) };
        if city["node_type"] == "node.city" {
            json!({ "from_entity_id": place["entity_id"], "to_entity_id": city["entity_id"], "edge_type": "LIES_IN", "confidence": 0.9 })
        } else {
            json!({ "from_entity_id": one["entity_id"], "to_entity_id": two["entity_id"], "edge_type": "RELATED_TO", "confidence": 0.6 })
        }
    });
    model.answer("entity_graph", |request| {
        let input = ScriptedModel::input(request);
        let name = input["extracted_entity"]["name"].as_str().unwrap_or("?").to_owned();
        match input["existing_entity_context"]["blocks"].as_array().and_then(|b| b.iter().find(|b| b["parent_block_id"].is_null())) {
            Some(root) => json!({
                "properties": [{ "key": "name", "value": name }],
                "blocks": [{ "block_id": "NEW_BLOCK_1", "parent_block_id": root["block_id"], "text": format!("Later that day {name} came up again."), "sequences": [3] }]
            }),
            None => json!({
                "properties": [{ "key": "name", "value": name }],
                "blocks": [
                    { "block_id": "NEW_BLOCK_1", "parent_block_id": null, "text": format!("{name}, as the user knows it."), "sequences": [1] },
                    { "block_id": "NEW_BLOCK_2", "parent_block_id": "NEW_BLOCK_1", "text": format!("On 2026-12-06 the user had lunch involving {name}."), "sequences": [1, 99] }
                ]
            }),
        }
    });
    model.answer("mentions", |_| json!({ "mentions": [] }));
}

async fn start(model: &ScriptedModel) -> World {
    World::with_model(model, &[("KNOWLEDGE_UPDATE_STRATEGY", "auto")]).await
}

#[tokio::test]
async fn a_conversation_becomes_a_graph_with_relations_and_provenance() {
    let model = ScriptedModel::start().await;
    lunch_model(&model);
    let world = start(&model).await;
    let user = "model-alice";
    let job = Uuid::new_v4();
    let summary = world
        .run(
            job,
            user,
            JOURNAL,
            &[(1, "user", LUNCH)],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("update");
    assert_eq!(summary.strategy, "model");
    assert_eq!((summary.entities, summary.relations), (3, 2), "{summary:?}");
    assert_eq!(model.calls("entity_extraction"), 1);
    assert_eq!(model.calls("entity_notes"), 3);
    assert_eq!(model.calls("entity_graph"), 3);
    assert_eq!(
        model.calls("relationship_type"),
        2,
        "the repeated pair is asked once"
    );
    assert_eq!(
        model.calls("entity_resolution"),
        0,
        "no stored entity to compare with"
    );

    let cafe = world.entities_named(user, "Café Central").await;
    assert_eq!(cafe.len(), 1);
    let context = world.context(user, &cafe[0].entity_id).await;
    let roots = context
        .blocks
        .iter()
        .filter(|b| b.parent_block_id.as_deref().is_none_or(str::is_empty))
        .count();
    assert_eq!(roots, 1, "one root block per entity");
    let lies_in = context
        .neighbors
        .iter()
        .find(|n| n.edge_type == "LIES_IN")
        .expect("café lies in Vienna");
    assert_eq!(
        lies_in
            .other_entity
            .as_ref()
            .and_then(|e| e.name.as_deref()),
        Some("Vienna")
    );
    assert_eq!(
        lies_in.properties.get("confidence").map(String::as_str),
        Some("0.9")
    );
    let fact = context
        .blocks
        .iter()
        .find(|b| b.parent_block_id.as_deref().is_some_and(|p| !p.is_empty()))
        .expect("fact block");
    let source = fact.source.as_ref().expect("provenance");
    assert_eq!(source.job_id, job.to_string());
    assert_eq!(source.journal_reference, JOURNAL);
    assert_eq!(
        source.message_sequences,
        [1],
        "a sequence the job does not hold is dropped"
    );
}

#[tokio::test]
async fn a_resumed_job_asks_nothing_twice_and_writes_what_one_run_would() {
    let model = ScriptedModel::start().await;
    lunch_model(&model);
    model.fail_next("entity_graph", 1000);
    let world = start(&model).await;
    let (user, job, checkpoints) = ("model-bea", Uuid::new_v4(), MemoryCheckpoints::default());
    let failed = world
        .run(job, user, JOURNAL, &[(1, "user", LUNCH)], &checkpoints)
        .await
        .expect_err("step 8 fails once");
    assert!(failed.is_transient(), "{failed:?}");
    assert!(
        world.entities_named(user, "Anna").await.is_empty(),
        "nothing is written before the last step"
    );
    model.fail_next("entity_graph", 0);
    let resumed = world
        .run(job, user, JOURNAL, &[(1, "user", LUNCH)], &checkpoints)
        .await
        .expect("resumed");
    assert!(resumed.resumed_from > 0);
    assert_eq!(
        model.calls("entity_extraction"),
        1,
        "step 2 is not asked again"
    );
    assert_eq!(model.calls("entity_notes"), 3, "step 4 is not asked again");
    assert_eq!(resumed.entities, 3);

    let model_b = ScriptedModel::start().await;
    lunch_model(&model_b);
    let clean = start(&model_b).await;
    let once = clean
        .run(
            job,
            user,
            JOURNAL,
            &[(1, "user", LUNCH)],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("clean run");
    assert_eq!(
        (
            resumed.entities,
            resumed.blocks,
            resumed.relations,
            resumed.entities_upserted,
            resumed.blocks_upserted,
            resumed.edges_upserted
        ),
        (
            once.entities,
            once.blocks,
            once.relations,
            once.entities_upserted,
            once.blocks_upserted,
            once.edges_upserted
        )
    );
    let anna = world.entities_named(user, "Anna").await;
    let anna_clean = clean.entities_named(user, "Anna").await;
    assert_eq!(
        anna[0].entity_id, anna_clean[0].entity_id,
        "the same ids are minted"
    );

    let again = world
        .run(job, user, JOURNAL, &[(1, "user", LUNCH)], &checkpoints)
        .await
        .expect("redelivered");
    assert_eq!(
        (
            again.entities_upserted,
            again.blocks_upserted,
            again.edges_upserted
        ),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn an_invalid_reply_is_asked_again_once_and_twice_fails_naming_the_step() {
    let model = ScriptedModel::start().await;
    lunch_model(&model);
    model.answer_once(
        "entity_extraction",
        json!({ "extracted_entities": [{ "name": "" }] }),
    );
    let world = start(&model).await;
    world
        .run(
            Uuid::new_v4(),
            "model-carl",
            JOURNAL,
            &[(1, "user", LUNCH)],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("the second answer is valid");
    assert_eq!(model.calls("entity_extraction"), 2);

    model.answer_once("entity_extraction", json!("not json"));
    model.answer_once("entity_extraction", json!({ "extracted_entities": [] }));
    let failed = world
        .run(
            Uuid::new_v4(),
            "model-carl",
            JOURNAL,
            &[(1, "user", LUNCH)],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect_err("invalid twice");
    assert!(!failed.is_transient());
    let message = failed.to_string();
    assert!(
        message.contains("step 2 entity extraction") && message.contains("extracted_universes"),
        "{message}"
    );
}

#[tokio::test]
async fn an_edge_type_not_allowed_for_the_pair_is_dropped() {
    let model = ScriptedModel::start().await;
    lunch_model(&model);
    model.answer("relationship_type", |request| {
        let input = ScriptedModel::input(request);
        json!({ "from_entity_id": input["entity_1"]["entity_id"], "to_entity_id": input["entity_2"]["entity_id"], "edge_type": "SENT_BY", "confidence": 1.0 })
    });
    let world = start(&model).await;
    let summary = world
        .run(
            Uuid::new_v4(),
            "model-dora",
            JOURNAL,
            &[(1, "user", LUNCH)],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("update");
    assert_eq!(summary.relations, 0);
    let cafe = world.entities_named("model-dora", "Café Central").await;
    let context = world.context("model-dora", &cafe[0].entity_id).await;
    assert!(context.neighbors.iter().all(|n| n.edge_type != "SENT_BY"));
}

#[tokio::test]
async fn a_second_update_of_the_journal_adds_to_the_entities_of_the_first() {
    let model = ScriptedModel::start().await;
    lunch_model(&model);
    model.answer("entity_resolution", |request| {
        let input = ScriptedModel::input(request);
        let first = &input["candidate_contexts"][0]["entity_id"];
        json!({ "decision": "match", "entity_id": first })
    });
    let world = start(&model).await;
    let user = "model-emil";
    world
        .run(
            Uuid::new_v4(),
            user,
            JOURNAL,
            &[(1, "user", LUNCH)],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("first");
    let second = world
        .run(
            Uuid::new_v4(),
            user,
            JOURNAL,
            &[(3, "user", "Anna called again about Café Central in Vienna.")],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("second");
    assert_eq!(second.entities, 3, "{second:?}");
    for name in ["Anna", "Café Central", "Vienna"] {
        let found = world.entities_named(user, name).await;
        assert_eq!(found.len(), 1, "no twin of {name}: {found:?}");
    }
    let anna = world.entities_named(user, "Anna").await;
    let context = world.context(user, &anna[0].entity_id).await;
    let roots = context
        .blocks
        .iter()
        .filter(|b| b.parent_block_id.as_deref().is_none_or(str::is_empty))
        .count();
    assert_eq!(roots, 1);
    assert!(context.blocks.iter().any(|b| {
        b.text
            .as_deref()
            .is_some_and(|t| t.contains("came up again"))
    }));
}

#[tokio::test]
async fn the_owner_check_applies_to_model_jobs_too() {
    let model = ScriptedModel::start().await;
    lunch_model(&model);
    let world = start(&model).await;
    let payload = crate::support::payload("someone-else", JOURNAL, &[(1, "user", LUNCH)]);
    let refused = world
        .run_payload(
            Uuid::new_v4(),
            "model-finn",
            &payload,
            &MemoryCheckpoints::default(),
        )
        .await
        .expect_err("refused");
    assert!(matches!(refused, UpdateError::Refused(_)));
    assert_eq!(
        model.total_calls(),
        0,
        "no model is asked for a refused job"
    );
}
