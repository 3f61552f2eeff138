//! What graph reads return: block trees, neighbours, name and text matches, entity pages,
//! universes and pending vector work.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{Edge, Node, NodeKind};
use crate::access::Visibility;

/// A block in an entity's tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeBlock {
    /// The block.
    pub node: Node,
    /// Depth below the root block (root = 0).
    pub level: u32,
    /// Its parent block (none for the root).
    pub parent_block_id: Option<Uuid>,
}

/// Which way an edge points from the node asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// The other node points at it.
    Incoming,
    /// It points at the other node.
    Outgoing,
}

/// An edge between a node asked about and a visible entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbor {
    /// The node asked about.
    pub node_id: Uuid,
    /// Which way the edge points.
    pub direction: Direction,
    /// The edge.
    pub edge: Edge,
    /// The entity at the other end.
    pub other: Node,
}

/// Where a block sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRoot {
    /// The block.
    pub block_id: Uuid,
    /// The entity or universe whose root block heads its tree.
    pub root_id: Uuid,
    /// Depth below the root block.
    pub level: u32,
}

/// A name search.
#[derive(Debug, Clone, PartialEq)]
pub struct NameQuery {
    /// What was asked for (folded by the store: case and accents ignored).
    pub text: String,
    /// Only entities of these types (already expanded to subtypes); empty = any.
    pub type_ids: Vec<String>,
    /// At most this many matches.
    pub limit: usize,
    /// Fuzzy (trigram) matches are looked for only when fewer exact and whole-word matches
    /// than this were found; a store may ignore it and always look.
    pub fuzzy_below: usize,
}

/// The trigram similarity a fuzzy name match needs: pg_trgm's default 0.3 for names of up to
/// [`SHORT_NAME_CHARS`] characters, 0.45 for longer ones. A typo costs a long name few of its
/// trigrams (one letter in "clean the vacation days" leaves a similarity near 0.8), while
/// the common trigrams it shares with unrelated names made the 0.3 search of long names the
/// slowest part of candidate search (46 ms at 100,000 names; 19 ms at 0.45).
pub fn fuzzy_threshold(folded: &str) -> f64 {
    if folded.chars().count() <= SHORT_NAME_CHARS {
        0.3
    } else {
        0.45
    }
}

/// Names up to this many characters keep the lower fuzzy threshold.
pub const SHORT_NAME_CHARS: usize = 12;

/// Every run of up to six consecutive words of folded text, matched against whole names (so
/// the query "ada lovelace" finds an entity named "ada"); both stores use it.
pub fn word_runs(folded: &str) -> Vec<String> {
    let words: Vec<&str> = folded.split_whitespace().collect();
    let mut runs = Vec::new();
    for start in 0..words.len() {
        for end in start + 1..=words.len().min(start + 6) {
            runs.push(words[start..end].join(" "));
        }
    }
    runs
}

/// How an entity's name or alias matched.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    /// The entity.
    pub entity_id: Uuid,
    /// The name or alias as stored.
    pub matched: String,
    /// Whether it is an alias.
    pub is_alias: bool,
    /// Folded equality with the query.
    pub exact: bool,
    /// The query appears as whole words in it, or it as whole words in the query.
    pub whole_words: bool,
    /// Trigram similarity, 0 to 1.
    pub similarity: f64,
}

/// A block whose text matched words of a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextMatch {
    /// The block.
    pub block_id: Uuid,
    /// Relevance, 0 to 1.
    pub score: f64,
}

/// A keyset position in an entity listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// Relevance of the last item.
    pub relevance: f64,
    /// Its last change.
    pub updated_at: DateTime<Utc>,
    /// Its id.
    pub id: Uuid,
}

/// Where a listing continues.
#[derive(Debug, Clone, PartialEq)]
pub enum PageStart {
    /// From the top.
    First,
    /// After this item (keyset).
    After(Cursor),
    /// After this many items (the original's decimal tokens).
    Offset(u64),
}

/// A listing request.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRequest {
    /// Entity types (already expanded to subtypes).
    pub type_ids: Vec<String>,
    /// Items per page.
    pub page_size: usize,
    /// Where to start.
    pub start: PageStart,
}

/// A listed entity.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedEntity {
    /// The entity.
    pub node: Node,
    /// `0.30·log10(1+blocks) + 0.15·own + 0.10·log10(1+neighbours)`.
    pub relevance: f64,
    /// Text of its root block.
    pub description: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityPage {
    /// The items.
    pub items: Vec<ListedEntity>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
    /// How many entities match in all.
    pub total: u64,
}

/// A universe as extraction sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct UniverseSummary {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Text of its root block.
    pub described_by_text: Option<String>,
}

/// A block whose vector must be (re)computed.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingVector {
    /// The block.
    pub block_id: Uuid,
    /// Its owner.
    pub user_id: String,
    /// Its visibility.
    pub visibility: Visibility,
    /// Its text (None when the block no longer exists: delete its vector).
    pub text: Option<String>,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Version of the queued work (0 when read by a scan, not from the queue).
    pub version: i64,
}

/// Vector work that failed on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The block.
    pub block_id: Uuid,
    /// The version of the work that was read.
    pub version: i64,
    /// Why it failed.
    pub error: String,
}

/// Every node id at either end of `edges`, sorted and without repeats.
pub fn endpoints(edges: &[Edge]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = edges.iter().flat_map(|e| [e.from_id, e.to_id]).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Each edge as seen from whichever of its ends is in `wanted`, kept when the other end is
/// one of `visible` that is an entity.
pub fn pair_neighbors(edges: Vec<Edge>, wanted: &[Uuid], visible: Vec<Node>) -> Vec<Neighbor> {
    let entities: HashMap<Uuid, Node> = visible
        .into_iter()
        .filter(|n| n.kind == NodeKind::Entity)
        .map(|n| (n.id, n))
        .collect();
    let mut neighbors = Vec::new();
    for edge in edges {
        for (node_id, other_id, direction) in [
            (edge.from_id, edge.to_id, Direction::Outgoing),
            (edge.to_id, edge.from_id, Direction::Incoming),
        ] {
            if !wanted.contains(&node_id) {
                continue;
            }
            if let Some(other) = entities.get(&other_id) {
                neighbors.push(Neighbor {
                    node_id,
                    direction,
                    edge: edge.clone(),
                    other: other.clone(),
                });
            }
        }
    }
    neighbors
}
