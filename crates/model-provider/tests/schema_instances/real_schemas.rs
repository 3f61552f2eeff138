//! Schemas as callers send them: nested objects, arrays of objects, `$defs` with recursion,
//! OpenAI strict mode and the knowledge-extraction shape.

use serde_json::json;

use super::generated;

#[test]
fn nested_objects_get_every_required_field() {
    let schema = json!({
        "type": "object",
        "required": ["user", "meta"],
        "properties": {
            "user": {
                "type": "object",
                "required": ["id", "address"],
                "properties": {
                    "id": {"type": "integer"},
                    "nickname": {"type": "string"},
                    "address": {
                        "type": "object",
                        "required": ["city"],
                        "properties": {"city": {"type": "string"}, "zip": {"type": "string"}}
                    }
                }
            },
            "meta": {"type": "object"},
            "tags": {"type": "array", "items": {"type": "string"}}
        }
    });
    let value = generated(&schema);
    assert_eq!(value["user"]["id"], 0);
    assert_eq!(
        value["user"]["address"]["city"],
        "who-founded-the-acme-corporation-and"
    );
    assert_eq!(
        value["user"]["nickname"], value["user"]["address"]["city"],
        "optional scalars are filled in"
    );
    assert!(value.get("tags").is_none(), "optional arrays are left out");
}

#[test]
fn arrays_of_objects_reach_min_items_and_default_to_one() {
    let item =
        json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "number"}}});
    let at_least_three = json!({"type": "array", "minItems": 3, "items": item});
    assert_eq!(generated(&at_least_three).as_array().map(Vec::len), Some(3));
    let unbounded = json!({"type": "array", "items": item});
    assert_eq!(generated(&unbounded), json!([{"n": 0}]));
    let empty_only = json!({"type": "array", "maxItems": 0, "items": item});
    assert_eq!(generated(&empty_only), json!([]));
}

#[test]
fn refs_resolve_through_defs_definitions_and_recursive_trees() {
    let tree = json!({
        "$defs": {
            "node": {
                "type": "object",
                "required": ["label", "children"],
                "properties": {
                    "label": {"$ref": "#/$defs/label"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}
                }
            },
            "label": {"type": "string", "maxLength": 3}
        },
        "$ref": "#/$defs/node"
    });
    assert_eq!(generated(&tree), json!({"label": "who", "children": []}));
    let linked = json!({
        "$defs": {"item": {
            "type": "object",
            "required": ["next"],
            "properties": {"next": {"anyOf": [{"$ref": "#/$defs/item"}, {"type": "null"}]}}
        }},
        "$ref": "#/$defs/item"
    });
    assert_eq!(generated(&linked), json!({"next": null}));
    let draft7 = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"pair": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}},
        "type": "object",
        "required": ["pair"],
        "properties": {"pair": {"$ref": "#/definitions/pair", "minItems": 9}}
    });
    assert_eq!(
        generated(&draft7),
        json!({"pair": [0]}),
        "draft 7 ignores keywords beside $ref"
    );
}

#[test]
fn openai_strict_schemas_get_every_property() {
    let schema = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["answer", "confidence", "sources", "followup"],
        "properties": {
            "answer": {"type": "string"},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "sources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["url", "title"],
                    "properties": {"url": {"type": "string", "format": "uri"}, "title": {"type": "string"}}
                }
            },
            "followup": {"anyOf": [{"type": "string"}, {"type": "null"}]}
        }
    });
    let value = generated(&schema);
    assert_eq!(
        value["sources"][0]["url"],
        "https://example.com/who-founded-the-acme-corporation-and"
    );
    assert_eq!(value["followup"], value["answer"]);
}

#[test]
fn knowledge_extraction_schema_gets_entities_and_relationships() {
    let schema = json!({
        "$defs": {
            "Entity": {
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "type", "aliases"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "type": {"type": "string", "enum": ["person", "organization", "place", "concept"]},
                    "aliases": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
                    "description": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null}
                }
            },
            "Relationship": {
                "type": "object",
                "required": ["source", "target", "kind"],
                "properties": {
                    "source": {"type": "string"},
                    "target": {"type": "string"},
                    "kind": {"type": "string", "pattern": "^[A-Z_]+$"},
                    "confidence": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
                }
            }
        },
        "type": "object",
        "required": ["entities", "relationships"],
        "properties": {
            "entities": {"type": "array", "minItems": 2, "uniqueItems": true, "items": {"$ref": "#/$defs/Entity"}},
            "relationships": {"type": "array", "items": {"$ref": "#/$defs/Relationship"}}
        }
    });
    let value = generated(&schema);
    assert_eq!(value["entities"][0]["type"], "person");
    assert_eq!(
        value["entities"][1]["type"], "organization",
        "unique items differ"
    );
    assert_eq!(value["relationships"][0]["kind"], "A");
    assert_eq!(value["relationships"][0]["confidence"], 1);
}
