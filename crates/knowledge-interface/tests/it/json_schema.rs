//! The JSON Schema of `UpsertGraphDeltaRequest`: a deterministic, valid draft 2020-12 schema
//! that covers every field the proto declares, accepts a realistic delta and rejects the
//! mistakes a client makes; and `GetUpsertGraphDeltaJsonSchema` serves it over real gRPC.

use std::collections::{BTreeSet, HashMap, VecDeque};

use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use jsonschema::Validator;
use knowledge_interface::grpc::json_schema::{self, DRAFT, SCHEMA_ID, VERSION};
use prost::Message;
use prost_types::field_descriptor_proto::Type;
use prost_types::{DescriptorProto, FileDescriptorSet};
use serde_json::{Value, json};

const ROOT: &str = ".exobrain.knowledge.v1.UpsertGraphDeltaRequest";
const UNIVERSE: &str = "2b1d5a2e-7c2f-4f7e-9a51-0d3f1c2b9e10";
const ENTITY: &str = "6a0f3c58-1d4b-4b8e-8f0e-2c7d9b1a4e21";
const BLOCK: &str = "c3e8b7d2-5f1a-4c6b-9d2e-8a7f6b5c4d32";

fn schema() -> Value {
    let text = json_schema::generate().expect("schema generates");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn validator(schema: &Value) -> Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("validator builds")
}

/// A delta using every record kind and every property value kind.
fn valid_delta() -> Value {
    json!({
        "universes": [{
            "id": UNIVERSE, "name": "Middle-earth", "user_id": "exobrain", "visibility": "SHARED"
        }],
        "entities": [{
            "id": ENTITY, "type_id": "node.person", "universe_id": UNIVERSE,
            "user_id": "exobrain", "visibility": "SHARED",
            "properties": [
                { "key": "name", "string_value": "Frodo Baggins" },
                { "key": "confidence", "float_value": 0.9 },
                { "key": "age", "int_value": "42" },
                { "key": "rings", "int_value": 42 },
                { "key": "active", "bool_value": true },
                { "key": "born_at", "datetime_value": "2968-09-22T10:00:00Z" },
                { "key": "meta", "json_value": "{\"hobbit\": true}" }
            ]
        }],
        "blocks": [{
            "id": BLOCK, "type_id": "node.block", "user_id": "user-123", "visibility": "PRIVATE",
            "properties": [{ "key": "text", "string_value": "Frodo carries the ring." }],
            "source": { "message_sequences": [5, "6"] }
        }],
        "edges": [{
            "from_id": ENTITY, "to_id": BLOCK, "edge_type": "DESCRIBED_BY",
            "user_id": "exobrain", "visibility": "SHARED",
            "properties": [
                { "key": "confidence", "float_value": 1.0 },
                { "key": "status", "string_value": "asserted" }
            ]
        }],
        "source": {
            "job_id": "job-7", "journal_reference": "2024-05-01",
            "message_ids": ["m1", "m2"], "extractor": "knowledge.update",
            "message_sequences": [3, 4]
        }
    })
}

#[test]
fn schema_text_is_deterministic_sorted_pretty_json() {
    let text = json_schema::generate().expect("schema generates");
    assert_eq!(json_schema::generate().expect("again"), text);
    assert_eq!(json_schema::reply().expect("reply").json_schema, text);
    let parsed: Value = serde_json::from_str(&text).expect("schema is JSON");
    assert_eq!(serde_json::to_string_pretty(&parsed).expect("print"), text);
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema_with_its_identity() {
    let schema = schema();
    jsonschema::draft202012::meta::validate(&schema).expect("valid against the meta-schema");
    validator(&schema);
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["$id"], SCHEMA_ID);
    assert_eq!(schema["title"], "UpsertGraphDeltaRequest");
    assert!(schema["$defs"].is_object() && schema.get("definitions").is_none());
    assert!(
        schema.get("required").is_none(),
        "every array may be omitted"
    );
    assert_eq!(
        schema["$defs"]["Visibility"]["enum"],
        json!(["PRIVATE", "SHARED"])
    );
}

