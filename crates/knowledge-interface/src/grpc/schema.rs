//! The schema-registry RPCs: `GetSchema`, `GetEntityTypePropertyContext`,
//! `GetEdgeExtractionSchemaContext` (answered from the registry as it is in the database) and
//! `UpsertSchemaType`.

use exobrain_proto::knowledge as pb;

use super::error::KnowledgeError;
use crate::schema::model::{
    Constraints, EdgeRule, Inheritance, Property, Schema, SchemaType, ValueType,
};
use crate::schema::upsert::{self, Refusal, TypeChange};
use crate::schema::{Kind, registry};

/// Every active type with its own and global properties, its parent links (nodes) or rules
/// (edges); types ordered by name.
pub async fn get_schema(pool: &sqlx::PgPool) -> Result<pb::GetSchemaReply, KnowledgeError> {
    let schema = registry::load(pool).await?;
    let properties = |id: &str| {
        let global = Kind::of_id(id).map(Kind::as_str).unwrap_or_default();
        schema
            .declared_properties(global)
            .chain(
                schema
                    .declared_properties(id)
                    .filter(|p| p.owner_type_id != global),
            )
            .map(property)
            .collect::<Vec<_>>()
    };
    let node_types = schema
        .active_types(Kind::Node)
        .into_iter()
        .map(|t| pb::SchemaNodeType {
            r#type: Some(schema_type(t)),
            properties: properties(&t.id),
            parents: schema.parent_links(&t.id).map(inheritance).collect(),
        })
        .collect();
    let edge_types = schema
        .active_types(Kind::Edge)
        .into_iter()
        .map(|t| pb::SchemaEdgeType {
            r#type: Some(schema_type(t)),
            properties: properties(&t.id),
            rules: schema
                .active_rules()
                .filter(|r| r.edge_type_id == t.id)
                .map(rule)
                .collect(),
        })
        .collect();
    Ok(pb::GetSchemaReply {
        node_types,
        edge_types,
    })
}

/// The properties a node type has, with where each is declared.
pub async fn property_context(
    pool: &sqlx::PgPool,
    request: pb::GetEntityTypePropertyContextRequest,
) -> Result<pb::GetEntityTypePropertyContextReply, KnowledgeError> {
    let type_id = request.type_id.trim().to_owned();
    if type_id.is_empty() {
        return Err(KnowledgeError::Invalid("type_id: is required".into()));
    }
    let schema = registry::load(pool).await?;
    let known = schema
        .active(&type_id)
        .filter(|t| t.kind == Kind::Node)
        .ok_or_else(|| {
            KnowledgeError::Invalid(format!(
                "type_id: unknown type_id `{type_id}` (no active node type; GetSchema lists them)"
            ))
        })?;
    let properties = schema
        .properties_of(&type_id, request.include_inherited.unwrap_or(true))
        .into_iter()
        .map(|p| pb::PropertyContext {
            prop_name: p.prop_name.clone(),
            value_type: p.value_type.as_str().into(),
            required: p.required,
            readable: p.readable,
            writable: p.writable,
            description: p.description.clone(),
            declared_on_type_id: p.owner_type_id.clone(),
        })
        .collect();
    Ok(pb::GetEntityTypePropertyContextReply {
        type_id: type_id.clone(),
        type_name: known.name.clone(),
        inheritance_chain: schema.chain(&type_id),
        properties,
    })
}

/// The edge types that may connect two node types, in either direction.
pub async fn edge_context(
    pool: &sqlx::PgPool,
    request: pb::GetEdgeExtractionSchemaContextRequest,
) -> Result<pb::GetEdgeExtractionSchemaContextReply, KnowledgeError> {
    let (first, second) = (
        request.first_entity_type.trim(),
        request.second_entity_type.trim(),
    );
    let missing: Vec<&str> = [("first_entity_type", first), ("second_entity_type", second)]
        .into_iter()
        .filter(|(_, value)| value.is_empty())
        .map(|(name, _)| name)
        .collect();
    if !missing.is_empty() {
        return Err(KnowledgeError::Invalid(format!(
            "{}: is required",
            missing.join(", ")
        )));
    }
    let schema: Schema = registry::load(pool).await?;
    let edge_types = schema
        .edge_options(first, second)
        .into_iter()
        .map(|option| pb::ExtractionEdgeType {
            edge_type_id: option.edge_type.id,
            edge_name: option.edge_type.name,
            edge_description: option.edge_type.description,
            source_entity_type_id: option.source_type_id,
            target_entity_type_id: option.target_type_id,
        })
        .collect();
    Ok(pb::GetEdgeExtractionSchemaContextReply {
        first_entity_type: first.to_owned(),
        second_entity_type: second.to_owned(),
        edge_types,
    })
}

