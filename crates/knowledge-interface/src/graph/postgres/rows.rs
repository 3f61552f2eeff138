//! Row ↔ record conversion for the PostgreSQL graph store, and the column lists every query
//! selects so the conversions always find what they read.

use sqlx::Row;
use sqlx::postgres::PgRow;

use super::backend;
use crate::access::Visibility;
use crate::graph::StoreError;
use crate::graph::model::{Edge, EdgeStatus, Node, NodeKind, Provenance};
use crate::graph::value::Properties;

/// Node columns, for `SELECT {NODE_COLUMNS} FROM kg_nodes n`.
pub const NODE_COLUMNS: &str = "n.id, n.kind, n.type_id, n.user_id, n.visibility, n.name, \
     n.aliases, n.text, n.universe_id, n.properties, n.source, n.created_at, n.updated_at";

/// Edge columns, for `SELECT {EDGE_COLUMNS} FROM kg_edges e`.
pub const EDGE_COLUMNS: &str = "e.id, e.from_id, e.to_id, e.label, e.user_id, e.visibility, \
     e.confidence, e.status, e.provenance_hint, e.valid_from, e.valid_to, e.properties, \
     e.source, e.created_at, e.superseded_at";

/// The node in a row selected with [`NODE_COLUMNS`] (optionally prefixed).
pub fn node(row: &PgRow) -> Result<Node, StoreError> {
    let kind: String = row.try_get("kind").map_err(backend)?;
    let visibility: String = row.try_get("visibility").map_err(backend)?;
    Ok(Node {
        id: row.try_get("id").map_err(backend)?,
        kind: NodeKind::parse(&kind)
            .ok_or_else(|| StoreError::Backend(format!("unknown node kind {kind}")))?,
        type_id: row.try_get("type_id").map_err(backend)?,
        user_id: row.try_get("user_id").map_err(backend)?,
        visibility: parse_visibility(&visibility)?,
        name: row.try_get("name").map_err(backend)?,
        aliases: row.try_get("aliases").map_err(backend)?,
        text: row.try_get("text").map_err(backend)?,
        universe_id: row.try_get("universe_id").map_err(backend)?,
        properties: json(row, "properties")?,
        source: json(row, "source")?,
        created_at: row.try_get("created_at").map_err(backend)?,
        updated_at: row.try_get("updated_at").map_err(backend)?,
    })
}

/// The edge in a row selected with [`EDGE_COLUMNS`].
pub fn edge(row: &PgRow) -> Result<Edge, StoreError> {
    let visibility: String = row.try_get("visibility").map_err(backend)?;
    let status: String = row.try_get("status").map_err(backend)?;
    Ok(Edge {
        id: row.try_get("id").map_err(backend)?,
        from_id: row.try_get("from_id").map_err(backend)?,
        to_id: row.try_get("to_id").map_err(backend)?,
        label: row.try_get("label").map_err(backend)?,
        user_id: row.try_get("user_id").map_err(backend)?,
        visibility: parse_visibility(&visibility)?,
        confidence: row.try_get("confidence").map_err(backend)?,
        status: EdgeStatus::parse(&status)
            .ok_or_else(|| StoreError::Backend(format!("unknown edge status {status}")))?,
        provenance_hint: row.try_get("provenance_hint").map_err(backend)?,
        valid_from: row.try_get("valid_from").map_err(backend)?,
        valid_to: row.try_get("valid_to").map_err(backend)?,
        properties: json(row, "properties")?,
        source: json(row, "source")?,
        created_at: row.try_get("created_at").map_err(backend)?,
        superseded_at: row.try_get("superseded_at").map_err(backend)?,
    })
}

/// Serialises properties for a JSONB column.
pub fn properties_json(properties: &Properties) -> serde_json::Value {
    serde_json::to_value(properties).unwrap_or_default()
}

/// Serialises provenance for a JSONB column.
pub fn source_json(source: &Provenance) -> serde_json::Value {
    serde_json::to_value(source).unwrap_or_default()
}

fn json<T: serde::de::DeserializeOwned>(row: &PgRow, column: &str) -> Result<T, StoreError> {
    let value: serde_json::Value = row.try_get(column).map_err(backend)?;
    serde_json::from_value(value)
        .map_err(|error| StoreError::Backend(format!("bad {column} column: {error}")))
}

fn parse_visibility(text: &str) -> Result<Visibility, StoreError> {
    Visibility::parse(text).ok_or_else(|| StoreError::Backend(format!("unknown visibility {text}")))
}
