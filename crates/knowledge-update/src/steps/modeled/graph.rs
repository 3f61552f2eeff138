//! Step 8, per entity at once: the entity's properties and block tree. A stored entity is
//! shown its stored blocks and keeps their ids; anything else the model names is a
//! placeholder that becomes an id minted from the entity and the placeholder. The entity id
//! is the resolved one, whatever the model says. A reply must form one tree under one root
//! (a stored entity's root stays its root), and its blocks' message sequences are kept only
//! when they are the job's.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Context, Subject};
use crate::error::UpdateError;
use crate::model::Ask;
use crate::steps::preflight::TypeProperties;
use crate::steps::{BlockDraft, EntityGraph, label, prompts, schemas};

const STEP: &str = "step 8 entity graphs";

/// A stored entity's name and blocks (id, parent, text).
#[derive(Debug, Default)]
struct Stored {
    name: Option<String>,
    blocks: Vec<(Uuid, Option<Uuid>, String)>,
}

impl Stored {
    fn root(&self) -> Option<Uuid> {
        self.blocks.iter().find(|b| b.1.is_none()).map(|b| b.0)
    }
}

/// Runs step 8 for every entity.
pub async fn run(cx: &Context<'_>, subjects: &[Subject]) -> Result<Vec<EntityGraph>, UpdateError> {
    let contexts = TypeProperties::fetch(
        cx.knowledge,
        subjects.iter().map(|s| s.node_type.as_str()),
        cx.bound,
        STEP,
    )
    .await?;
    let total = subjects.len();
    cx.progress
        .report(label(8, &format!("entity graphs 0/{total}")));
    let done = std::sync::atomic::AtomicUsize::new(0);
    crate::concurrent::try_all(
        (subjects.iter().map(|subject| {
            let (contexts, done) = (&contexts, &done);
            async move {
                let key = format!("graph/{}", subject.id);
                let graph = cx
                    .memo
                    .remember(&key, || entity(cx, subject, contexts))
                    .await?;
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                cx.progress
                    .report(label(8, &format!("entity graphs {finished}/{total}")));
                Ok::<_, UpdateError>(graph)
            }
        }))
        .collect(),
        cx.bound.max(1),
    )
    .await
}

async fn entity(
    cx: &Context<'_>,
    subject: &Subject,
    contexts: &HashMap<String, TypeProperties>,
) -> Result<EntityGraph, UpdateError> {
    let properties = contexts
        .get(&subject.node_type)
        .cloned()
        .unwrap_or_default();
    let stored = if subject.matched {
        stored(cx, subject.id).await?
    } else {
        Stored::default()
    };
    let writable = properties.writable_names();
    let existing: Vec<Value> = stored
        .blocks
        .iter()
        .map(
            |(id, parent, text)| json!({ "block_id": id, "parent_block_id": parent, "text": text }),
        )
        .collect();
    let input = json!({
        "entity_id": subject.id,
        "resolution_status": if subject.matched { "matched" } else { "new_entity" },
        "extracted_entity": subject.extracted,
        "focused_markdown": subject.notes,
        "writable_properties": writable,
        "existing_entity_context": if subject.matched { json!({ "name": stored.name, "blocks": existing }) } else { Value::Null },
        "markdown_batch_document": cx.document,
    });
    let (alias, system) = if subject.matched {
        (&cx.aliases.graph_matched, prompts::GRAPH_MATCHED)
    } else {
        (&cx.aliases.graph_new, prompts::GRAPH_NEW)
    };
    let reply = cx
        .ask(
            Ask {
                step: STEP,
                alias,
                schema_name: "entity_graph",
                schema: &schemas::graph(&writable),
                system,
                user: input.to_string(),
            },
            |reply| tree_problems(reply, &stored),
        )
        .await?;
    let blocks = blocks(cx, subject.id, &reply, &stored);
    let mut raw = Map::new();
    for property in reply["properties"].as_array().into_iter().flatten() {
        let (Some(key), Some(value)) = (property["key"].as_str(), property["value"].as_str())
        else {
            continue;
        };
        let value = serde_json::from_str::<Value>(value)
            .ok()
            .filter(|v| !v.is_string() && !v.is_null())
            .unwrap_or_else(|| Value::String(value.to_owned()));
        raw.insert(key.to_owned(), value);
    }
    let name = stored
        .name
        .clone()
        .filter(|_| subject.matched)
        .unwrap_or_else(|| subject.extracted.name.clone());
    raw.entry("name").or_insert(Value::String(name));
    if !subject.matched && !subject.extracted.aliases.is_empty() {
        raw.entry("aliases")
            .or_insert(json!(subject.extracted.aliases));
    }
    let properties = properties.fit(&raw).map_err(|missing| {
        UpdateError::Refused(format!(
            "{STEP}: entity of type {} lacks required {}",
            subject.node_type,
            missing.join(", ")
        ))
    })?;
    let sequences = blocks
        .iter()
        .flat_map(|b| b.sequences.iter().copied())
        .collect::<HashSet<_>>();
    let mut sequences: Vec<i64> = sequences.into_iter().collect();
    sequences.sort_unstable();
    Ok(EntityGraph {
        id: subject.id,
        node_type: subject.node_type.clone(),
        properties,
        universe: if subject.matched {
            None
        } else {
            subject.extracted.universe.clone()
        },
        blocks,
        sequences,
    })
}

