//! The pipeline's steps and the records they pass on. Each step's output is a serde type so
//! it can be kept as a checkpoint and read back by a later attempt unchanged.

pub mod candidates;
pub mod merge;
pub mod modeled;
pub mod offline;
pub mod preflight;
pub mod prompts;
pub mod schemas;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Step numbers and names, as progress shows them (`step 8/11 entity graphs`).
pub const STEPS: usize = 11;

/// An entity read from the transcript (step 2, or the offline extractor).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extracted {
    /// Its name as written.
    pub name: String,
    /// Its node type id.
    pub node_type: String,
    /// Other names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A short description.
    #[serde(default)]
    pub short_description: String,
    /// The universe it belongs to, by name, when it is not the real world.
    #[serde(default)]
    pub universe: Option<String>,
}

/// A universe read from the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedUniverse {
    /// Its name.
    pub name: String,
    /// What it is.
    pub description: String,
}

/// What the transcript names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// Entities, in order of appearance.
    pub entities: Vec<Extracted>,
    /// Universes other than the real world.
    #[serde(default)]
    pub universes: Vec<ExtractedUniverse>,
}

/// Which stored entity, if any, an extracted one is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Match {
    /// No stored entity is close.
    New,
    /// Exactly one stored entity is clearly it.
    Matched {
        /// Its id.
        id: Uuid,
    },
    /// Several stored entities may be it.
    Compare {
        /// Their ids, best first.
        ids: Vec<Uuid>,
    },
}

/// An extracted entity with the id it is written under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    /// The id (stored for a match, minted for a new one).
    pub id: Uuid,
    /// Whether it is a stored entity.
    pub matched: bool,
}

/// A typed relation between two resolved entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// Source entity.
    pub from: Uuid,
    /// Target entity.
    pub to: Uuid,
    /// Edge type id, allowed for the pair.
    pub edge_type: String,
    /// In [0, 1].
    pub confidence: f64,
    /// Messages it was read from.
    #[serde(default)]
    pub sequences: Vec<i64>,
}

/// A block to write: a new one (minted id) or a stored one of a matched entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockDraft {
    /// Its id.
    pub id: Uuid,
    /// Its parent (`None` for the entity's root block).
    pub parent: Option<Uuid>,
    /// Its text.
    pub text: String,
    /// Messages its facts come from.
    #[serde(default)]
    pub sequences: Vec<i64>,
}

/// One entity as it will be written (step 8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityGraph {
    /// Its id.
    pub id: Uuid,
    /// Its node type id.
    pub node_type: String,
    /// Properties to write, fitted to the type (step 10's preflight).
    pub properties: Vec<preflight::Property>,
    /// The universe, by name, when it is not the real world.
    #[serde(default)]
    pub universe: Option<String>,
    /// Blocks to write, parents before children.
    pub blocks: Vec<BlockDraft>,
    /// Messages it was read from.
    #[serde(default)]
    pub sequences: Vec<i64>,
}

/// A block that mentions an entity (step 10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// The block.
    pub block: Uuid,
    /// The entity.
    pub entity: Uuid,
    /// In [0, 1].
    pub confidence: f64,
}

/// Progress text of step `number`.
pub fn label(number: usize, name: &str) -> String {
    format!("step {number}/{STEPS} {name}")
}
