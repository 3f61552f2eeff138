//! One page of the explorer: the entity context knowledge-interface returns, and the page the
//! browser sees (title, summary, the user's own properties, links, blocks in reading order,
//! and a version for optimistic concurrency).

use std::collections::{BTreeMap, HashSet};

use exobrain_proto::knowledge as pb;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::blocks::reading_order;

/// Keys knowledge-interface adds to an entity's properties from the record itself; the page
/// shows only what the user's graph says about the entity.
const SYSTEM_KEYS: [&str; 7] = [
    "id",
    "type_id",
    "user_id",
    "visibility",
    "created_at",
    "updated_at",
    "universe_id",
];

/// The entity context of a page, as read.
#[derive(Debug, Clone)]
pub struct PageContext {
    reply: pb::GetEntityContextReply,
}

/// Created and updated time of a page, RFC 3339, `null` where the graph has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Metadata {
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// Another page the page links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Link {
    pub page_id: String,
    pub title: String,
    pub summary: Option<String>,
}

/// One block of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContentBlock {
    pub block_id: String,
    pub markdown: String,
}

/// A page as the browser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Page {
    pub id: String,
    pub category_id: String,
    pub title: String,
    pub summary: Option<String>,
    pub metadata: Metadata,
    pub properties: BTreeMap<String, String>,
    pub links: Vec<Link>,
    pub content_blocks: Vec<ContentBlock>,
    /// Changes whenever a block's text changes; send it back in `If-Match`.
    pub version: String,
}

impl PageContext {
    /// The context `reply` of a page.
    pub fn new(reply: pb::GetEntityContextReply) -> Self {
        Self { reply }
    }

    /// The reply as read.
    pub fn reply(&self) -> &pb::GetEntityContextReply {
        &self.reply
    }

    fn entity(&self) -> Option<&pb::EntityContextCore> {
        self.reply.entity.as_ref()
    }

    /// Whether `user` owns the page (only the owner may change it).
    pub fn owned_by(&self, user: Uuid) -> bool {
        self.entity()
            .is_some_and(|entity| entity.user_id == user.to_string())
    }

    /// The page's blocks, as read.
    pub fn blocks(&self) -> &[pb::EntityContextBlock] {
        &self.reply.blocks
    }

    /// The version of the page's content.
    ///
    /// knowledge-interface keeps no revision number, so the version is a digest of what a
    /// block patch changes and what it is checked against: each block's id, `updated_at` and
    /// text, by id. The text is included because two writes may share a timestamp; the
    /// timestamp because a write of the same text is still a write someone else made.
    pub fn version(&self) -> String {
        let mut blocks: Vec<&pb::EntityContextBlock> = self.reply.blocks.iter().collect();
        blocks.sort_by(|a, b| a.id.cmp(&b.id));
        let mut digest = Sha256::new();
        for block in blocks {
            for part in [
                block.id.as_str(),
                block.updated_at.as_deref().unwrap_or_default(),
                block.text.as_deref().unwrap_or_default(),
            ] {
                digest.update((part.len() as u64).to_be_bytes());
                digest.update(part.as_bytes());
            }
        }
        hex::encode(&digest.finalize()[..16])
    }

    /// The page the browser sees.
    pub fn page(&self) -> Page {
        let entity = self.entity().cloned().unwrap_or_default();
        let ordered = reading_order(&self.reply.blocks);
        let summary = ordered
            .iter()
            .find(|b| b.parent_block_id.is_none() && b.block_level == 0)
            .and_then(|b| trimmed(b.text.as_deref()));
        Page {
            id: entity.id.clone(),
            category_id: entity.type_id.clone(),
            title: entity.name.clone().unwrap_or_default(),
            summary,
            metadata: Metadata {
                created_at: entity.created_at.clone(),
                updated_at: entity.updated_at.clone(),
            },
            properties: self
                .reply
                .entity_properties
                .iter()
                .filter(|(key, _)| !SYSTEM_KEYS.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            links: self.links(&entity.id),
            content_blocks: ordered
                .iter()
                .filter_map(|b| {
                    trimmed(b.text.as_deref()).map(|markdown| ContentBlock {
                        block_id: b.id.clone(),
                        markdown,
                    })
                })
                .collect(),
            version: self.version(),
        }
    }

    /// Entities linked from the page itself, then from its blocks; first occurrence per id.
    fn links(&self, page_id: &str) -> Vec<Link> {
        let mut seen: HashSet<&str> = HashSet::from([page_id]);
        self.reply
            .neighbors
            .iter()
            .chain(self.reply.blocks.iter().flat_map(|b| &b.neighbors))
            .filter_map(|n| n.other_entity.as_ref())
            .filter(|other| seen.insert(other.id.as_str()))
            .map(|other| Link {
                page_id: other.id.clone(),
                title: other.name.clone().unwrap_or_default(),
                summary: other.description.clone(),
            })
            .collect()
    }
}

fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}
