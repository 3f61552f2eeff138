//! Block edits of a page: only the page's owner may edit; block ids must be non-empty,
//! distinct and on the page; with a version from `If-Match`, the page must still have it.
//!
//! The write is one `UpsertGraphDelta` of the edited blocks. knowledge-interface merges the
//! properties a delta sends over the stored ones (`delta::properties`), so sending `text`
//! replaces the text and keeps every other property as it is, with its stored type; the
//! rendered strings of the context reply could not be sent back as typed values. The version
//! check and the write are two calls (knowledge-interface has no conditional write), so a
//! concurrent edit in between is not caught: the check narrows the lost-update window to
//! that gap rather than closing it.

use std::collections::{BTreeSet, HashSet};

use exobrain_proto::knowledge as pb;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::KnowledgeExplorer;
use crate::knowledge::error::{Call, KnowledgeError};

/// One requested block edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockEdit {
    /// The block (surrounding white space is ignored).
    pub block_id: String,
    /// Its new text (may be empty).
    pub markdown_content: String,
}

/// The outcome of a patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Patched {
    pub page_id: String,
    /// The trimmed ids, in request order.
    pub updated_block_ids: Vec<String>,
    pub updated_block_count: usize,
    /// Always `updated`.
    #[schema(value_type = String, pattern = "^updated$")]
    pub status: &'static str,
    /// The page's version after the write.
    pub version: String,
}

impl KnowledgeExplorer {
    /// Applies `edits` to page `page_id` of `user`, if it still has `expected_version`.
    pub async fn patch(
        &self,
        user: Uuid,
        page_id: &str,
        edits: Vec<BlockEdit>,
        expected_version: Option<&str>,
    ) -> Result<Patched, KnowledgeError> {
        let edits = checked(edits)?;
        let context = self.context(user, page_id).await?;
        if !context.owned_by(user) {
            return Err(KnowledgeError::PageAccessDenied);
        }
        if expected_version.is_some_and(|expected| expected != context.version()) {
            return Err(KnowledgeError::PageChanged);
        }
        let on_page: HashSet<&str> = context.blocks().iter().map(|b| b.id.as_str()).collect();
        let unknown: Vec<&str> = edits
            .iter()
            .map(|edit| edit.block_id.as_str())
            .filter(|id| !on_page.contains(id))
            .collect();
        if !unknown.is_empty() {
            return Err(KnowledgeError::Invalid(format!(
                "blocks not on page {page_id}: {}",
                unknown.join(", ")
            )));
        }
        let blocks = edits
            .iter()
            .filter_map(|edit| {
                let block = context.blocks().iter().find(|b| b.id == edit.block_id)?;
                Some(pb::BlockNode {
                    id: block.id.clone(),
                    type_id: block.type_id.clone(),
                    properties: vec![pb::PropertyValue {
                        key: "text".to_owned(),
                        value: Some(pb::property_value::Value::StringValue(
                            edit.markdown_content.clone(),
                        )),
                    }],
                    user_id: user.to_string(),
                    visibility: visibility(block) as i32,
                    source: None,
                })
            })
            .collect();
        let request = self.upstreams.knowledge_request(
            user,
            pb::UpsertGraphDeltaRequest {
                blocks,
                ..Default::default()
            },
        );
        self.upstreams
            .knowledge()
            .upsert_graph_delta(request)
            .await
            .map_err(KnowledgeError::upstream(Call::BlockPatch))?;
        let version = self.context(user, page_id).await?.version();
        let updated_block_ids: Vec<String> = edits.into_iter().map(|edit| edit.block_id).collect();
        Ok(Patched {
            page_id: page_id.to_owned(),
            updated_block_count: updated_block_ids.len(),
            updated_block_ids,
            status: "updated",
            version,
        })
    }
}

/// `edits` with trimmed ids, refused when empty, or with an empty or repeated id.
fn checked(edits: Vec<BlockEdit>) -> Result<Vec<BlockEdit>, KnowledgeError> {
    if edits.is_empty() {
        return Err(KnowledgeError::Invalid(
            "content_blocks must name at least one block".to_owned(),
        ));
    }
    let edits: Vec<BlockEdit> = edits
        .into_iter()
        .map(|edit| BlockEdit {
            block_id: edit.block_id.trim().to_owned(),
            markdown_content: edit.markdown_content,
        })
        .collect();
    let empty: Vec<String> = edits
        .iter()
        .enumerate()
        .filter(|(_, edit)| edit.block_id.is_empty())
        .map(|(index, _)| format!("content_blocks[{index}]"))
        .collect();
    if !empty.is_empty() {
        return Err(KnowledgeError::Invalid(format!(
            "block_id must not be empty: {}",
            empty.join(", ")
        )));
    }
    let mut seen = HashSet::new();
    let repeated: BTreeSet<&str> = edits
        .iter()
        .map(|edit| edit.block_id.as_str())
        .filter(|id| !seen.insert(*id))
        .collect();
    if !repeated.is_empty() {
        return Err(KnowledgeError::Invalid(format!(
            "duplicate block ids: {}",
            repeated.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(edits)
}

/// The stored visibility of `block` (private unless it says shared).
fn visibility(block: &pb::EntityContextBlock) -> pb::Visibility {
    match block.properties.get("visibility").map(String::as_str) {
        Some("SHARED") => pb::Visibility::Shared,
        _ => pb::Visibility::Private,
    }
}
