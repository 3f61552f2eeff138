//! The scripted model of the suite and its conversations: a conversation of M messages names K
//! people from a fixed pool (`Person001`, ...), and the model reads back whatever pool names
//! the transcript holds, so every job asks the same calls a real one would for K entities:
//! one extraction, K notes, K entity graphs, one pair list with K-1 pairs and their types,
//! one mentions call.

use exobrain_testkit::ScriptedModel;
use serde_json::{Value, json};

/// The name of pool member `i`.
pub fn person(i: usize) -> String {
    format!("Person{i:03}")
}

/// `(sequence, role, text)` of a conversation of `messages` turns naming `entities` people.
pub fn conversation(messages: usize, entities: usize) -> Vec<(i32, String, String)> {
    (0..messages)
        .map(|i| {
            let role = if i % 2 == 0 { "user" } else { "assistant" };
            let named = person(i % entities.max(1));
            let text = format!(
                "On the {} we talked about {named} and the plans for the week; {named} said it would be fine.",
                i + 1
            );
            (i as i32 + 1, role.to_owned(), text)
        })
        .collect()
}

/// Scripts every step's answer.
pub fn script(model: &ScriptedModel) {
    model.answer("entity_extraction", |request| {
        let document = ScriptedModel::input(request).as_str().unwrap_or_default().to_owned();
        let entities: Vec<Value> = (0..100)
            .map(person)
            .filter(|name| document.contains(name.as_str()))
            .map(|name| json!({ "name": name, "node_type": "node.person", "aliases": [], "short_description": "someone the user knows", "universe_name": null }))
            .collect();
        json!({ "extracted_entities": entities, "extracted_universes": [] })
    });
    model.answer(
        "entity_notes",
        |_| json!({ "focused_markdown": "# Notes\nTalked about the plans for the week." }),
    );
    model.answer(
        "entity_resolution",
        |_| json!({ "decision": "new_entity", "entity_id": null }),
    );
    model.answer("entity_pairs", |request| {
        let ids: Vec<Value> = ScriptedModel::input(request)["entities"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["entity_id"].clone())
            .collect();
        let pairs: Vec<Value> = ids
            .windows(2)
            .map(|w| json!({ "entity_id_1": w[0], "entity_id_2": w[1] }))
            .collect();
        json!({ "entity_pairs": pairs })
    });
    model.answer("relationship_type", |request| {
        let input = ScriptedModel::input(request);
        json!({ "from_entity_id": input["entity_1"]["entity_id"], "to_entity_id": input["entity_2"]["entity_id"], "edge_type": "KNOWS", "confidence": 0.7 })
    });
    model.answer("entity_graph", |request| {
        let name = ScriptedModel::input(request)["extracted_entity"]["name"].as_str().unwrap_or("?").to_owned();
        json!({
            "properties": [{ "key": "name", "value": name }],
            "blocks": [
                { "block_id": "NEW_BLOCK_1", "parent_block_id": null, "text": format!("{name}, someone the user knows."), "sequences": [1] },
                { "block_id": "NEW_BLOCK_2", "parent_block_id": "NEW_BLOCK_1", "text": format!("The user talked with {name} about the plans for the week."), "sequences": [1] }
            ]
        })
    });
    model.answer("mentions", |_| json!({ "mentions": [] }));
}
