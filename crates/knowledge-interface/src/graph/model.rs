//! The records of the knowledge graph as the service reasons about them: universes, entities
//! and blocks (nodes), typed edges with trust metadata and history, and where their facts came
//! from ([`Provenance`], defined in [`super::provenance`]). Adapters store and load exactly
//! these.

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use super::provenance::{MAX_MESSAGE_SEQUENCES, Provenance};
use super::value::Properties;
use crate::access::Visibility;

/// The three families of nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A world entities belong to (`node.universe`).
    Universe,
    /// Anything with an identity (`node.entity` and descendants).
    Entity,
    /// A piece of text in a tree under an entity or universe (`node.block` and descendants).
    Block,
}

impl NodeKind {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Universe => "universe",
            NodeKind::Entity => "entity",
            NodeKind::Block => "block",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "universe" => Some(NodeKind::Universe),
            "entity" => Some(NodeKind::Entity),
            "block" => Some(NodeKind::Block),
            _ => None,
        }
    }
}

/// The type id of universes.
pub const UNIVERSE_TYPE: &str = "node.universe";
/// The root type of entities.
pub const ENTITY_TYPE: &str = "node.entity";
/// The root type of blocks.
pub const BLOCK_TYPE: &str = "node.block";

/// A node as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Id.
    pub id: Uuid,
    /// Family.
    pub kind: NodeKind,
    /// Schema type (`node.universe` for universes).
    pub type_id: String,
    /// Owner; never changes.
    pub user_id: String,
    /// Who else may see it.
    pub visibility: Visibility,
    /// Name (universes and entities).
    pub name: Option<String>,
    /// Other names (entities and universes).
    pub aliases: Vec<String>,
    /// Text (blocks).
    pub text: Option<String>,
    /// The universe an entity belongs to.
    pub universe_id: Option<Uuid>,
    /// Every other property.
    pub properties: Properties,
    /// Where the last change came from.
    pub source: Provenance,
    /// First written (set by the store).
    pub created_at: Option<DateTime<Utc>>,
    /// Last changed (set by the store).
    pub updated_at: Option<DateTime<Utc>>,
}

impl Node {
    /// Whether `other` holds the same facts (ignoring timestamps and provenance).
    pub fn same_content(&self, other: &Node) -> bool {
        (
            &self.kind,
            &self.type_id,
            &self.user_id,
            &self.visibility,
            &self.name,
            &self.aliases,
            &self.text,
            &self.universe_id,
            &self.properties,
        ) == (
            &other.kind,
            &other.type_id,
            &other.user_id,
            &other.visibility,
            &other.name,
            &other.aliases,
            &other.text,
            &other.universe_id,
            &other.properties,
        )
    }
}

/// How far an edge is believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeStatus {
    /// Stated as true.
    Asserted,
    /// Contested by another statement.
    Disputed,
    /// Known to be false.
    Falsified,
}

impl EdgeStatus {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeStatus::Asserted => "asserted",
            EdgeStatus::Disputed => "disputed",
            EdgeStatus::Falsified => "falsified",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "asserted" => Some(EdgeStatus::Asserted),
            "disputed" => Some(EdgeStatus::Disputed),
            "falsified" => Some(EdgeStatus::Falsified),
            _ => None,
        }
    }
}

/// Edge labels with a structural meaning.
pub mod labels {
    /// An entity belongs to a universe.
    pub const IS_PART_OF: &str = "IS_PART_OF";
    /// An entity or universe is described by its root block.
    pub const DESCRIBED_BY: &str = "DESCRIBED_BY";
    /// A block details part of its parent block.
    pub const SUMMARIZES: &str = "SUMMARIZES";

    /// Whether `label` shapes the graph (universe membership and block trees) rather than
    /// relating two entities; structural edges do not count towards an entity's degree.
    pub fn is_structural(label: &str) -> bool {
        matches!(label, IS_PART_OF | DESCRIBED_BY | SUMMARIZES)
    }

    /// Whether `label` links a block to its parent (entity, universe or block).
    pub fn is_parent(label: &str) -> bool {
        matches!(label, DESCRIBED_BY | SUMMARIZES)
    }
}

/// One edge record (a claim). At most one *current* edge exists per (from, label, to);
/// a contradicting update supersedes it and keeps it as history.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Claim id.
    pub id: Uuid,
    /// Source node.
    pub from_id: Uuid,
    /// Target node.
    pub to_id: Uuid,
    /// Label, upper case (`RELATED_TO`); the schema type is `edge.<lower>`.
    pub label: String,
    /// Owner.
    pub user_id: String,
    /// Who else may see it.
    pub visibility: Visibility,
    /// How sure, 0 to 1.
    pub confidence: f64,
    /// Belief status.
    pub status: EdgeStatus,
    /// Where the fact came from, in a few words.
    pub provenance_hint: String,
    /// From when it holds.
    pub valid_from: Option<DateTime<Utc>>,
    /// Until when it holds.
    pub valid_to: Option<DateTime<Utc>>,
    /// Every other property.
    pub properties: Properties,
    /// Where the write came from.
    pub source: Provenance,
    /// Written.
    pub created_at: Option<DateTime<Utc>>,
    /// When it stopped being current (history only).
    pub superseded_at: Option<DateTime<Utc>>,
}

impl Edge {
    /// Whether `other` states the same fact the same way (ignoring ids, timestamps and
    /// provenance).
    pub fn same_claim(&self, other: &Edge) -> bool {
        (
            self.from_id,
            self.to_id,
            &self.label,
            &self.user_id,
            self.visibility,
            self.status,
            &self.provenance_hint,
            self.valid_from,
            self.valid_to,
            &self.properties,
        ) == (
            other.from_id,
            other.to_id,
            &other.label,
            &other.user_id,
            other.visibility,
            other.status,
            &other.provenance_hint,
            other.valid_from,
            other.valid_to,
            &other.properties,
        ) && (self.confidence - other.confidence).abs() < 1e-9
    }

    /// Whether the fact holds now: current, not falsified, inside its validity window.
    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.superseded_at.is_none()
            && self.status != EdgeStatus::Falsified
            && self.valid_from.is_none_or(|from| from <= now)
            && self.valid_to.is_none_or(|to| to > now)
    }

    /// The schema type id of a label.
    pub fn type_id_of(label: &str) -> String {
        format!("edge.{}", label.to_ascii_lowercase())
    }
}
