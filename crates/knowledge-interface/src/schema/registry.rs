//! Reading the schema registry from PostgreSQL into a [`Schema`]. Rows that break the
//! registry's own rules (an unknown value type, a type id whose prefix is not its kind) are
//! skipped with a warning rather than failing every request.

use sqlx::{PgPool, Row};

use super::model::{
    Constraints, EdgeRule, Inheritance, Kind, Property, Schema, SchemaType, ValueType,
};

/// Loads every row of the registry (inactive ones included).
pub async fn load(pool: &PgPool) -> Result<Schema, sqlx::Error> {
    let types = sqlx::query("SELECT id, kind, name, description, active FROM knowledge_graph_schema_types")
        .fetch_all(pool)
        .await?
        .iter()
        .filter_map(|row| {
            let id: String = row.try_get("id").ok()?;
            let kind = row.try_get::<String, _>("kind").ok().and_then(|kind| Kind::parse(&kind));
            match kind {
                Some(kind) if Kind::of_id(&id) == Some(kind) => Some(SchemaType {
                    id,
                    kind,
                    name: row.try_get("name").ok()?,
                    description: row.try_get("description").ok()?,
                    active: row.try_get("active").ok()?,
                }),
                _ => {
                    tracing::warn!(type_id = %id, "schema type skipped: its kind does not match its id prefix");
                    None
                }
            }
        })
        .collect();
    let inheritance = sqlx::query(
        "SELECT child_type_id, parent_type_id, description, active FROM knowledge_graph_schema_type_inheritance",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .filter_map(|row| {
        Some(Inheritance {
            child_type_id: row.try_get("child_type_id").ok()?,
            parent_type_id: row.try_get("parent_type_id").ok()?,
            description: row.try_get("description").ok()?,
            active: row.try_get("active").ok()?,
        })
    })
    .collect();
    let properties = sqlx::query(
        "SELECT owner_type_id, prop_name, value_type, required, readable, writable, active, description,
                enum_values, pattern, numeric_min, numeric_max
         FROM knowledge_graph_schema_type_properties",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .filter_map(property)
    .collect();
    let rules = sqlx::query(
        "SELECT edge_type_id, from_node_type_id, to_node_type_id, description, active FROM knowledge_graph_schema_edge_rules",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .filter_map(|row| {
        Some(EdgeRule {
            edge_type_id: row.try_get("edge_type_id").ok()?,
            from_node_type_id: row.try_get("from_node_type_id").ok()?,
            to_node_type_id: row.try_get("to_node_type_id").ok()?,
            description: row.try_get("description").ok()?,
            active: row.try_get("active").ok()?,
        })
    })
    .collect();
    Ok(Schema::new(types, inheritance, properties, rules))
}

fn property(row: &sqlx::postgres::PgRow) -> Option<Property> {
    let owner: String = row.try_get("owner_type_id").ok()?;
    let name: String = row.try_get("prop_name").ok()?;
    let Some(value_type) = row
        .try_get::<String, _>("value_type")
        .ok()
        .and_then(|v| ValueType::parse(&v))
    else {
        tracing::warn!(owner = %owner, property = %name, "schema property skipped: unknown value type");
        return None;
    };
    let enum_values = row
        .try_get::<Option<String>, _>("enum_values")
        .ok()
        .flatten()
        .map(|raw| parse_enum(&raw));
    Some(Property {
        owner_type_id: owner,
        prop_name: name,
        value_type,
        required: row.try_get("required").ok()?,
        readable: row.try_get("readable").ok()?,
        writable: row.try_get("writable").ok()?,
        active: row.try_get("active").ok()?,
        description: row.try_get("description").ok()?,
        constraints: Constraints {
            enum_values,
            pattern: row.try_get("pattern").ok().flatten(),
            min: row.try_get("numeric_min").ok().flatten(),
            max: row.try_get("numeric_max").ok().flatten(),
        },
    })
}

/// Enum values as stored: a JSON array of strings, or (older rows) a `|` or `,` list.
fn parse_enum(raw: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(raw).unwrap_or_else(|_| {
        raw.split(['|', ','])
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect()
    })
}
