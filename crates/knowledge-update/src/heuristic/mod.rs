//! The offline extractor: a deterministic reading of a transcript that needs no model.
//! Interface only; the extractor itself lands with its tests.

/// One message of the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The message's sequence in its journal.
    pub sequence: i64,
    /// `user`, `assistant`, `system` or `tool`.
    pub role: String,
    /// Its text.
    pub content: String,
}

/// A sentence an entity is named in, as the person said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence, trimmed.
    pub text: String,
    /// The message it comes from.
    pub sequence: i64,
}

/// An entity found in the transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Stable key (the normalised name): the same entity in the same text always has it.
    pub key: String,
    /// The name as written.
    pub name: String,
    /// The most specific node type the cues allow that the schema has, else `node.entity`.
    pub node_type: String,
    /// Other names it goes by in the text.
    pub aliases: Vec<String>,
    /// A short description from the cues (e.g. "the user's sister"), may be empty.
    pub description: String,
    /// The sentences that name it, in transcript order.
    pub sentences: Vec<Sentence>,
}

/// A relation between two entities named in the same sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// Index of the source entity.
    pub from: usize,
    /// Index of the target entity.
    pub to: usize,
    /// An edge type allowed for the pair's types.
    pub edge_type: String,
    /// How sure the cue is, in [0, 1].
    pub confidence: f64,
    /// The sentence it was read from.
    pub evidence: Sentence,
}

/// Finds the entities of `turns`; `has_type` says whether the schema has a node type.
pub fn entities(_turns: &[Turn], _has_type: &dyn Fn(&str) -> bool) -> Vec<Entity> {
    Vec::new()
}

/// Finds relations between `entities` named in one sentence; `allowed` lists the edge types
/// allowed from the first node type to the second.
pub fn relations(
    _entities: &[Entity],
    _allowed: &dyn Fn(&str, &str) -> Vec<String>,
) -> Vec<Relation> {
    Vec::new()
}
