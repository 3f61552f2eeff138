//! The graphs the service writes itself, as ordinary deltas through the same checks: the
//! shared root graph (the Real World universe and the Exobrain concept with its root block,
//! owned by the system user and SHARED) and each user's starter graph (their person, their
//! assistant, its description block and the edges between them). Root ids are fixed. A
//! starter graph's ids are UUIDv5 of the user id ([`StarterIds::derived`]), so retries write
//! nothing new; anyone can compute them, though, so when another user already holds one of
//! them the starter graph takes fresh ids ([`StarterIds::fresh`]). Either way the ids are
//! recorded in the user's init marker, which is where they are read from afterwards.

use exobrain_proto::knowledge as pb;
use uuid::{Uuid, uuid};

use crate::access::Viewer;
use crate::delta::check::REAL_WORLD;
use crate::delta::{Delta, parse};
use crate::graph::plan::InitMarker;

/// The Exobrain concept entity of the shared root graph.
pub const EXOBRAIN_ENTITY: Uuid = uuid!("8c75cc89-6204-4fed-aec1-34d032ff95ee");
/// Its root block.
pub const EXOBRAIN_BLOCK: Uuid = uuid!("ea5ca80f-346b-4f66-bff2-d307ce5d7da9");

/// The ids of a user's starter graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StarterIds {
    /// The user's person.
    pub person: Uuid,
    /// Their assistant.
    pub assistant: Uuid,
    /// The assistant's description block.
    pub block: Uuid,
}

impl StarterIds {
    /// The usual ids: UUIDv5 (OID namespace) of `person:{user}`, `assistant:{user}` and
    /// `assistant-block:{user}`.
    pub fn derived(user_id: &str) -> Self {
        let id =
            |what: &str| Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{what}:{user_id}").as_bytes());
        Self {
            person: id("person"),
            assistant: id("assistant"),
            block: id("assistant-block"),
        }
    }

    /// Random ids no one can compute ahead, for a user one of whose derived ids another
    /// user took first.
    pub fn fresh() -> Self {
        Self {
            person: Uuid::new_v4(),
            assistant: Uuid::new_v4(),
            block: Uuid::new_v4(),
        }
    }
}

fn text(key: &str, value: &str) -> pb::PropertyValue {
    pb::PropertyValue {
        key: key.into(),
        value: Some(pb::property_value::Value::StringValue(value.into())),
    }
}

fn json(key: &str, value: &str) -> pb::PropertyValue {
    pb::PropertyValue {
        key: key.into(),
        value: Some(pb::property_value::Value::JsonValue(value.into())),
    }
}

fn edge(
    from: Uuid,
    label: &str,
    to: Uuid,
    hint: &str,
    visibility: pb::Visibility,
) -> pb::GraphEdge {
    pb::GraphEdge {
        from_id: from.to_string(),
        to_id: to.to_string(),
        edge_type: label.into(),
        properties: vec![
            pb::PropertyValue {
                key: "confidence".into(),
                value: Some(pb::property_value::Value::FloatValue(1.0)),
            },
            text("status", "asserted"),
            text("provenance_hint", hint),
        ],
        user_id: String::new(),
        visibility: visibility as i32,
        source: None,
    }
}

fn parsed(caller: &Viewer, request: pb::UpsertGraphDeltaRequest) -> Delta {
    parse::delta(caller, request).expect("built-in deltas are well formed")
}

/// The starter graph of `caller`, named `user_name`, with `ids`, and the marker to record
/// with it.
pub fn user_delta(caller: &Viewer, user_name: &str, ids: StarterIds) -> (Delta, InitMarker) {
    let marker = InitMarker {
        user_id: caller.user_id().to_owned(),
        person_entity_id: ids.person,
        assistant_entity_id: ids.assistant,
    };
    (parsed(caller, user_request(user_name, ids)), marker)
}

