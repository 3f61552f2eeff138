//! The offline extractor: a deterministic reading of a transcript that needs no model, used
//! when no language model is configured. It owns the public types and the two entry points;
//! the work is done by its modules:
//!
//! - `text`: sentences of a message (not split after "Dr." or inside "3.5") and their tokens;
//! - `names`: proper-noun phrases (capitalised runs with connectors such as "of", "van");
//! - `cues` with `lexicon`: the kind and description the words around a name give
//!   ("my sister Anna", "Dr. Berger", "works at Siemens AG", "in Vienna", "Café Central");
//! - `extract`: admitting, merging and typing the names into [`Entity`]s;
//! - `relations` with `order`: one typed [`Relation`] per pair of entities
//!   named together, read in transcript order.
//!
//! Only the user's messages are read: the assistant's words are not facts the person stated.
//! Everything is deterministic: the same transcript always gives the same output.

mod cues;
mod extract;
mod lexicon;
mod names;
mod order;
mod relations;
#[cfg(test)]
mod tests;
mod text;

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

/// Finds the entities named in the user's messages of `turns` (other roles are ignored);
/// `has_type` says whether the schema has a node type.
///
/// An entity is a proper-noun phrase ("Anna", "Café Central", "Bank of America"); a lone word
/// at a sentence's start counts only if the transcript names it elsewhere or a cue supports
/// it ("Anna called me", a well-known city). Pronouns, weekdays, months and greetings are never
/// names. Mentions merge by key (the name lower-cased), and a first name into the one
/// multi-word person name it starts ("Anna" into "Anna Berger", as an alias). The type is the
/// strongest cue's kind (a person before a company before a place), mapped to the most specific
/// node type the schema has (`node.city`, then `node.place`, then `node.entity`). Entities come
/// in order of first mention, each with the sentences naming it.
pub fn entities(turns: &[Turn], has_type: &dyn Fn(&str) -> bool) -> Vec<Entity> {
    extract::entities(turns, has_type)
}

/// Finds relations between `entities` named in one sentence; `allowed` lists the edge types
/// allowed from the first node type to the second.
///
/// Each pair named in a sentence gets the first edge of its preferences that the schema allows:
/// an explicit cue's ("Café Central in Vienna" lies in, "Tom works at Siemens AG" affiliated
/// with, "owns", "has"; confidence 0.8), else the pair's natural edge (person knows person,
/// member of a group, participated in an event, event located at a place; 0.8 with a cue word
/// between the names, else 0.5), else `edge.related_to` (0.5). `edge.knows` and
/// `edge.related_to` are tried backwards when only that direction is allowed; with nothing
/// allowed there is no relation. One relation per pair: a later, more confident one replaces
/// an earlier one.
pub fn relations(
    entities: &[Entity],
    allowed: &dyn Fn(&str, &str) -> Vec<String>,
) -> Vec<Relation> {
    relations::relations(entities, allowed)
}
