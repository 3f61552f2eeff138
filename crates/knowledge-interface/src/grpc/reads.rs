//! The reading RPCs over the graph: `FindEntityCandidates`, `FindNodeTypeCandidates`,
//! `FindEdgeTypeCandidates`, `ListEntitiesByType`, `GetEntityExtractionSchemaContext` and
//! `SearchBlocks` (each hit with its block's provenance). Each checks its input, resolves the
//! caller and maps the answer.

use exobrain_proto::knowledge as pb;
use tonic::Request;
use uuid::Uuid;

use super::context::wire_provenance;
use super::error::KnowledgeError;
use super::{identity, page_token};
use crate::app::{CandidateQuery, Knowledge};
use crate::graph::value::render_time;
use crate::schema::Kind;

/// Candidate entities for a mention.
pub async fn find_candidates(
    knowledge: &Knowledge,
    request: Request<pb::FindEntityCandidatesRequest>,
) -> Result<pb::FindEntityCandidatesReply, KnowledgeError> {
    let (metadata, _, body) = request.into_parts();
    let caller = identity::caller(&metadata, Some(&body.user_id))?;
    let names: Vec<String> = body
        .names
        .iter()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    let description = Some(body.short_description.trim().to_owned()).filter(|d| !d.is_empty());
    let limits = knowledge.limits();
    limits.check_names(names.len())?;
    for (index, name) in names.iter().enumerate() {
        limits.check_text(&format!("names[{index}]"), name)?;
    }
    if let Some(description) = &description {
        limits.check_text("short_description", description)?;
    }
    if names.is_empty() && description.is_none() {
        return Err(KnowledgeError::Invalid(
            "at least one name or short_description is required".into(),
        ));
    }
    let query = CandidateQuery {
        names,
        type_ids: body
            .potential_type_ids
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        description,
        limit: body.limit.map_or(10, |l| l.min(100) as usize),
    };
    let candidates = knowledge.find_candidates(&caller, query).await?;
    Ok(pb::FindEntityCandidatesReply {
        candidates: candidates
            .into_iter()
            .map(|c| pb::EntityCandidate {
                entity_id: c.entity_id.to_string(),
                entity_name: c.name,
                described_by_text: c.described_by_text,
                score: c.score,
                matched_name: c.matched_name,
                matched_alias: c.matched_alias,
                entity_type_id: c.type_id,
            })
            .collect(),
    })
}

/// Types closest to a name and description.
pub async fn find_types(
    knowledge: &Knowledge,
    kind: Kind,
    name: &str,
    description: &str,
    limit: Option<u32>,
) -> Result<Vec<pb::TypeCandidate>, KnowledgeError> {
    let (name, description) = (name.trim(), description.trim());
    if name.is_empty() && description.is_empty() {
        return Err(KnowledgeError::Invalid(
            "at least one of name or description is required".into(),
        ));
    }
    let limit = limit.unwrap_or(10).clamp(1, 50) as usize;
    let hits = knowledge.find_types(kind, name, description, limit).await?;
    Ok(hits
        .into_iter()
        .map(|hit| pb::TypeCandidate {
            type_id: hit.type_id,
            name: hit.name,
            description: hit.description,
            score: hit.score,
        })
        .collect())
}

/// One page of entities of a type.
pub async fn list_entities(
    knowledge: &Knowledge,
    request: Request<pb::ListEntitiesByTypeRequest>,
) -> Result<pb::ListEntitiesByTypeReply, KnowledgeError> {
    let (metadata, _, body) = request.into_parts();
    let caller = identity::caller(&metadata, Some(&body.user_id))?;
    let type_id = body.type_id.trim();
    if type_id.is_empty() {
        return Err(KnowledgeError::Invalid("type_id is required".into()));
    }
    let page_size = body.page_size.unwrap_or(50).clamp(1, 200) as usize;
    let start = page_token::decode(body.page_token.as_deref().unwrap_or_default())?;
    let page = knowledge
        .list_entities(&caller, type_id, page_size, start)
        .await?;
    Ok(pb::ListEntitiesByTypeReply {
        entities: page
            .items
            .into_iter()
            .map(|item| pb::ListEntitiesByTypeItem {
                id: item.node.id.to_string(),
                name: item.node.name.unwrap_or_default(),
                updated_at: item.node.updated_at.as_ref().map(render_time),
                description: item.description,
                score: Some(item.relevance),
            })
            .collect(),
        next_page_token: page.next.as_ref().map(page_token::encode),
        total_count: Some(page.total.min(u64::from(u32::MAX)) as u32),
    })
}

/// Entity types and universes for extraction prompts.
pub async fn extraction_context(
    knowledge: &Knowledge,
    request: Request<pb::GetEntityExtractionSchemaContextRequest>,
) -> Result<pb::GetEntityExtractionSchemaContextReply, KnowledgeError> {
    let (metadata, _, body) = request.into_parts();
    let caller = identity::caller(&metadata, Some(&body.user_id))?;
    let (types, universes) = knowledge
        .extraction_context(&caller, body.include_inactive.unwrap_or(false))
        .await?;
    Ok(pb::GetEntityExtractionSchemaContextReply {
        entity_types: types
            .into_iter()
            .map(|t| pb::ExtractionEntityType {
                type_id: t.schema_type.id,
                name: t.schema_type.name,
                description: t.schema_type.description,
                inheritance_chain: t.chain,
            })
            .collect(),
        universes: universes
            .into_iter()
            .map(|u| pb::ExtractionUniverse {
                id: u.id.to_string(),
                name: u.name,
                described_by_text: u.described_by_text,
            })
            .collect(),
    })
}

/// Blocks matching a free-text query.
pub async fn search_blocks(
    knowledge: &Knowledge,
    request: Request<pb::SearchBlocksRequest>,
) -> Result<pb::SearchBlocksReply, KnowledgeError> {
    let (metadata, _, body) = request.into_parts();
    let caller = identity::caller(&metadata, Some(&body.user_id))?;
    let query = body.query.trim();
    if query.is_empty() {
        return Err(KnowledgeError::Invalid("query is required".into()));
    }
    knowledge.limits().check_text("query", query)?;
    let limit = body.limit.unwrap_or(10).clamp(1, 50) as usize;
    let entity_id =
        match body
            .entity_id
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(text) => Some(Uuid::parse_str(text).map_err(|_| {
                KnowledgeError::Invalid(format!("entity_id: `{text}` is not a UUID"))
            })?),
            None => None,
        };
    let hits = knowledge
        .search_blocks(&caller, query, limit, entity_id)
        .await?;
    Ok(pb::SearchBlocksReply {
        hits: hits
            .into_iter()
            .map(|hit| pb::BlockHit {
                block_id: hit.block.id.to_string(),
                source: Some(wire_provenance(&hit.block.source)),
                text: hit.block.text.unwrap_or_default(),
                score: hit.score,
                root_entity_id: hit
                    .root
                    .as_ref()
                    .map(|r| r.id.to_string())
                    .unwrap_or_default(),
                root_entity_name: hit
                    .root
                    .as_ref()
                    .and_then(|r| r.name.clone())
                    .unwrap_or_default(),
                root_entity_type_id: hit.root.map(|r| r.type_id).unwrap_or_default(),
                block_level: hit.level,
                semantic_score: hit.semantic,
                lexical_score: hit.lexical,
            })
            .collect(),
    })
}
