//! The assistant's tools: what the model is told about them, how each call is shown to the
//! person (title, description, a short outcome), and how it runs. Both tools read the
//! knowledge graph through knowledge-interface as the signed-in user, so a turn only ever sees
//! that user's notes.
//!
//! - `search_knowledge {query, limit?}`: blocks found by words and meaning (`SearchBlocks`)
//!   and entities found by name (`FindEntityCandidates`), run at once.
//! - `get_entity_context {entity_id}`: one entity with its properties, blocks and neighbours
//!   (`GetEntityContext`).
//!
//! The web tools ([`super::web`]) join them when a search API key is configured.

use exobrain_proto::knowledge as pb;
use serde_json::{Value, json};
use uuid::Uuid;

use super::web::WebTools;
use crate::upstream::Upstreams;

/// `search_knowledge`.
pub const SEARCH_KNOWLEDGE: &str = "search_knowledge";
/// `get_entity_context`.
pub const GET_ENTITY_CONTEXT: &str = "get_entity_context";

/// Least cosine similarity of a block found by meaning alone (no word in common) to count as
/// relevant: below it the offline embedding finds every text a little similar.
const MIN_SEMANTIC_SCORE: f64 = 0.35;

/// Most hits a search returns to the model.
const MAX_SEARCH_LIMIT: u64 = 20;

/// The knowledge tool definitions (native format).
pub fn knowledge_definitions() -> Vec<Value> {
    vec![
        json!({
            "type": "function",
            "name": SEARCH_KNOWLEDGE,
            "description": "Search the user's notes (their knowledge graph built from earlier journals) by words and meaning. Returns matching entities and text blocks, each with the journal day it came from.",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": { "type": "string", "minLength": 1, "description": "What to look for: a name, a topic or a question." },
                    "limit": { "type": "integer", "minimum": 1, "maximum": MAX_SEARCH_LIMIT, "description": "Most blocks to return (default 8)." }
                },
                "required": ["query"],
                "additionalProperties": false
            }
        }),
        json!({
            "type": "function",
            "name": GET_ENTITY_CONTEXT,
            "description": "Read everything the user's notes hold about one entity (a person, place, project...): its properties, text blocks and related entities. Use an entity_id from search_knowledge.",
            "parameters": {
                "type": "object",
                "properties": {
                    "entity_id": { "type": "string", "minLength": 1, "description": "The entity's id." }
                },
                "required": ["entity_id"],
                "additionalProperties": false
            }
        }),
    ]
}

/// How a call is shown to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// E.g. `Knowledge search`.
    pub title: String,
    /// E.g. `Searching your notes for “Anna”`.
    pub description: String,
}

/// The labels of a call of `name` with `arguments`.
pub fn labels(name: &str, arguments: &Value) -> Labels {
    if let Some(labels) = super::web::labels(name, arguments) {
        return labels;
    }
    let text = |key: &str| text_argument(arguments, key);
    match name {
        SEARCH_KNOWLEDGE => Labels {
            title: "Knowledge search".into(),
            description: match text("query") {
                Some(query) => format!("Searching your notes for “{query}”"),
                None => "Searching your notes".into(),
            },
        },
        GET_ENTITY_CONTEXT => Labels {
            title: "Entity context".into(),
            description: "Reading what your notes say about one entity".into(),
        },
        other => Labels {
            title: format!("Tool {other}"),
            description: format!("Calling {other}"),
        },
    }
}

/// A finished call: what the model is told and what the person sees.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// JSON text for the model.
    pub result: String,
    /// A few words for the person.
    pub summary: String,
}

/// The tools of one user: the knowledge tools, and the web tools when configured.
#[derive(Debug, Clone)]
pub struct Tools {
    upstreams: Upstreams,
    user: Uuid,
    web: Option<WebTools>,
}

impl Tools {
    /// The tools as `user` uses them.
    pub fn new(upstreams: Upstreams, user: Uuid, web: Option<WebTools>) -> Self {
        Self {
            upstreams,
            user,
            web,
        }
    }

    /// The definitions sent to the model (native format).
    pub fn definitions(&self) -> Vec<Value> {
        let mut definitions = knowledge_definitions();
        if self.web.is_some() {
            definitions.extend(super::web::definitions());
        }
        definitions
    }