async fn stored(cx: &Context<'_>, id: Uuid) -> Result<Stored, UpdateError> {
    let context = cx
        .knowledge
        .entity_context(&id.to_string(), 2)
        .await
        .map_err(UpdateError::knowledge(STEP))?;
    Ok(Stored {
        name: context.entity.and_then(|e| e.name),
        blocks: context
            .blocks
            .iter()
            .filter_map(|b| {
                let id = Uuid::parse_str(&b.id).ok()?;
                let parent = b
                    .parent_block_id
                    .as_deref()
                    .and_then(|p| Uuid::parse_str(p).ok());
                Some((id, parent, b.text.clone().unwrap_or_default()))
            })
            .collect(),
    })
}

/// What makes a reply's blocks not one tree.
fn tree_problems(reply: &Value, stored: &Stored) -> Vec<String> {
    let mut problems = Vec::new();
    let blocks: Vec<(String, Option<String>)> = reply["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            let id = b["block_id"].as_str().unwrap_or_default().trim().to_owned();
            let parent = b["parent_block_id"]
                .as_str()
                .map(str::trim)
                .filter(|p| !p.is_empty() && !is_sentinel(p))
                .map(str::to_owned);
            (id, parent)
        })
        .collect();
    let ids: HashSet<&str> = blocks.iter().map(|(id, _)| id.as_str()).collect();
    if ids.len() != blocks.len() {
        problems.push("block_id values must be unique".to_owned());
    }
    let stored_ids: HashSet<String> = stored.blocks.iter().map(|b| b.0.to_string()).collect();
    for (id, _) in &blocks {
        if Uuid::parse_str(id).is_ok() && !stored_ids.contains(id) {
            problems.push(format!(
                "block_id `{id}` is not an existing block; new blocks use NEW_BLOCK_n"
            ));
        }
    }
    let roots: Vec<&str> = blocks
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(id, _)| id.as_str())
        .collect();
    match (stored.root(), roots.as_slice()) {
        (Some(root), [only]) if *only != root.to_string() => {
            problems.push(format!("the root must stay the existing root block {root}"));
        }
        (Some(_), []) => {}
        (None, []) => {
            problems.push("exactly one block needs parent_block_id null (the root)".to_owned())
        }
        (_, [_]) => {}
        (_, many) => problems.push(format!(
            "exactly one block may be the root, not {}",
            many.len()
        )),
    }
    for (id, parent) in &blocks {
        if let Some(parent) = parent
            && !ids.contains(parent.as_str())
            && !stored_ids.contains(parent)
        {
            problems.push(format!(
                "block `{id}` names parent `{parent}`, which is neither in the reply nor stored"
            ));
        }
    }
    let parents: HashMap<&str, &str> = blocks
        .iter()
        .filter_map(|(id, p)| Some((id.as_str(), p.as_deref()?)))
        .collect();
    for (id, _) in &blocks {
        let mut at = id.as_str();
        for _ in 0..=blocks.len() {
            match parents.get(at) {
                Some(next) => at = next,
                None => break,
            }
            if at == id {
                problems.push(format!("block `{id}` is its own ancestor"));
                break;
            }
        }
    }
    problems
}

fn is_sentinel(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "none" | "(none)" | "null" | "nil"
    )
}

/// The reply's blocks with ids minted or kept, parents before children.
fn blocks(cx: &Context<'_>, entity: Uuid, reply: &Value, stored: &Stored) -> Vec<BlockDraft> {
    let stored_ids: HashSet<Uuid> = stored.blocks.iter().map(|b| b.0).collect();
    let id_of = |raw: &str| match Uuid::parse_str(raw) {
        Ok(id) if stored_ids.contains(&id) => id,
        _ => cx.minter.block(entity, raw),
    };
    let mut pending: Vec<BlockDraft> = reply["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            let raw = b["block_id"].as_str().unwrap_or_default().trim();
            let parent = b["parent_block_id"]
                .as_str()
                .map(str::trim)
                .filter(|p| !p.is_empty() && !is_sentinel(p));
            let mut sequences: Vec<i64> = b["sequences"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .filter(|s| cx.sequences.contains(s))
                .collect();
            sequences.sort_unstable();
            sequences.dedup();
            let parent = parent
                .map(id_of)
                .or_else(|| stored.root().filter(|root| *root != id_of(raw)));
            BlockDraft {
                id: id_of(raw),
                parent,
                text: b["text"].as_str().unwrap_or_default().to_owned(),
                sequences,
            }
        })
        .collect();
    let mut ordered: Vec<BlockDraft> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let placed: HashSet<Uuid> = ordered.iter().map(|b| b.id).collect();
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|b| {
            b.parent
                .is_none_or(|p| placed.contains(&p) || stored_ids.contains(&p))
        });
        ordered.extend(ready);
        pending = rest;
        if pending.len() == before {
            break;
        }
    }
    ordered
}
