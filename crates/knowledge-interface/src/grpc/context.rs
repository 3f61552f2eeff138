//! `GetEntityContext` on the wire: request checks and the mapping of an entity's context to
//! the reply (string maps of rendered values, readable properties only plus the record's
//! own fields; each block with its provenance).

use exobrain_proto::knowledge as pb;
use tonic::Request;
use uuid::Uuid;

use super::error::KnowledgeError;
use super::identity;
use crate::access::Visibility;
use crate::app::{EntityContext, Knowledge};
use crate::graph::model::{Edge, Node, Provenance};
use crate::graph::reads::{Direction, Neighbor};
use crate::graph::value::render_time;
use crate::schema::Schema;

type StringMap = std::collections::HashMap<String, String>;

/// The context of one entity.
pub async fn entity_context(
    knowledge: &Knowledge,
    request: Request<pb::GetEntityContextRequest>,
) -> Result<pb::GetEntityContextReply, KnowledgeError> {
    let (metadata, _, body) = request.into_parts();
    let entity_text = body.entity_id.trim();
    if entity_text.is_empty() {
        return Err(KnowledgeError::Invalid("entity_id is required".into()));
    }
    let entity_id = Uuid::parse_str(entity_text).map_err(|_| {
        KnowledgeError::Invalid(format!("entity_id: `{entity_text}` is not a UUID"))
    })?;
    let caller = identity::caller(&metadata, Some(&body.user_id))?;
    let context = knowledge
        .entity_context(
            &caller,
            entity_id,
            body.max_block_level,
            body.include_history,
        )
        .await?;
    let schema = knowledge.schema().await?;
    Ok(reply(&schema, context))
}

fn reply(schema: &Schema, context: EntityContext) -> pb::GetEntityContextReply {
    let EntityContext {
        entity,
        blocks,
        block_neighbors,
        neighbors,
        descriptions,
    } = context;
    let neighbor = |n: &Neighbor| pb::EntityContextNeighbor {
        direction: match n.direction {
            Direction::Outgoing => pb::NeighborDirection::Outgoing,
            Direction::Incoming => pb::NeighborDirection::Incoming,
        } as i32,
        edge_type: n.edge.label.clone(),
        properties: edge_properties(&n.edge),
        other_entity: Some(pb::EntityContextOtherEntity {
            id: n.other.id.to_string(),
            description: descriptions.get(&n.other.id).cloned(),
            name: n.other.name.clone(),
            type_id: n.other.type_id.clone(),
            aliases: n.other.aliases.clone(),
        }),
        superseded_at: n.edge.superseded_at.as_ref().map(render_time),
    };
    pb::GetEntityContextReply {
        entity: Some(pb::EntityContextCore {
            id: entity.id.to_string(),
            type_id: entity.type_id.clone(),
            user_id: entity.user_id.clone(),
            visibility: wire_visibility(entity.visibility) as i32,
            name: entity.name.clone(),
            aliases: entity.aliases.clone(),
            created_at: entity.created_at.as_ref().map(render_time),
            updated_at: entity.updated_at.as_ref().map(render_time),
        }),
        entity_properties: node_properties(schema, &entity),
        blocks: blocks
            .iter()
            .map(|block| pb::EntityContextBlock {
                id: block.node.id.to_string(),
                type_id: block.node.type_id.clone(),
                block_level: block.level,
                properties: node_properties(schema, &block.node),
                parent_block_id: block.parent_block_id.map(|p| p.to_string()),
                text: block.node.text.clone(),
                created_at: block.node.created_at.as_ref().map(render_time),
                updated_at: block.node.updated_at.as_ref().map(render_time),
                neighbors: block_neighbors
                    .iter()
                    .filter(|n| n.node_id == block.node.id)
                    .map(neighbor)
                    .collect(),
                source: Some(wire_provenance(&block.node.source)),
            })
            .collect(),
        neighbors: neighbors.iter().map(neighbor).collect(),
    }
}

fn wire_visibility(visibility: Visibility) -> pb::Visibility {
    match visibility {
        Visibility::Private => pb::Visibility::Private,
        Visibility::Shared => pb::Visibility::Shared,
    }
}

/// A record's stored provenance on the wire (an empty message when none is recorded).
pub fn wire_provenance(source: &Provenance) -> pb::Provenance {
    pb::Provenance {
        job_id: source.job_id.clone(),
        journal_reference: source.journal_reference.clone(),
        message_ids: source.message_ids.clone(),
        extractor: source.extractor.clone(),
        message_sequences: source.message_sequences.clone(),
    }
}

/// A node's readable properties and its own fields, rendered.
fn node_properties(schema: &Schema, node: &Node) -> StringMap {
    let readable: Vec<String> = schema
        .properties_of(&node.type_id, true)
        .into_iter()
        .filter(|p| p.readable)
        .map(|p| p.prop_name.clone())
        .collect();
    let mut map: StringMap = node
        .properties
        .iter()
        .filter(|(key, _)| readable.contains(key))
        .map(|(key, value)| (key.clone(), value.render()))
        .collect();
    map.insert("id".into(), node.id.to_string());
    map.insert("type_id".into(), node.type_id.clone());
    map.insert("user_id".into(), node.user_id.clone());
    map.insert("visibility".into(), node.visibility.as_str().into());
    if let Some(universe) = node.universe_id {
        map.insert("universe_id".into(), universe.to_string());
    }
    for (key, at) in [
        ("created_at", node.created_at),
        ("updated_at", node.updated_at),
    ] {
        if let Some(at) = at {
            map.insert(key.into(), render_time(&at));
        }
    }
    map
}

/// An edge's properties with its trust fields, rendered.
fn edge_properties(edge: &Edge) -> StringMap {
    let mut map: StringMap = edge
        .properties
        .iter()
        .map(|(key, value)| (key.clone(), value.render()))
        .collect();
    map.insert("confidence".into(), edge.confidence.to_string());
    map.insert("status".into(), edge.status.as_str().into());
    map.insert("provenance_hint".into(), edge.provenance_hint.clone());
    map.insert("user_id".into(), edge.user_id.clone());
    map.insert("visibility".into(), edge.visibility.as_str().into());
    for (key, at) in [
        ("valid_from", edge.valid_from),
        ("valid_to", edge.valid_to),
        ("created_at", edge.created_at),
    ] {
        if let Some(at) = at {
            map.insert(key.into(), render_time(&at));
        }
    }
    if !edge.source.job_id.is_empty() {
        map.insert("source_job_id".into(), edge.source.job_id.clone());
    }
    map
}