    /// Runs `name` with `arguments`; the error text is for both the model and the person.
    pub async fn run(&self, name: &str, arguments: &Value) -> Result<ToolOutput, String> {
        if let Some(web) = self.web.as_ref().filter(|_| WebTools::handles(name)) {
            return web.run(name, arguments).await;
        }
        match name {
            SEARCH_KNOWLEDGE => {
                let query = required_text(arguments, "query")?;
                let limit = bounded(arguments, "limit", 8, 1, MAX_SEARCH_LIMIT)?;
                let found = self.search(query, limit as u32).await?;
                Ok(found.output())
            }
            GET_ENTITY_CONTEXT => {
                let entity = required_text(arguments, "entity_id")?;
                let context = self.entity_context(entity).await?;
                let name = context
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(entity)
                    .to_owned();
                let blocks = context
                    .get("blocks")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                Ok(ToolOutput {
                    result: context.to_string(),
                    summary: format!("Read {} about {name}", count(blocks, "note", "notes")),
                })
            }
            other => Err(format!(
                "there is no tool named `{other}`; the tools are {SEARCH_KNOWLEDGE} and {GET_ENTITY_CONTEXT}"
            )),
        }
    }

    /// Blocks and entities matching `query`.
    pub async fn search(&self, query: &str, limit: u32) -> Result<Found, String> {
        let user = self.user.to_string();
        let mut knowledge = self.upstreams.knowledge();
        let mut candidates = self.upstreams.knowledge();
        let blocks = knowledge.search_blocks(self.upstreams.knowledge_request(
            self.user,
            pb::SearchBlocksRequest {
                user_id: user.clone(),
                query: query.to_owned(),
                limit: Some(limit),
                entity_id: None,
            },
        ));
        let entities = candidates.find_entity_candidates(self.upstreams.knowledge_request(
            self.user,
            pb::FindEntityCandidatesRequest {
                names: vec![query.to_owned()],
                user_id: user,
                limit: Some(5),
                ..Default::default()
            },
        ));
        let (blocks, entities) = tokio::join!(blocks, entities);
        let blocks = blocks
            .map_err(|status| failed("search", &status))?
            .into_inner();
        // Names are an extra; a failed name lookup leaves the blocks.
        let entities = entities
            .map(|reply| reply.into_inner().candidates)
            .unwrap_or_else(|status| {
                tracing::warn!(error = %status.message(), "entity lookup of a knowledge search failed");
                Vec::new()
            });
        Ok(Found {
            entities: entities
                .into_iter()
                .filter(|candidate| candidate.score >= 0.5)
                .collect(),
            blocks: blocks.hits,
        })
    }

    async fn entity_context(&self, entity: &str) -> Result<Value, String> {
        let reply = self
            .upstreams
            .knowledge()
            .get_entity_context(self.upstreams.knowledge_request(
                self.user,
                pb::GetEntityContextRequest {
                    entity_id: entity.to_owned(),
                    user_id: self.user.to_string(),
                    max_block_level: 2,
                    include_history: false,
                },
            ))
            .await
            .map_err(|status| failed("entity lookup", &status))?
            .into_inner();
        let core = reply.entity.unwrap_or_default();
        let properties: serde_json::Map<String, Value> = reply
            .entity_properties
            .into_iter()
            .filter(|(key, _)| !is_internal_property(key))
            .map(|(key, value)| (key, Value::String(value)))
            .collect();
        let blocks: Vec<Value> = reply
            .blocks
            .iter()
            .filter_map(|block| {
                let text = block.text.as_deref().map(str::trim).unwrap_or_default();
                (!text.is_empty())
                    .then(|| json!({ "text": text, "journal": journal_of(block.source.as_ref()) }))
            })
            .collect();
        let related: Vec<Value> = reply
            .neighbors
            .iter()
            .filter_map(|neighbor| {
                let other = neighbor.other_entity.as_ref()?;
                Some(json!({
                    "relation": neighbor.edge_type,
                    "direction": if neighbor.direction == pb::NeighborDirection::Incoming as i32 { "incoming" } else { "outgoing" },
                    "entity_id": other.id,
                    "name": other.name,
                    "type": other.type_id,
                }))
            })
            .collect();
        Ok(json!({
            "entity_id": core.id,
            "name": core.name,
            "type": core.type_id,
            "aliases": core.aliases,
            "properties": properties,
            "blocks": blocks,
            "related": related,
        }))
    }
}

