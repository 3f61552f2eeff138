//! The JSON Schema (draft 2020-12) of `UpsertGraphDeltaRequest`, answered by
//! `GetUpsertGraphDeltaJsonSchema`. It is generated from the compiled `knowledge.proto`
//! descriptor ([`generator`]) plus the delta's rules by field name ([`overlay`]), so it cannot
//! drift from the wire contract; built once, deterministic (keys sorted, pretty-printed).
//! It describes the request; it does not validate requests (the upsert path does).

mod generator;
mod overlay;

use std::sync::OnceLock;

use exobrain_proto::knowledge as pb;
use prost::Message;
use serde_json::{Map, Value, json};

use super::error::KnowledgeError;

/// `$id` of the schema, also sent as `schema_id`.
pub const SCHEMA_ID: &str =
    "https://exobrain.dev/schemas/knowledge/upsert-graph-delta-request.json";
/// The JSON Schema draft the schema is written in.
pub const DRAFT: &str = "2020-12";
/// Version of the schema's shape; 2.0.0 replaced the hand-written 1.0.0, 2.1.0 added
/// per-record `source` and `message_sequences`.
pub const VERSION: &str = "2.1.0";

const META_SCHEMA: &str = "https://json-schema.org/draft/2020-12/schema";
const ROOT: &str = "exobrain.knowledge.v1.UpsertGraphDeltaRequest";

/// The reply of `GetUpsertGraphDeltaJsonSchema`. INTERNAL if the generator cannot handle the
/// descriptor (a bug of ours, found by the tests).
pub fn reply() -> Result<pb::GetUpsertGraphDeltaJsonSchemaReply, KnowledgeError> {
    static SCHEMA: OnceLock<Result<String, String>> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| generate().map_err(|error| error.to_string()));
    let json_schema = schema
        .clone()
        .map_err(|cause| KnowledgeError::Internal(format!("json schema: {cause}")))?;
    Ok(pb::GetUpsertGraphDeltaJsonSchemaReply {
        json_schema,
        schema_id: Some(SCHEMA_ID.into()),
        draft: Some(DRAFT.into()),
        version: Some(VERSION.into()),
    })
}

/// Generates the schema text afresh (uncached): the same text on every call.
pub fn generate() -> Result<String, KnowledgeError> {
    let internal = KnowledgeError::Internal;
    let set = prost_types::FileDescriptorSet::decode(exobrain_proto::KNOWLEDGE_DESCRIPTOR_SET)
        .map_err(|error| internal(format!("knowledge descriptor set: {error}")))?;
    let generated = generator::generate(&set, ROOT).map_err(internal)?;
    let mut root = generated.root;
    root.insert("$schema".into(), json!(META_SCHEMA));
    root.insert("$id".into(), json!(SCHEMA_ID));
    root.insert("title".into(), json!("UpsertGraphDeltaRequest"));
    root.insert("$defs".into(), Value::Object(generated.defs));
    serde_json::to_string_pretty(&sorted(Value::Object(root)))
        .map_err(|error| internal(format!("failed to serialize json schema: {error}")))
}

/// The value with every object's keys in order, whatever map the build of `serde_json` uses.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.cmp(b));
            let map: Map<String, Value> = entries
                .into_iter()
                .map(|(key, value)| (key, sorted(value)))
                .collect();
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
