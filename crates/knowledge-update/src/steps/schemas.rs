//! The JSON schema of each model step's reply, strict (every object closed, every property
//! required, optional values nullable), built per call where the allowed values depend on the
//! user's schema.

use serde_json::{Value, json};

fn object(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

fn text() -> Value {
    json!({ "type": "string", "minLength": 1 })
}

fn confidence() -> Value {
    json!({ "type": "number", "minimum": 0, "maximum": 1 })
}

/// Step 2: entities typed with one of `type_ids`, and new universes.
pub fn extraction(type_ids: &[String]) -> Value {
    object(json!({
        "extracted_entities": { "type": "array", "items": object(json!({
            "name": text(),
            "node_type": { "type": "string", "enum": type_ids },
            "aliases": { "type": "array", "items": { "type": "string" } },
            "short_description": { "type": "string" },
            "universe_name": { "type": ["string", "null"] },
        })) },
        "extracted_universes": { "type": "array", "items": object(json!({
            "name": text(),
            "description": text(),
        })) },
    }))
}

/// Step 4.
pub fn focus() -> Value {
    object(json!({ "focused_markdown": text() }))
}

/// Step 5.
pub fn resolution() -> Value {
    object(json!({
        "decision": { "type": "string", "enum": ["match", "new_entity"] },
        "entity_id": { "type": ["string", "null"] },
    }))
}

/// Step 6.
pub fn pairs() -> Value {
    object(json!({
        "entity_pairs": { "type": "array", "items": object(json!({
            "entity_id_1": text(),
            "entity_id_2": text(),
        })) },
    }))
}

/// Step 7.
pub fn typing() -> Value {
    object(json!({
        "from_entity_id": text(),
        "to_entity_id": text(),
        "edge_type": text(),
        "confidence": confidence(),
    }))
}

/// Step 8: properties among `writable`.
pub fn graph(writable: &[String]) -> Value {
    object(json!({
        "properties": { "type": "array", "items": object(json!({
            "key": { "type": "string", "enum": writable },
            "value": { "type": "string" },
        })) },
        "blocks": { "type": "array", "minItems": 1, "items": object(json!({
            "block_id": text(),
            "parent_block_id": { "type": ["string", "null"] },
            "text": text(),
            "sequences": { "type": "array", "items": { "type": "integer" } },
        })) },
    }))
}

/// Step 10.
pub fn mentions() -> Value {
    object(json!({
        "mentions": { "type": "array", "items": object(json!({
            "block_id": text(),
            "entity_id": text(),
            "confidence": confidence(),
        })) },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles_and_is_closed() {
        let types = vec!["node.person".to_owned()];
        let writable = vec!["name".to_owned()];
        for schema in [
            extraction(&types),
            focus(),
            resolution(),
            pairs(),
            typing(),
            graph(&writable),
            mentions(),
        ] {
            jsonschema::validator_for(&schema).expect("compiles");
            assert_eq!(schema["additionalProperties"], false);
            assert_eq!(
                schema["required"].as_array().map(Vec::len),
                schema["properties"].as_object().map(|p| p.len())
            );
        }
    }
}
