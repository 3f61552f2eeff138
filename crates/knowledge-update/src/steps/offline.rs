//! The offline strategy: the deterministic extractor reads the transcript in place of a model
//! (steps 2, 5, 6-8 and 10), and the steps that ask the graph (3, the type contexts, the
//! stored root blocks) run as in the model strategy. An entity's blocks are a root that
//! says what it is and one block per sentence that names it, as the person said it, with
//! when; a sentence naming another entity mentions it.

use std::collections::{BTreeMap, HashMap, HashSet};

use exobrain_proto::knowledge as pb;
use uuid::Uuid;

use super::candidates::{self, Candidates};
use super::merge::Parts;
use super::preflight::TypeProperties;
use super::{BlockDraft, EntityGraph, Extracted, Match, Mention, Relation, label};
use crate::error::UpdateError;
use crate::heuristic::{self, Sentence};
use crate::ids::{Minter, normalise};
use crate::knowledge::Knowledge;
use crate::memo::Memo;
use crate::ports::Progress;
use crate::transcript::Message;

/// What the offline steps work with.
pub struct Context<'a> {
    /// The graph, as the job's user.
    pub knowledge: &'a Knowledge,
    /// Checkpoints.
    pub memo: &'a Memo<'a>,
    /// Where progress goes.
    pub progress: &'a dyn Progress,
    /// Mints the job's ids.
    pub minter: Minter,
    /// The journal read.
    pub journal: &'a str,
    /// Calls in flight at most.
    pub bound: usize,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("journal", &self.journal)
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

/// One entity through the steps.
struct Found {
    entity: heuristic::Entity,
    id: Uuid,
    stored: Option<candidates::Candidate>,
}

/// The parts of the delta, read without a model.
pub async fn parts(
    cx: &Context<'_>,
    messages: &[Message],
    schema: &pb::GetEntityExtractionSchemaContextReply,
) -> Result<Parts, UpdateError> {
    cx.progress.report(label(2, "entity extraction (offline)"));
    let turns: Vec<heuristic::Turn> = messages
        .iter()
        .map(|m| heuristic::Turn {
            sequence: m.sequence,
            role: m.role.clone(),
            content: m.content.clone(),
        })
        .collect();
    let chains: HashMap<String, Vec<String>> = schema
        .entity_types
        .iter()
        .map(|t| (t.type_id.clone(), t.inheritance_chain.clone()))
        .collect();
    let entities = heuristic::entities(&turns, &|type_id| chains.contains_key(type_id));
    let extracted: Vec<Extracted> = entities
        .iter()
        .map(|e| Extracted {
            name: e.name.clone(),
            node_type: e.node_type.clone(),
            aliases: e.aliases.clone(),
            short_description: e.description.clone(),
            universe: None,
        })
        .collect();

    cx.progress.report(label(
        3,
        &format!("candidate matching 0/{}", extracted.len()),
    ));
    let matches: Vec<Candidates> = cx
        .memo
        .remember("candidates", || {
            candidates::find(cx.knowledge, &extracted, false, cx.bound)
        })
        .await?;
    cx.progress.report(label(5, "entity resolution (offline)"));
    let found = resolve(cx.minter, entities, matches);

    cx.progress
        .report(label(7, "relationship typing (offline)"));
    let relations = relations(cx.knowledge, &found, &chains, cx.bound).await?;

    let total = found.len();
    cx.progress
        .report(label(8, &format!("entity graphs 0/{total}")));
    let graphs: Vec<EntityGraph> = cx
        .memo
        .remember("graphs", || graphs(cx, &found, messages, schema))
        .await?;

    cx.progress.report(label(10, "mentions (offline)"));
    let mentions = mentions(&found, &graphs);
    Ok(Parts {
        entities: graphs,
        relations,
        mentions,
        new_universes: BTreeMap::new(),
        universes: BTreeMap::new(),
    })
}