/// What a knowledge search found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Entities whose names match.
    pub entities: Vec<pb::EntityCandidate>,
    /// Blocks matching by words or meaning, best first.
    pub blocks: Vec<pb::BlockHit>,
}

impl Found {
    /// Only the blocks that share a word with the query or are close in meaning.
    pub fn relevant(mut self) -> Self {
        self.blocks
            .retain(|hit| hit.lexical_score > 0.0 || hit.semantic_score >= MIN_SEMANTIC_SCORE);
        self
    }

    /// The tool output: the JSON for the model, the counts for the person.
    pub fn output(&self) -> ToolOutput {
        let summary = match (self.entities.len(), self.blocks.len()) {
            (0, 0) => "Nothing found in your notes".to_owned(),
            (entities, blocks) => format!(
                "Found {} and {}",
                count(entities, "entity", "entities"),
                count(blocks, "note", "notes")
            ),
        };
        ToolOutput {
            result: self.to_json().to_string(),
            summary,
        }
    }

    /// The result the model reads.
    pub fn to_json(&self) -> Value {
        json!({
            "entities": self.entities.iter().map(|entity| json!({
                "entity_id": entity.entity_id,
                "name": entity.entity_name,
                "type": entity.entity_type_id,
                "description": entity.described_by_text,
            })).collect::<Vec<_>>(),
            "blocks": self.blocks.iter().map(|hit| json!({
                "text": hit.text,
                "entity_id": hit.root_entity_id,
                "entity": hit.root_entity_name,
                "journal": journal_of(hit.source.as_ref()),
                "score": (hit.score * 1000.0).round() / 1000.0,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The journal day a record was read from, when recorded.
pub fn journal_of(source: Option<&pb::Provenance>) -> Option<&str> {
    source
        .map(|source| source.journal_reference.as_str())
        .filter(|reference| !reference.is_empty())
}

/// Keys the knowledge store keeps for itself, not facts of the user's.
pub fn is_internal_property(key: &str) -> bool {
    matches!(
        key,
        "id" | "user_id" | "type_id" | "visibility" | "created_at" | "updated_at" | "universe_id"
    )
}

/// The non-blank string argument `key`, trimmed.
pub(super) fn text_argument<'a>(arguments: &'a Value, key: &str) -> Option<&'a str> {
    arguments
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

fn required_text<'a>(arguments: &'a Value, key: &str) -> Result<&'a str, String> {
    text_argument(arguments, key)
        .ok_or_else(|| format!("`{key}` is required and must be a non-empty string"))
}

/// The whole-number argument `key` within `min..=max`, `default` when absent.
pub(super) fn bounded(
    arguments: &Value,
    key: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, String> {
    match arguments.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| format!("`{key}` must be a whole number from {min} to {max}")),
    }
}

/// `text` on one line, runs of whitespace as one space.
pub(super) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn failed(what: &str, status: &tonic::Status) -> String {
    tracing::warn!(code = ?status.code(), error = %status.message(), "knowledge {what} failed");
    match status.code() {
        tonic::Code::InvalidArgument | tonic::Code::NotFound => {
            format!("knowledge {what} failed: {}", status.message())
        }
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded => {
            format!("knowledge {what} is unavailable right now")
        }
        _ => format!("knowledge {what} failed"),
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_labels_that_name_what_it_does() {
        let search = labels(SEARCH_KNOWLEDGE, &json!({ "query": " Anna " }));
        assert_eq!(search.title, "Knowledge search");
        assert_eq!(search.description, "Searching your notes for “Anna”");
        assert_eq!(
            labels(SEARCH_KNOWLEDGE, &json!({})).description,
            "Searching your notes"
        );
        let names: Vec<String> = knowledge_definitions()
            .iter()
            .map(|tool| tool["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(names, [SEARCH_KNOWLEDGE, GET_ENTITY_CONTEXT]);
    }

    #[test]
    fn arguments_are_checked_before_any_call() {
        assert!(required_text(&json!({ "query": "  " }), "query").is_err());
        assert!(required_text(&json!({ "query": 3 }), "query").is_err());
        assert_eq!(required_text(&json!({ "query": "x" }), "query"), Ok("x"));
        assert_eq!(count(1, "note", "notes"), "1 note");
        assert_eq!(count(3, "note", "notes"), "3 notes");
    }
}
