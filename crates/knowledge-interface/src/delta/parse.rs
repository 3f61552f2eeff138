//! Wire → domain for `UpsertGraphDeltaRequest`: ids become UUIDs, visibilities and property
//! values become typed, owners are checked against the caller (an empty `user_id` means the
//! caller), and each record's provenance is its own filled from the delta's (see
//! [`super::source`]). Every problem is collected; ownership problems are reported apart,
//! because they are PERMISSION_DENIED rather than INVALID_ARGUMENT.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use exobrain_proto::knowledge as pb;
use uuid::Uuid;

use super::{Delta, EdgeInput, NodeInput, Refusal, source};
use crate::access::{Viewer, Visibility};
use crate::graph::model::{NodeKind, Provenance, UNIVERSE_TYPE};
use crate::graph::value::{Properties, Value};

/// Problems found while parsing.
#[derive(Debug, Default)]
struct Problems {
    invalid: Vec<String>,
    denied: Vec<String>,
}

/// Parses a request written on behalf of `caller`.
pub fn delta(caller: &Viewer, request: pb::UpsertGraphDeltaRequest) -> Result<Delta, Refusal> {
    let pb::UpsertGraphDeltaRequest {
        universes,
        entities,
        blocks,
        edges: wire_edges,
        source: wire_source,
    } = request;
    let mut problems = Problems::default();
    let delta_source = source::parse(&mut problems.invalid, "source", wire_source);
    let base = delta_source.clone().unwrap_or_default();
    let mut nodes = Vec::new();
    for (index, universe) in universes.into_iter().enumerate() {
        let at = format!("universes[{index}]");
        let source = source::of_record(&mut problems.invalid, &at, universe.source, &base);
        let mut properties = Properties::new();
        properties.insert(
            "name".into(),
            Value::String(universe.name.trim().to_owned()),
        );
        if let Some(node) = node(
            &mut problems,
            caller,
            RawNode {
                at,
                kind: NodeKind::Universe,
                id: &universe.id,
                type_id: UNIVERSE_TYPE,
                universe_id: None,
                user_id: &universe.user_id,
                visibility: universe.visibility,
                properties: Ok(properties),
                source,
            },
        ) {
            nodes.push(node);
        }
    }
    for (index, entity) in entities.into_iter().enumerate() {
        let at = format!("entities[{index}]");
        let properties = values(&mut problems, &at, entity.properties);
        let source = source::of_record(&mut problems.invalid, &at, entity.source, &base);
        if let Some(node) = node(
            &mut problems,
            caller,
            RawNode {
                at,
                kind: NodeKind::Entity,
                id: &entity.id,
                type_id: &entity.type_id,
                universe_id: entity.universe_id.as_deref(),
                user_id: &entity.user_id,
                visibility: entity.visibility,
                properties,
                source,
            },
        ) {
            nodes.push(node);
        }
    }
    for (index, block) in blocks.into_iter().enumerate() {
        let at = format!("blocks[{index}]");
        let properties = values(&mut problems, &at, block.properties);
        let source = source::of_record(&mut problems.invalid, &at, block.source, &base);
        if let Some(node) = node(
            &mut problems,
            caller,
            RawNode {
                at,
                kind: NodeKind::Block,
                id: &block.id,
                type_id: &block.type_id,
                universe_id: None,
                user_id: &block.user_id,
                visibility: block.visibility,
                properties,
                source,
            },
        ) {
            nodes.push(node);
        }
    }
    let mut seen = BTreeSet::new();
    for node in &nodes {
        if !seen.insert(node.id) {
            problems.invalid.push(format!(
                "{}: id {} appears twice in the delta",
                node.at, node.id
            ));
        }
    }
    let mut edges = Vec::new();
    for (index, wire) in wire_edges.into_iter().enumerate() {
        if let Some(edge) = edge(&mut problems, caller, index, wire, &base) {
            edges.push(edge);
        }
    }
    if !problems.denied.is_empty() {
        return Err(Refusal::Denied(problems.denied));
    }
    if !problems.invalid.is_empty() {
        return Err(Refusal::Invalid(problems.invalid));
    }
    Ok(Delta {
        caller: caller.clone(),
        nodes,
        edges,
        source: delta_source.unwrap_or_default(),
    })
}

struct RawNode<'a> {
    at: String,
    kind: NodeKind,
    id: &'a str,
    type_id: &'a str,
    universe_id: Option<&'a str>,
    user_id: &'a str,
    visibility: i32,
    properties: Result<Properties, ()>,
    source: Option<Provenance>,
}

fn node(problems: &mut Problems, caller: &Viewer, raw: RawNode<'_>) -> Option<NodeInput> {
    let at = raw.at;
    let id = uuid(problems, &format!("{at}.id"), raw.id);
    let universe_id = raw
        .universe_id
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|text| uuid(problems, &format!("{at}.universe_id"), text));
    let user_id = owner(problems, caller, &at, raw.user_id);
    let visibility = visibility(problems, &at, raw.visibility);
    let type_id = raw.type_id.trim();
    if type_id.is_empty() {
        problems.invalid.push(format!("{at}.type_id: is required"));
    }
    let universe_id = match universe_id {
        Some(parsed) => Some(parsed?),
        None => None,
    };
    Some(NodeInput {
        id: id?,
        kind: raw.kind,
        type_id: type_id.to_owned(),
        user_id: user_id?,
        visibility: visibility?,
        universe_id,
        properties: raw.properties.ok()?,
        source: raw.source?,
        at,
    })
}