/// Step 5 by rule: a clear match is taken; among candidates to compare, the one whose name
/// is the entity's name or one of its aliases (when exactly one is); else a new entity. Two
/// entities that resolve to one stored entity become one.
fn resolve(
    minter: Minter,
    entities: Vec<heuristic::Entity>,
    matches: Vec<Candidates>,
) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    for (entity, matched) in entities.into_iter().zip(matches) {
        let names: HashSet<String> = std::iter::once(&entity.name)
            .chain(&entity.aliases)
            .map(|n| normalise(n))
            .collect();
        let stored = match &matched.verdict {
            Match::New => None,
            Match::Matched { id } => matched.candidates.iter().find(|c| c.id == *id).cloned(),
            Match::Compare { .. } => {
                let same: Vec<_> = matched
                    .candidates
                    .iter()
                    .filter(|c| names.contains(&normalise(&c.name)))
                    .collect();
                match same.as_slice() {
                    [only] => Some((*only).clone()),
                    _ => None,
                }
            }
        };
        let id = stored
            .as_ref()
            .map_or_else(|| minter.entity(&entity.key), |c| c.id);
        if let Some(twin) = found.iter_mut().find(|f| f.id == id) {
            for sentence in entity.sentences {
                if !twin.entity.sentences.contains(&sentence) {
                    twin.entity.sentences.push(sentence);
                }
            }
            continue;
        }
        found.push(Found { entity, id, stored });
    }
    found
}

/// The type an entity is written with: a stored entity keeps its own.
fn type_of(found: &Found) -> &str {
    found
        .stored
        .as_ref()
        .map_or(found.entity.node_type.as_str(), |c| c.type_id.as_str())
}