/// A starter graph of `caller` with one block below the assistant's description block:
/// every kind of record and edge the service writes for a user, to check a schema change
/// against (see [`super::guard`]).
pub(super) fn probe_delta(caller: &Viewer) -> Delta {
    let ids = StarterIds::derived(caller.user_id());
    let block = ids.block;
    let mut request = user_request("Schema Check", ids);
    let detail = Uuid::new_v5(&block, b"detail");
    request.blocks.push(pb::BlockNode {
        id: detail.to_string(),
        type_id: "node.block".into(),
        properties: vec![text("text", "A detail of the description.")],
        user_id: String::new(),
        visibility: pb::Visibility::Private as i32,
        source: None,
    });
    request.edges.push(edge(
        block,
        "SUMMARIZES",
        detail,
        "schema check",
        pb::Visibility::Private,
    ));
    parsed(caller, request)
}

/// The request writing a starter graph with `ids`, its person named `user_name`.
fn user_request(user_name: &str, ids: StarterIds) -> pb::UpsertGraphDeltaRequest {
    let StarterIds {
        person,
        assistant,
        block,
    } = ids;
    let private = pb::Visibility::Private;
    let entity = |id: Uuid, type_id: &str, properties| pb::EntityNode {
        id: id.to_string(),
        type_id: type_id.into(),
        universe_id: Some(REAL_WORLD.to_string()),
        properties,
        user_id: String::new(),
        visibility: private as i32,
        source: None,
    };
    pb::UpsertGraphDeltaRequest {
        entities: vec![
            entity(
                person,
                "node.person",
                vec![
                    text("name", user_name),
                    json("aliases", r#"["me","I","myself"]"#),
                ],
            ),
            entity(
                assistant,
                "node.ai_agent",
                vec![text("name", "Exobrain Assistant")],
            ),
        ],
        blocks: vec![pb::BlockNode {
            id: block.to_string(),
            type_id: "node.block".into(),
            properties: vec![text(
                "text",
                "Exobrain Assistant is the user's personal AI assistant: it talks with them every day and keeps their knowledge graph.",
            )],
            user_id: String::new(),
            visibility: private as i32,
            source: None,
        }],
        edges: vec![
            edge(
                assistant,
                "RELATED_TO",
                person,
                "starter graph: the assistant works for its user",
                private,
            ),
            edge(assistant, "DESCRIBED_BY", block, "starter graph", private),
        ],
        source: Some(pb::Provenance {
            extractor: "knowledge-interface starter graph".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The shared root graph, written by the system user.
pub fn root_delta(system: &Viewer) -> Delta {
    let shared = pb::Visibility::Shared;
    let request = pb::UpsertGraphDeltaRequest {
        universes: vec![pb::UniverseNode {
            id: REAL_WORLD.to_string(),
            name: "Real World".into(),
            user_id: String::new(),
            visibility: shared as i32,
            source: None,
        }],
        entities: vec![pb::EntityNode {
            id: EXOBRAIN_ENTITY.to_string(),
            type_id: "node.concept".into(),
            universe_id: Some(REAL_WORLD.to_string()),
            properties: vec![text("name", "Exobrain")],
            user_id: String::new(),
            visibility: shared as i32,
            source: None,
        }],
        blocks: vec![pb::BlockNode {
            id: EXOBRAIN_BLOCK.to_string(),
            type_id: "node.block".into(),
            properties: vec![text(
                "text",
                "Exobrain is a personal AI assistant platform with a living memory: daily conversations are distilled into a knowledge graph the assistant reads back.",
            )],
            user_id: String::new(),
            visibility: shared as i32,
            source: None,
        }],
        edges: vec![edge(
            EXOBRAIN_ENTITY,
            "DESCRIBED_BY",
            EXOBRAIN_BLOCK,
            "bootstrap: common root graph",
            shared,
        )],
        source: Some(pb::Provenance {
            extractor: "knowledge-interface bootstrap".into(),
            ..Default::default()
        }),
    };
    parsed(system, request)
}