fn schema_type(t: &SchemaType) -> pb::SchemaType {
    pb::SchemaType {
        id: t.id.clone(),
        kind: t.kind.as_str().into(),
        name: t.name.clone(),
        description: t.description.clone(),
        active: t.active,
    }
}

fn property(p: &Property) -> pb::TypeProperty {
    pb::TypeProperty {
        owner_type_id: p.owner_type_id.clone(),
        prop_name: p.prop_name.clone(),
        value_type: p.value_type.as_str().into(),
        required: p.required,
        readable: p.readable,
        writable: p.writable,
        active: p.active,
        description: p.description.clone(),
    }
}

fn inheritance(link: &Inheritance) -> pb::TypeInheritance {
    pb::TypeInheritance {
        child_type_id: link.child_type_id.clone(),
        parent_type_id: link.parent_type_id.clone(),
        description: link.description.clone(),
        active: link.active,
    }
}

fn rule(rule: &EdgeRule) -> pb::EdgeEndpointRule {
    pb::EdgeEndpointRule {
        edge_type_id: rule.edge_type_id.clone(),
        from_node_type_id: rule.from_node_type_id.clone(),
        to_node_type_id: rule.to_node_type_id.clone(),
        active: rule.active,
        description: rule.description.clone(),
    }
}

/// Adds or changes a schema type with its parent link and properties; a change that would
/// stop the service writing its own graphs (structural types, the root and starter graphs)
/// where it could before is FAILED_PRECONDITION.
pub async fn upsert_type(
    pool: &sqlx::PgPool,
    request: pb::UpsertSchemaTypeRequest,
) -> Result<pb::UpsertSchemaTypeReply, KnowledgeError> {
    let kind = Kind::parse(request.kind.trim()).ok_or_else(|| {
        KnowledgeError::Invalid(format!("kind: `{}` is not node or edge", request.kind))
    })?;
    let mut problems = Vec::new();
    let properties = request
        .properties
        .iter()
        .enumerate()
        .filter_map(|(index, p)| match ValueType::parse(p.value_type.trim()) {
            Some(value_type) => Some(Property {
                owner_type_id: request.id.trim().to_owned(),
                prop_name: p.prop_name.trim().to_owned(),
                value_type,
                required: p.required,
                readable: p.readable,
                writable: p.writable,
                active: p.active,
                description: p.description.trim().to_owned(),
                constraints: Constraints::default(),
            }),
            None => {
                problems.push(format!(
                    "properties[{index}].value_type: `{}` is not string, float, int, bool, datetime or json",
                    p.value_type
                ));
                None
            }
        })
        .collect();
    let change = TypeChange {
        schema_type: SchemaType {
            id: request.id.trim().to_owned(),
            kind,
            name: request.name.trim().to_owned(),
            description: request.description.trim().to_owned(),
            active: request.active,
        },
        parent_type_id: request
            .parent_type_id
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty()),
        properties,
    };
    let schema = registry::load(pool).await?;
    match upsert::check(&schema, &change) {
        Err(Refusal::Invalid(mut more)) => {
            problems.append(&mut more);
            return Err(KnowledgeError::Invalid(problems.join("; ")));
        }
        Err(Refusal::Conflict(message)) => return Err(KnowledgeError::FailedPrecondition(message)),
        Ok(()) if !problems.is_empty() => return Err(KnowledgeError::Invalid(problems.join("; "))),
        Ok(()) => {}
    }
    // Only what the change breaks: a registry already broken in one place (written before
    // this check existed) must still take changes, the repair among them.
    let before = crate::app::built_in_problems(&schema);
    let problems: Vec<String> = crate::app::built_in_problems(&upsert::preview(&schema, &change))
        .into_iter()
        .filter(|problem| !before.contains(problem))
        .collect();
    if !problems.is_empty() {
        return Err(KnowledgeError::FailedPrecondition(format!(
            "{} cannot change so: the service's own graphs would no longer be writable:\n- {}",
            change.schema_type.id,
            problems.join("\n- ")
        )));
    }
    let stored = upsert::write(pool, &change).await?;
    Ok(pb::UpsertSchemaTypeReply {
        schema_type: Some(schema_type(&stored)),
    })
}