fn edge(
    problems: &mut Problems,
    caller: &Viewer,
    index: usize,
    wire: pb::GraphEdge,
    delta_source: &Provenance,
) -> Option<EdgeInput> {
    let at = format!("edges[{index}]");
    let source = source::of_record(&mut problems.invalid, &at, wire.source, delta_source);
    let from_id = uuid(problems, &format!("{at}.from_id"), &wire.from_id);
    let to_id = uuid(problems, &format!("{at}.to_id"), &wire.to_id);
    let label = wire.edge_type.trim().to_ascii_uppercase();
    let label_ok = !label.is_empty()
        && label.starts_with(|c: char| c.is_ascii_uppercase())
        && label
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !label_ok {
        problems.invalid.push(format!(
            "{at}.edge_type: `{}` must be a label such as RELATED_TO (letters, digits, underscores)",
            wire.edge_type
        ));
    }
    let user_id = owner(problems, caller, &at, &wire.user_id);
    let visibility = visibility(problems, &at, wire.visibility);
    let properties = values(problems, &at, wire.properties);
    Some(EdgeInput {
        from_id: from_id?,
        to_id: to_id?,
        label: label_ok.then_some(label)?,
        user_id: user_id?,
        visibility: visibility?,
        properties: properties.ok()?,
        source: source?,
        at,
    })
}

fn uuid(problems: &mut Problems, field: &str, text: &str) -> Option<Uuid> {
    match Uuid::parse_str(text.trim()) {
        Ok(id) => Some(id),
        Err(_) if text.trim().is_empty() => {
            problems.invalid.push(format!("{field}: is required"));
            None
        }
        Err(_) => {
            problems
                .invalid
                .push(format!("{field}: `{text}` is not a UUID"));
            None
        }
    }
}

fn owner(problems: &mut Problems, caller: &Viewer, at: &str, user_id: &str) -> Option<String> {
    match user_id.trim() {
        "" => Some(caller.user_id().to_owned()),
        id if id == caller.user_id() => Some(id.to_owned()),
        other => {
            problems.denied.push(format!(
                "{at}.user_id: `{other}` is not the caller `{}`; a delta may only write the caller's own records",
                caller.user_id()
            ));
            None
        }
    }
}

fn visibility(problems: &mut Problems, at: &str, value: i32) -> Option<Visibility> {
    match pb::Visibility::try_from(value) {
        Ok(pb::Visibility::Private) => Some(Visibility::Private),
        Ok(pb::Visibility::Shared) => Some(Visibility::Shared),
        Ok(pb::Visibility::Unspecified) => {
            problems
                .invalid
                .push(format!("{at}.visibility: is required (PRIVATE or SHARED)"));
            None
        }
        Err(_) => {
            problems.invalid.push(format!(
                "{at}.visibility: {value} is not PRIVATE (1) or SHARED (2)"
            ));
            None
        }
    }
}

fn values(
    problems: &mut Problems,
    at: &str,
    wire: Vec<pb::PropertyValue>,
) -> Result<Properties, ()> {
    let mut properties = Properties::new();
    let before = problems.invalid.len();
    for (index, property) in wire.into_iter().enumerate() {
        let key = property.key.trim().to_owned();
        let field = format!("{at}.properties[{index}]");
        if key.is_empty() {
            problems.invalid.push(format!("{field}.key: is required"));
            continue;
        }
        let Some(value) = value(problems, &format!("{field} ({key})"), property.value) else {
            continue;
        };
        if properties.insert(key.clone(), value).is_some() {
            problems
                .invalid
                .push(format!("{field}: `{key}` is given twice"));
        }
    }
    if problems.invalid.len() == before {
        Ok(properties)
    } else {
        Err(())
    }
}

fn value(
    problems: &mut Problems,
    field: &str,
    value: Option<pb::property_value::Value>,
) -> Option<Value> {
    use pb::property_value::Value as Wire;
    let problem = match value {
        None => "a value is required (string, float, int, bool, datetime or json)".to_owned(),
        Some(Wire::StringValue(text)) => return Some(Value::String(text)),
        Some(Wire::FloatValue(number)) if number.is_finite() => return Some(Value::Float(number)),
        Some(Wire::FloatValue(number)) => format!("{number} is not a finite number"),
        Some(Wire::IntValue(number)) => return Some(Value::Int(number)),
        Some(Wire::BoolValue(flag)) => return Some(Value::Bool(flag)),
        Some(Wire::DatetimeValue(text)) => match DateTime::parse_from_rfc3339(text.trim()) {
            Ok(at) => return Some(Value::Datetime(at.with_timezone(&Utc))),
            Err(_) => format!("`{text}` is not an RFC 3339 datetime (e.g. 2024-05-01T10:00:00Z)"),
        },
        Some(Wire::JsonValue(text)) => match serde_json::from_str(&text) {
            Ok(document) => return Some(Value::Json(document)),
            Err(error) => format!("json_value is not valid JSON: {error}"),
        },
    };
    problems.invalid.push(format!("{field}: {problem}"));
    None
}
