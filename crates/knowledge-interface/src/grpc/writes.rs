//! The writing RPCs: `UpsertGraphDelta`, `GetUserInitGraph`, `ReindexUser`, `ReindexAll`.

use exobrain_proto::knowledge as pb;
use tonic::Request;

use super::error::KnowledgeError;
use super::identity;
use crate::app::Knowledge;

/// Writes a delta for the caller; the reply counts what changed. A delta without records
/// and without a user (the original's pipeline sends one when a conversation yields
/// nothing) changes nothing and reports zeros; one that names its user is served for that
/// user like any other.
pub async fn upsert_delta(
    knowledge: &Knowledge,
    request: Request<pb::UpsertGraphDeltaRequest>,
) -> Result<pb::UpsertGraphDeltaReply, KnowledgeError> {
    let (metadata, _, delta) = request.into_parts();
    let empty = delta.universes.is_empty()
        && delta.entities.is_empty()
        && delta.blocks.is_empty()
        && delta.edges.is_empty();
    if empty && metadata.get(exobrain_common::auth::USER_HEADER).is_none() {
        return Ok(pb::UpsertGraphDeltaReply::default());
    }
    let users: Vec<&str> = delta
        .universes
        .iter()
        .map(|u| u.user_id.as_str())
        .chain(delta.entities.iter().map(|e| e.user_id.as_str()))
        .chain(delta.blocks.iter().map(|b| b.user_id.as_str()))
        .chain(delta.edges.iter().map(|e| e.user_id.as_str()))
        .collect();
    let caller = identity::writer(&metadata, &users)?;
    let applied = knowledge.upsert_delta(&caller, delta).await?;
    let counts = applied.counts;
    Ok(pb::UpsertGraphDeltaReply {
        entities_upserted: counts.entities,
        blocks_upserted: counts.blocks,
        edges_upserted: counts.edges,
        universes_upserted: counts.universes,
        edges_superseded: counts.superseded,
    })
}

/// Creates (once) and returns the caller's person and assistant.
pub async fn user_init(
    knowledge: &Knowledge,
    request: Request<pb::GetUserInitGraphRequest>,
) -> Result<pb::GetUserInitGraphReply, KnowledgeError> {
    let (metadata, _, body) = request.into_parts();
    if body.user_id.trim().is_empty() {
        return Err(KnowledgeError::Invalid("user_id is required".into()));
    }
    let user_name = body.user_name.trim();
    if user_name.is_empty() {
        return Err(KnowledgeError::Invalid("user_name is required".into()));
    }
    let caller = identity::caller(&metadata, Some(&body.user_id))?;
    if caller.user_id() == crate::access::SYSTEM_USER {
        return Err(KnowledgeError::PermissionDenied(
            "`exobrain` is reserved for the service's own data".into(),
        ));
    }
    let marker = knowledge.init_user(&caller, user_name).await?;
    knowledge.rename_person(&caller, &marker, user_name).await?;
    Ok(pb::GetUserInitGraphReply {
        person_entity_id: marker.person_entity_id.to_string(),
        assistant_entity_id: marker.assistant_entity_id.to_string(),
    })
}

/// Queues the caller's blocks for re-embedding.
pub async fn reindex_user(
    knowledge: &Knowledge,
    request: Request<pb::ReindexUserRequest>,
) -> Result<pb::ReindexReply, KnowledgeError> {
    let (metadata, _, body) = request.into_parts();
    let caller = identity::caller(&metadata, Some(&body.user_id))?;
    let queued = knowledge.reindex_user(&caller, body.force).await?;
    Ok(pb::ReindexReply {
        blocks_queued: queued as u32,
        types_queued: 0,
    })
}

/// Rebuilds every vector collection for the configured model.
pub async fn reindex_all(knowledge: &Knowledge) -> Result<pb::ReindexReply, KnowledgeError> {
    let blocks = knowledge.reindex_all().await?;
    let types = knowledge.sync_types().await?;
    Ok(pb::ReindexReply {
        blocks_queued: blocks as u32,
        types_queued: types as u32,
    })
}