#[test]
fn every_field_of_every_reachable_message_is_a_described_property() {
    let set = FileDescriptorSet::decode(exobrain_proto::KNOWLEDGE_DESCRIPTOR_SET).expect("set");
    let messages: HashMap<String, &DescriptorProto> = set
        .file
        .iter()
        .flat_map(|file| {
            let package = file.package();
            file.message_type
                .iter()
                .map(move |message| (format!(".{package}.{}", message.name()), message))
        })
        .collect();
    let schema = schema();
    let mut queue = VecDeque::from([ROOT.to_owned()]);
    let mut seen = BTreeSet::new();
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let message = messages[&name];
        let definition = match name.as_str() {
            ROOT => &schema,
            _ => &schema["$defs"][message.name()],
        };
        let properties = properties_of(definition);
        for field in &message.field {
            let property = properties
                .get(field.name())
                .unwrap_or_else(|| panic!("{name}.{} is not in the schema", field.name()));
            assert!(
                property["description"].is_string(),
                "{name}.{} has no description",
                field.name()
            );
            if field.r#type() == Type::Message {
                queue.push_back(field.type_name().to_owned());
            }
        }
    }
    assert!(seen.len() >= 7, "walked {seen:?}");
}

/// Properties of a definition, including those of its `oneOf` branches.
fn properties_of(definition: &Value) -> HashMap<String, Value> {
    let branches = definition["oneOf"].as_array().into_iter().flatten();
    std::iter::once(definition)
        .chain(branches)
        .filter_map(|schema| schema["properties"].as_object())
        .flatten()
        .map(|(name, schema)| (name.clone(), schema.clone()))
        .collect()
}

#[test]
fn a_realistic_delta_and_an_empty_one_are_valid() {
    let validator = validator(&schema());
    let delta = valid_delta();
    let errors: Vec<String> = validator
        .iter_errors(&delta)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(validator.is_valid(&json!({})));
}

#[test]
fn common_mistakes_are_rejected() {
    let validator = validator(&schema());
    let cases: [(&str, &str, Value); 9] = [
        ("unknown field", "/entities/0/colour", json!("green")),
        (
            "two value fields",
            "/entities/0/properties/0/bool_value",
            json!(true),
        ),
        (
            "no value field",
            "/entities/0/properties/0",
            json!({ "key": "name" }),
        ),
        (
            "unknown visibility",
            "/universes/0/visibility",
            json!("PUBLIC"),
        ),
        (
            "unspecified visibility",
            "/universes/0/visibility",
            json!("VISIBILITY_UNSPECIFIED"),
        ),
        ("entity id not a uuid", "/entities/0/id", json!("frodo")),
        (
            "json_value as an object",
            "/entities/0/properties/6/json_value",
            json!({ "a": 1 }),
        ),
        (
            "lowercase edge_type",
            "/edges/0/edge_type",
            json!("described_by"),
        ),
        ("untrimmed user_id", "/blocks/0/user_id", json!(" user-123")),
    ];
    for (mistake, pointer, value) in cases {
        let mut delta = valid_delta();
        let (parent, key) = pointer.rsplit_once('/').expect("pointer");
        let target = delta.pointer_mut(parent).expect("parent exists");
        match target {
            Value::Object(map) => {
                map.insert(key.to_owned(), value);
            }
            Value::Array(items) => items[key.parse::<usize>().expect("index")] = value,
            _ => panic!("{pointer} is not inside a container"),
        }
        assert!(!validator.is_valid(&delta), "{mistake} is accepted");
    }
}

#[tokio::test]
async fn the_rpc_serves_the_generated_schema_with_its_identity() {
    let service = crate::support::knowledge::spawn().await;
    let mut client = KnowledgeInterfaceClient::connect(service.grpc.clone())
        .await
        .expect("connect");

    let reply = client
        .get_upsert_graph_delta_json_schema(pb::GetUpsertGraphDeltaJsonSchemaRequest {})
        .await
        .expect("schema")
        .into_inner();

    assert_eq!(reply.json_schema, json_schema::generate().expect("schema"));
    assert_eq!(reply.schema_id.as_deref(), Some(SCHEMA_ID));
    assert_eq!(reply.draft.as_deref(), Some(DRAFT));
    assert_eq!(reply.version.as_deref(), Some(VERSION));
    assert_eq!((DRAFT, VERSION), ("2020-12", "2.1.0"));
}
