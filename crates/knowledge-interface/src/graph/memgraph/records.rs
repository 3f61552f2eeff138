//! Record ↔ Bolt conversion for the Memgraph store and the query plumbing every module uses.
//!
//! Stored shapes: a node is `(:Node:<Universe|Entity|Block> {id, kind, type_id, user_id,
//! visibility, name, aliases, text, universe_id, properties, source, created_at, updated_at,
//! names_folded | text_folded, block_count, degree})`; an edge is a relationship whose type is
//! the label, with `{claim_id, user_id, visibility, confidence, status, provenance_hint,
//! valid_from, valid_to, properties, source, created_at, superseded_at, superseded_by}`.
//! Ids are UUID strings (lower case, so string order is UUID order); typed properties and
//! provenance are JSON strings; datetimes are fixed-width UTC ISO strings (microseconds), so
//! comparing strings compares times. Queries return `properties(n) AS n` for nodes and
//! [`EDGE`] for edges.

use chrono::{DateTime, Utc};
use neo4rs::{BoltType, Graph, Query, Row, Txn};
use serde::Deserialize;
use uuid::Uuid;

use super::error;
use super::text::fold;
use crate::access::Visibility;
use crate::graph::StoreError;
use crate::graph::model::{Edge, EdgeStatus, Node, NodeKind};

/// The columns an edge is read from: `RETURN {EDGE}` with the relationship bound to `e`.
pub const EDGE: &str =
    "properties(e) AS e, type(e) AS label, startNode(e).id AS from_id, endNode(e).id AS to_id";

/// Runs `query` inside `txn` and collects every row (a stream must be drained before the
/// connection takes the next statement).
pub async fn fetch_in(txn: &mut Txn, query: Query) -> Result<Vec<Row>, StoreError> {
    let mut stream = txn.execute(query).await.map_err(error)?;
    let mut rows = Vec::new();
    while let Some(row) = stream.next(txn.handle()).await.map_err(error)? {
        rows.push(row);
    }
    Ok(rows)
}

/// Runs `query` in its own transaction and collects every row.
pub async fn fetch(graph: &Graph, query: Query) -> Result<Vec<Row>, StoreError> {
    let mut stream = graph.execute(query).await.map_err(error)?;
    let mut rows = Vec::new();
    while let Some(row) = stream.next().await.map_err(error)? {
        rows.push(row);
    }
    Ok(rows)
}

/// A column of a row.
pub fn column<'r, T: Deserialize<'r>>(row: &'r Row, name: &str) -> Result<T, StoreError> {
    row.get(name)
        .map_err(|e| StoreError::Backend(format!("bad `{name}` column from memgraph: {e}")))
}

/// The fixed-width stored form of a time.
pub fn time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| StoreError::Backend(format!("bad stored time `{text}`: {e}")))
}

fn optional_time(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.as_deref().map(parse_time).transpose()
}

/// A stored id.
pub fn uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Backend(format!("bad stored id `{text}`: {e}")))
}

/// Ids as stored.
pub fn ids(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

/// A relationship type for query text (types cannot be parameters): only `A-Z`, digits
/// and `_`, starting with a letter, as the delta parser guarantees.
pub fn label(label: &str) -> Result<&str, StoreError> {
    let valid = label.starts_with(|c: char| c.is_ascii_uppercase())
        && label
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(label)
    } else {
        Err(StoreError::Backend(format!(
            "edge label `{label}` cannot be stored"
        )))
    }
}

/// The node label of a family.
pub fn kind_label(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Universe => "Universe",
        NodeKind::Entity => "Entity",
        NodeKind::Block => "Block",
    }
}

/// A value as the JSON string it is stored as (typed properties, provenance).
pub fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

fn from_json<T: serde::de::DeserializeOwned + Default>(
    text: Option<String>,
    what: &str,
) -> Result<T, StoreError> {
    match text {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Backend(format!("bad stored {what}: {e}"))),
    }
}

fn visibility(text: &str) -> Result<Visibility, StoreError> {
    Visibility::parse(text).ok_or_else(|| StoreError::Backend(format!("unknown visibility {text}")))
}

/// A map parameter.
pub fn map(entries: Vec<(&str, BoltType)>) -> BoltType {
    entries
        .into_iter()
        .collect::<std::collections::HashMap<&str, BoltType>>()
        .into()
}

