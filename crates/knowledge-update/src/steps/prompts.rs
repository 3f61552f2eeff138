//! The instructions each model step is given. Each names its input, the one JSON document it
//! must answer with, and the rules the pipeline checks afterwards (a reply that breaks them is
//! sent back once with the errors).

/// Step 2.
pub const EXTRACTION: &str = "You read a person's chat journal with their assistant and list \
the named things the person talks about: people, places, organisations, events, objects, works, \
ideas. For each give its name as written, other names used for it, a one-sentence description \
from what the conversation says, and the most specific node type from the schema below that fits \
(node.entity when none fits better). Only list what the person said or confirmed; the assistant's \
suggestions are not facts. Leave out the person themself and the assistant. Something that exists \
only in a fiction (a novel, a game, a dream) belongs to a universe: name it in universe_name and \
list new universes with a description; real things have universe_name null. Answer with the JSON \
document only.\n\nSchema (entity types and the person's universes):\n";

/// Step 4.
pub const FOCUS: &str = "You are given one entity and a conversation transcript. Write a short \
markdown document with only what the transcript says about this entity: facts, dates, who said \
what, relations to other things. Use # and ## headings only, paragraphs or lists of 30 to 80 \
words, and no speculation. Answer with the JSON document only.";

/// Step 5.
pub const RESOLUTION: &str = "An entity was found in a conversation, and the knowledge graph \
already holds entities that may be the same one. Compare the extracted entity's notes with each \
candidate's stored context. Answer decision \"match\" with the candidate's entity_id when one of \
them is clearly the same real thing, or decision \"new_entity\" with entity_id null when none \
is. Answer with the JSON document only.";

/// Step 6.
pub const PAIRS: &str = "You are given the entities found in a conversation (with their ids) \
and the transcript. List the pairs of entities that the transcript relates to each other \
directly (met, works at, lies in, owns, took part in, ...). Use only the given ids, each pair \
once, never an entity with itself. Answer with the JSON document only.";

/// Step 7.
pub const TYPING: &str = "You are given two related entities with their notes, and the edge \
types the schema allows between their types (with the direction each allows). Choose the one \
edge type that states their relation, its direction (from_entity_id to to_entity_id, as the edge \
type allows), and how confident the transcript makes you, from 0 to 1. When no allowed edge type \
fits, answer edge_type \"NONE\". Answer with the JSON document only.";

/// Step 8 for a new entity.
pub const GRAPH_NEW: &str = "Build the knowledge graph record of one entity from its notes: its \
properties (only the writable properties listed; values as text, JSON text for lists) and a tree \
of text blocks. The root block says what the entity is; child blocks hold the facts as the \
person stated them, with who, what and when, one fact or closely related facts per block. Give \
new blocks ids NEW_BLOCK_1, NEW_BLOCK_2, ...; a child names its parent's id; exactly one block \
(the root) has parent_block_id null. List for each block the TURN numbers of the transcript its \
facts come from. Answer with the JSON document only.";

/// Step 8 for a stored entity.
pub const GRAPH_MATCHED: &str = "Update the knowledge graph record of an entity the graph \
already holds, from new notes. Make minimal changes: keep existing block ids exactly, add new \
facts as new child blocks (ids NEW_BLOCK_1, NEW_BLOCK_2, ...) under the fitting existing block, \
and edit an existing block's text only when the notes correct it. Only list blocks you add or \
change, plus their ancestors up to the existing root, which keeps its id and its parent \
null. Properties: only the writable properties listed, values as text. List for each block the \
TURN numbers its facts come from. Answer with the JSON document only.";

/// Step 10.
pub const MENTIONS: &str = "You are given text blocks and entities (with ids). List every block \
that mentions an entity it does not describe, with your confidence from 0 to 1. Use only the \
given ids. Answer with the JSON document only.";
