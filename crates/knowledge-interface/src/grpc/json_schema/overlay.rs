//! What the descriptor cannot say: the delta's own rules for fields by name (id formats,
//! patterns, which fields a record needs) and descriptions for what the `.proto` leaves
//! uncommented. It only looks up; the walk over the descriptor lives in `generator`.

use serde_json::{Value, json};

/// The constraint a field name adds to its string schema.
#[derive(Debug, Clone, Copy)]
pub(super) enum Constraint {
    /// An RFC 4122 UUID.
    Uuid,
    /// Non-empty, without leading or trailing whitespace.
    Trimmed,
    /// Contains something other than whitespace.
    NonBlank,
    /// Matches a regular expression.
    Pattern(&'static str),
    /// An RFC 3339 timestamp.
    DateTime,
    /// Text holding a JSON document.
    JsonText,
}

impl Constraint {
    /// The keywords to add to the field's `{"type": "string"}` schema.
    pub(super) fn keywords(self) -> Vec<(&'static str, Value)> {
        match self {
            Constraint::Uuid => vec![("format", json!("uuid"))],
            Constraint::Trimmed => {
                vec![("minLength", json!(1)), ("pattern", json!(r"^\S(.*\S)?$"))]
            }
            Constraint::NonBlank => vec![("pattern", json!(r"\S"))],
            Constraint::Pattern(pattern) => vec![("pattern", json!(pattern))],
            Constraint::DateTime => vec![("format", json!("date-time"))],
            Constraint::JsonText => vec![("contentMediaType", json!("application/json"))],
        }
    }
}

/// The delta's rule for a field name, wherever it occurs.
#[derive(Debug, Clone, Copy)]
pub(super) struct FieldRule {
    /// Field name as written in the `.proto`.
    pub name: &'static str,
    /// Used when the `.proto` has no comment on the field.
    pub description: &'static str,
    /// Added to the string schema; the field must then be a string.
    pub constraint: Option<Constraint>,
    /// Whether a record must carry it (proto3 would read an omitted field as its default,
    /// which the service rejects).
    pub required: bool,
}

const fn rule(
    name: &'static str,
    constraint: Option<Constraint>,
    required: bool,
    description: &'static str,
) -> FieldRule {
    FieldRule {
        name,
        description,
        constraint,
        required,
    }
}

const NODE_TYPE: Constraint = Constraint::Pattern(r"^node\.[a-z][a-z0-9_]*$");
const EDGE_TYPE: Constraint = Constraint::Pattern(r"^[A-Z][A-Z0-9_]*$");

const FIELDS: &[FieldRule] = &[
    rule("universes", None, false, "Universes to create or update."),
    rule("entities", None, false, "Entities to create or update."),
    rule("blocks", None, false, "Blocks (text) to create or update."),
    rule("edges", None, false, "Edges to create or update."),
    rule("source", None, false, "Where the records come from."),
    rule("id", Some(Constraint::Uuid), true, "Id of the node (UUID)."),
    rule(
        "from_id",
        Some(Constraint::Uuid),
        true,
        "Id of the node the edge starts at (UUID).",
    ),
    rule(
        "to_id",
        Some(Constraint::Uuid),
        true,
        "Id of the node the edge points to (UUID).",
    ),
    rule(
        "universe_id",
        Some(Constraint::Uuid),
        false,
        "Universe the entity belongs to (UUID); the Real World universe when omitted.",
    ),
    rule(
        "user_id",
        Some(Constraint::Trimmed),
        true,
        "Owner of the record: a user id, or `exobrain` for shared system records (not a UUID).",
    ),
    rule("visibility", None, true, "Who may read the record."),
    rule(
        "type_id",
        Some(NODE_TYPE),
        true,
        "Schema node type, e.g. `node.person`.",
    ),
    rule(
        "edge_type",
        Some(EDGE_TYPE),
        true,
        "Schema edge type in upper case, e.g. `KNOWS`.",
    ),
    rule(
        "name",
        Some(Constraint::NonBlank),
        true,
        "Display name (not blank).",
    ),
    rule(
        "properties",
        None,
        false,
        "Properties, each allowed by the record's schema type.",
    ),
    rule("key", Some(Constraint::NonBlank), true, "Property name."),
    rule("string_value", None, false, "Text value."),
    rule("float_value", None, false, "Floating-point value."),
    rule(
        "int_value",
        None,
        false,
        "Integer value (64-bit; proto3 JSON writes it as a string of digits).",
    ),
    rule("bool_value", None, false, "Boolean value."),
    rule(
        "datetime_value",
        Some(Constraint::DateTime),
        false,
        "RFC 3339 timestamp.",
    ),
    rule(
        "json_value",
        Some(Constraint::JsonText),
        false,
        "JSON document as text.",
    ),
];

/// Descriptions of messages and enums the `.proto` leaves uncommented, by short name.
const TYPES: &[(&str, &str)] = &[
    (
        "UpsertGraphDeltaRequest",
        "A batch of graph changes: nodes and edges are created or updated by id.",
    ),
    ("UniverseNode", "A universe: a context entities belong to."),
    (
        "EntityNode",
        "An entity (person, task, place, ...) of a schema node type.",
    ),
    (
        "BlockNode",
        "A block of text describing an entity or universe.",
    ),
    ("GraphEdge", "A typed edge between two nodes."),
    (
        "PropertyValue",
        "One property: its key and exactly one typed value.",
    ),
    (
        "Visibility",
        "PRIVATE: only the owner reads it; SHARED: everyone does.",
    ),
];

/// The rule for a field name, if the delta has one.
pub(super) fn field(name: &str) -> Option<&'static FieldRule> {
    FIELDS.iter().find(|rule| rule.name == name)
}

/// The fallback description of a message or enum.
pub(super) fn type_description(short_name: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(name, _)| *name == short_name)
        .map(|(_, description)| *description)
}