/// The stored properties of a node (without `id` and the store's timestamps). Entities also
/// keep their folded name and aliases, blocks their folded text, for lexical search.
pub fn node_props(node: &Node) -> BoltType {
    let mut folded: Vec<String> = node
        .name
        .iter()
        .chain(&node.aliases)
        .map(|n| fold(n))
        .collect();
    folded.dedup();
    map(vec![
        ("kind", node.kind.as_str().into()),
        ("type_id", node.type_id.as_str().into()),
        ("user_id", node.user_id.as_str().into()),
        ("visibility", node.visibility.as_str().into()),
        ("name", node.name.clone().into()),
        ("aliases", node.aliases.clone().into()),
        ("text", node.text.clone().into()),
        (
            "universe_id",
            node.universe_id.map(|u| u.to_string()).into(),
        ),
        ("properties", json(&node.properties).into()),
        ("source", json(&node.source).into()),
        (
            "names_folded",
            (node.kind == NodeKind::Entity).then_some(folded).into(),
        ),
        ("text_folded", node.text.as_deref().map(fold).into()),
    ])
}

/// The stored properties of an edge (without `claim_id` and the store's timestamps).
pub fn edge_props(edge: &Edge) -> BoltType {
    map(vec![
        ("user_id", edge.user_id.as_str().into()),
        ("visibility", edge.visibility.as_str().into()),
        ("confidence", edge.confidence.into()),
        ("status", edge.status.as_str().into()),
        ("provenance_hint", edge.provenance_hint.as_str().into()),
        ("valid_from", edge.valid_from.as_ref().map(time).into()),
        ("valid_to", edge.valid_to.as_ref().map(time).into()),
        ("properties", json(&edge.properties).into()),
        ("source", json(&edge.source).into()),
    ])
}

/// A node as `properties(n)` returns it.
#[derive(Deserialize)]
struct StoredNode {
    id: String,
    kind: String,
    type_id: String,
    user_id: String,
    visibility: String,
    name: Option<String>,
    aliases: Option<Vec<String>>,
    text: Option<String>,
    universe_id: Option<String>,
    properties: Option<String>,
    source: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// The node in column `name` (a `properties(n)` map).
pub fn node(row: &Row, name: &str) -> Result<Node, StoreError> {
    let stored: StoredNode = column(row, name)?;
    Ok(Node {
        id: uuid(&stored.id)?,
        kind: NodeKind::parse(&stored.kind)
            .ok_or_else(|| StoreError::Backend(format!("unknown node kind {}", stored.kind)))?,
        type_id: stored.type_id,
        user_id: stored.user_id,
        visibility: visibility(&stored.visibility)?,
        name: stored.name,
        aliases: stored.aliases.unwrap_or_default(),
        text: stored.text,
        universe_id: stored.universe_id.as_deref().map(uuid).transpose()?,
        properties: from_json(stored.properties, "properties")?,
        source: from_json(stored.source, "provenance")?,
        created_at: optional_time(stored.created_at)?,
        updated_at: optional_time(stored.updated_at)?,
    })
}

/// An edge as `properties(e)` returns it.
#[derive(Deserialize)]
struct StoredEdge {
    claim_id: String,
    user_id: String,
    visibility: String,
    confidence: f64,
    status: String,
    provenance_hint: Option<String>,
    valid_from: Option<String>,
    valid_to: Option<String>,
    properties: Option<String>,
    source: Option<String>,
    created_at: Option<String>,
    superseded_at: Option<String>,
}

/// The edge in a row selected with [`EDGE`].
pub fn edge(row: &Row) -> Result<Edge, StoreError> {
    let stored: StoredEdge = column(row, "e")?;
    let from: String = column(row, "from_id")?;
    let to: String = column(row, "to_id")?;
    Ok(Edge {
        id: uuid(&stored.claim_id)?,
        from_id: uuid(&from)?,
        to_id: uuid(&to)?,
        label: column(row, "label")?,
        user_id: stored.user_id,
        visibility: visibility(&stored.visibility)?,
        confidence: stored.confidence,
        status: EdgeStatus::parse(&stored.status)
            .ok_or_else(|| StoreError::Backend(format!("unknown edge status {}", stored.status)))?,
        provenance_hint: stored.provenance_hint.unwrap_or_default(),
        valid_from: optional_time(stored.valid_from)?,
        valid_to: optional_time(stored.valid_to)?,
        properties: from_json(stored.properties, "properties")?,
        source: from_json(stored.source, "provenance")?,
        created_at: optional_time(stored.created_at)?,
        superseded_at: optional_time(stored.superseded_at)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_are_fixed_width_and_sort_as_strings() {
        let early = parse_time("2024-05-01T10:00:00Z").unwrap();
        let late = parse_time("2024-05-01T10:00:00.5+00:00").unwrap();
        assert_eq!(time(&early), "2024-05-01T10:00:00.000000Z");
        assert!(time(&early) < time(&late));
        assert_eq!(parse_time(&time(&late)).unwrap(), late);
    }

    #[test]
    fn only_plain_labels_reach_query_text() {
        assert!(label("RELATED_TO").is_ok());
        assert!(label("KNOWS2").is_ok());
        assert!(label("X]->(n) DETACH DELETE n //").is_err());
        assert!(label("lower").is_err());
    }
}
