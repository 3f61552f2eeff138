//! Adding or changing a schema type (`UpsertSchemaType`). Everything is checked before
//! anything is written, every problem is reported together, and the type, its parent link and
//! its properties are written in one transaction. A new node type needs exactly one active
//! parent; the roots (`node`, `node.entity`, `node.block`, `node.universe`: existing node types
//! without a parent) stay roots; edge types have no parents; a new parent may not create a
//! cycle. Ids are `<kind>.<lowercase_name>`.

use sqlx::PgPool;

use super::model::{Inheritance, Kind, Property, Schema, SchemaType};

/// A validated type change.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeChange {
    /// The type row.
    pub schema_type: SchemaType,
    /// Its parent (node types other than `node.entity`).
    pub parent_type_id: Option<String>,
    /// Properties it declares. The wire request carries no value constraints, so the
    /// `constraints` of these are ignored and those already stored are kept.
    pub properties: Vec<Property>,
}

/// Why a change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Fields are wrong (all of them listed).
    Invalid(Vec<String>),
    /// The change conflicts with the current registry.
    Conflict(String),
}

/// Checks `change` against `schema` (the registry before the change).
pub fn check(schema: &Schema, change: &TypeChange) -> Result<(), Refusal> {
    let mut problems = Vec::new();
    let t = &change.schema_type;
    let existing = schema.active(&t.id).is_some();
    let is_root = existing && schema.parent_links(&t.id).next().is_none();
    let prefix = format!("{}.", t.kind.as_str());
    match t.id.strip_prefix(&prefix) {
        Some(rest) if is_identifier(rest) => {}
        _ => problems.push(format!(
            "id: `{}` must be `{prefix}<name>` with lowercase letters, digits and underscores",
            t.id
        )),
    }
    if t.name.trim().is_empty() {
        problems.push("name: is required".into());
    }
    if t.description.trim().is_empty() {
        problems.push("description: is required (it is what extraction prompts show)".into());
    }
    for (index, property) in change.properties.iter().enumerate() {
        if !is_identifier(&property.prop_name) {
            problems.push(format!(
                "properties[{index}].prop_name: `{}` must be lowercase letters, digits and underscores",
                property.prop_name
            ));
        }
        if matches!(
            property.prop_name.as_str(),
            "created_at" | "updated_at" | "user_id" | "visibility"
        ) {
            problems.push(format!(
                "properties[{index}].prop_name: `{}` is reserved",
                property.prop_name
            ));
        }
    }
    let mut names: Vec<&str> = change
        .properties
        .iter()
        .map(|p| p.prop_name.as_str())
        .collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        problems.push(format!("properties: `{}` is listed twice", pair[0]));
    }
    match (t.kind, &change.parent_type_id) {
        (Kind::Edge, Some(_)) => {
            return Err(Refusal::Conflict(
                "edge types have no parents (edge inheritance is out of scope)".into(),
            ));
        }
        (Kind::Node, Some(_)) if is_root || t.id == "node" => {
            return Err(Refusal::Conflict(format!(
                "{} is a root type and cannot have a parent",
                t.id
            )));
        }
        (Kind::Node, None) if !existing => {
            problems.push(
                "parent_type_id: is required for node types (for example node.entity)".into(),
            );
        }
        (Kind::Node, Some(parent)) => match schema.active(parent) {
            None => problems.push(format!("parent_type_id: no active type `{parent}`")),
            Some(found) if found.kind != Kind::Node || parent == "node" => {
                problems.push(format!(
                    "parent_type_id: `{parent}` is not a node type that can have children"
                ));
            }
            Some(_) if schema.is_assignable(parent, &t.id) => {
                problems.push(format!(
                    "parent_type_id: `{parent}` descends from `{}`; that would be a cycle",
                    t.id
                ));
            }
            Some(_) => {}
        },
        _ => {}
    }
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    if let Some(parent) = &change.parent_type_id
        && let Some(current) = schema
            .parent_links(&t.id)
            .map(|l| l.parent_type_id.as_str())
            .find(|p| p != parent)
    {
        return Err(Refusal::Conflict(format!(
            "{} already has the parent {current}; a node type cannot have several parents",
            t.id
        )));
    }
    Ok(())
}

/// The schema as it will be once `change` is written (as [`write`] writes it: properties
/// that exist keep their stored constraints), to check what the change does to readers.
pub fn preview(schema: &Schema, change: &TypeChange) -> Schema {
    let t = &change.schema_type;
    let mut rows = schema.rows();
    rows.types.retain(|stored| stored.id != t.id);
    rows.types.push(t.clone());
    if let Some(parent) = &change.parent_type_id {
        match rows
            .inheritance
            .iter_mut()
            .find(|l| l.child_type_id == t.id && &l.parent_type_id == parent)
        {
            Some(link) => link.active = true,
            None => rows.inheritance.push(parent_link(t, parent)),
        }
    }
    for p in &change.properties {
        let stored = rows
            .properties
            .iter_mut()
            .find(|s| s.owner_type_id == t.id && s.prop_name == p.prop_name);
        match stored {
            Some(stored) => {
                *stored = Property {
                    constraints: stored.constraints.clone(),
                    ..p.clone()
                }
            }
            None => rows.properties.push(Property {
                owner_type_id: t.id.clone(),
                ..p.clone()
            }),
        }
    }
    Schema::new(rows.types, rows.inheritance, rows.properties, rows.rules)
}

/// Writes a checked change in one transaction; returns the stored type.
pub async fn write(pool: &PgPool, change: &TypeChange) -> Result<SchemaType, sqlx::Error> {
    let t = &change.schema_type;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO knowledge_graph_schema_types (id, kind, name, description, active) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
             description = EXCLUDED.description, active = EXCLUDED.active, updated_at = NOW()",
    )
    .bind(&t.id)
    .bind(t.kind.as_str())
    .bind(&t.name)
    .bind(&t.description)
    .bind(t.active)
    .execute(&mut *tx)
    .await?;
    if let Some(link) = change.parent_type_id.as_ref().map(|p| parent_link(t, p)) {
        sqlx::query(
            "INSERT INTO knowledge_graph_schema_type_inheritance (child_type_id, parent_type_id, description, active)
             VALUES ($1, $2, $3, TRUE)
             ON CONFLICT (child_type_id, parent_type_id) DO UPDATE SET active = TRUE",
        )
        .bind(&link.child_type_id)
        .bind(&link.parent_type_id)
        .bind(&link.description)
        .execute(&mut *tx)
        .await?;
    }
    for p in &change.properties {
        sqlx::query(
            "INSERT INTO knowledge_graph_schema_type_properties
                 (owner_type_id, prop_name, value_type, required, readable, writable, active, description)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (owner_type_id, prop_name) DO UPDATE SET value_type = EXCLUDED.value_type,
                 required = EXCLUDED.required, readable = EXCLUDED.readable, writable = EXCLUDED.writable,
                 active = EXCLUDED.active, description = EXCLUDED.description",
        )
        .bind(&t.id)
        .bind(&p.prop_name)
        .bind(p.value_type.as_str())
        .bind(p.required)
        .bind(p.readable)
        .bind(p.writable)
        .bind(p.active)
        .bind(&p.description)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(t.clone())
}

/// The active link from `t` to its parent that a change writes.
fn parent_link(t: &SchemaType, parent: &str) -> Inheritance {
    Inheritance {
        child_type_id: t.id.clone(),
        parent_type_id: parent.to_owned(),
        description: format!("{} is a kind of {parent}.", t.name),
        active: true,
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