/// Step 7 by rule, with the edge types the schema allows for each pair of types.
async fn relations(
    knowledge: &Knowledge,
    found: &[Found],
    chains: &HashMap<String, Vec<String>>,
    bound: usize,
) -> Result<Vec<Relation>, UpdateError> {
    let entities: Vec<heuristic::Entity> = found
        .iter()
        .map(|f| heuristic::Entity {
            node_type: type_of(f).to_owned(),
            ..f.entity.clone()
        })
        .collect();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (i, a) in entities.iter().enumerate() {
        for b in &entities[i + 1..] {
            let pair = ordered(&a.node_type, &b.node_type);
            let together = a.sentences.iter().any(|s| b.sentences.contains(s));
            if together && !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
    }
    let replies: Vec<((String, String), Vec<pb::ExtractionEdgeType>)> = crate::concurrent::try_all(
        (pairs.into_iter().map(|(a, b)| async move {
            let types = knowledge
                .edge_types(&a, &b)
                .await
                .map_err(UpdateError::knowledge("step 7 relationship typing"))?;
            Ok::<_, UpdateError>(((a, b), types))
        }))
        .collect(),
        bound.max(1),
    )
    .await?;
    let rules: HashMap<(String, String), Vec<pb::ExtractionEdgeType>> =
        replies.into_iter().collect();
    let is_a = |type_id: &str, ancestor: &str| {
        type_id == ancestor
            || chains
                .get(type_id)
                .is_some_and(|chain| chain.iter().any(|t| t == ancestor))
    };
    let allowed = |from: &str, to: &str| -> Vec<String> {
        rules
            .get(&ordered(from, to))
            .into_iter()
            .flatten()
            .filter(|e| is_a(from, &e.source_entity_type_id) && is_a(to, &e.target_entity_type_id))
            .map(|e| e.edge_type_id.clone())
            .collect()
    };
    let labels: HashMap<&str, &str> = rules
        .values()
        .flatten()
        .map(|e| (e.edge_type_id.as_str(), e.edge_name.as_str()))
        .collect();
    Ok(heuristic::relations(&entities, &allowed)
        .into_iter()
        .filter_map(|r| {
            let label = labels.get(r.edge_type.as_str())?;
            Some(Relation {
                from: found.get(r.from)?.id,
                to: found.get(r.to)?.id,
                edge_type: (*label).to_owned(),
                confidence: r.confidence,
                sequences: vec![r.evidence.sequence],
            })
        })
        .collect())
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// Step 8 by rule: each entity's properties (fitted to its type) and blocks.
async fn graphs(
    cx: &Context<'_>,
    found: &[Found],
    messages: &[Message],
    schema: &pb::GetEntityExtractionSchemaContextReply,
) -> Result<Vec<EntityGraph>, UpdateError> {
    let step = "step 8 entity graphs";
    let dates: HashMap<i64, String> = messages
        .iter()
        .map(|m| {
            let date = m
                .created_at
                .as_deref()
                .and_then(|at| at.get(..10))
                .unwrap_or(cx.journal);
            (m.sequence, date.to_owned())
        })
        .collect();
    let contexts =
        TypeProperties::fetch(cx.knowledge, found.iter().map(type_of), cx.bound, step).await?;
    let type_names: HashMap<&str, &str> = schema
        .entity_types
        .iter()
        .map(|t| (t.type_id.as_str(), t.name.as_str()))
        .collect();
    let total = found.len();
    crate::concurrent::try_all((found.iter().enumerate().map(|(index, f)| {
        let (contexts, dates, type_names) = (&contexts, &dates, &type_names);
        async move {
            let node_type = type_of(f).to_owned();
            let root = match &f.stored {
                Some(_) => stored_root(cx.knowledge, f.id).await?,
                None => None,
            };
            let mut blocks = Vec::new();
            let root_id = match root {
                Some(root) => root,
                None => {
                    let id = cx.minter.block(f.id, "root");
                    blocks.push(BlockDraft {
                        id,
                        parent: None,
                        text: root_text(f, type_names.get(node_type.as_str()).copied(), cx.journal),
                        sequences: f.entity.sentences.iter().map(|s| s.sequence).collect(),
                    });
                    id
                }
            };
            for sentence in &f.entity.sentences {
                blocks.push(BlockDraft {
                    id: fact_id(f.id, cx.journal, sentence),
                    parent: Some(root_id),
                    text: fact_text(sentence, dates.get(&sentence.sequence).map_or(cx.journal, String::as_str)),
                    sequences: vec![sentence.sequence],
                });
            }
            let mut raw = serde_json::Map::new();
            let name = f.stored.as_ref().map_or(&f.entity.name, |c| &c.name);
            raw.insert("name".into(), name.clone().into());
            if f.stored.is_none() && !f.entity.aliases.is_empty() {
                raw.insert("aliases".into(), f.entity.aliases.clone().into());
            }
            let properties = contexts
                .get(&node_type)
                .map(|c| c.fit(&raw))
                .unwrap_or_else(|| Ok(Vec::new()))
                .map_err(|missing| {
                    UpdateError::Refused(format!(
                        "{step}: type {node_type} requires {} which the offline extractor cannot fill",
                        missing.join(", ")
                    ))
                })?;
            cx.progress.report(label(8, &format!("entity graphs {}/{total}", index + 1)));
            Ok::<_, UpdateError>(EntityGraph {
                id: f.id,
                node_type,
                properties,
                universe: None,
                blocks,
                sequences: f.entity.sentences.iter().map(|s| s.sequence).collect(),
            })
        }
    })).collect(), cx.bound.max(1)).await
}

/// The root block of stored entity `id`, if it has one.
async fn stored_root(knowledge: &Knowledge, id: Uuid) -> Result<Option<Uuid>, UpdateError> {
    let context = knowledge
        .entity_context(&id.to_string(), 1)
        .await
        .map_err(UpdateError::knowledge("step 8 entity graphs"))?;
    Ok(context
        .blocks
        .iter()
        .filter(|b| b.parent_block_id.as_deref().is_none_or(str::is_empty))
        .filter_map(|b| Uuid::parse_str(&b.id).ok())
        .min())
}

fn root_text(found: &Found, type_name: Option<&str>, journal: &str) -> String {
    let description = found.entity.description.trim();
    if description.is_empty() {
        let kind = type_name.unwrap_or("entity").to_lowercase();
        format!(
            "{} ({kind}), first mentioned in the journal of {journal}.",
            found.entity.name
        )
    } else {
        format!("{}: {description}.", found.entity.name)
    }
}

fn fact_text(sentence: &Sentence, date: &str) -> String {
    format!("On {date} the user said: \"{}\"", sentence.text)
}

/// A fact block's id: the same for the same sentence of the same journal under the same
/// entity, whichever job writes it, so an overlapping later update adds no twin.
fn fact_id(entity: Uuid, journal: &str, sentence: &Sentence) -> Uuid {
    Uuid::new_v5(
        &entity,
        format!("fact:{journal}:{}:{}", sentence.sequence, sentence.text).as_bytes(),
    )
}

/// Step 10 by rule: a fact block mentions every other entity named in its sentence.
fn mentions(found: &[Found], graphs: &[EntityGraph]) -> Vec<Mention> {
    let mut mentions = Vec::new();
    for (f, graph) in found.iter().zip(graphs) {
        for (sentence, block) in f
            .entity
            .sentences
            .iter()
            .zip(graph.blocks.iter().filter(|b| b.parent.is_some()))
        {
            for other in found.iter().filter(|o| o.id != f.id) {
                if other.entity.sentences.contains(sentence) {
                    mentions.push(Mention {
                        block: block.id,
                        entity: other.id,
                        confidence: 0.8,
                    });
                }
            }
        }
    }
    mentions
}
