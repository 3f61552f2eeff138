//! Steps 6 and 7: which entities the transcript relates, then per pair (at once) the edge
//! type. Pairs with an unknown id, self-pairs and repeats are dropped; a pair whose types
//! allow no edge is not asked about; an answer whose edge type is not allowed for the pair in
//! its direction is dropped, not written.

use std::collections::HashSet;

use exobrain_proto::knowledge as pb;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Context, Subject};
use crate::error::UpdateError;
use crate::model::Ask;
use crate::steps::{Relation, label, prompts, schemas};

const PAIRS: &str = "step 6 relationship extraction";
const TYPING: &str = "step 7 relationship typing";

/// Runs steps 6 and 7.
pub async fn run(cx: &Context<'_>, subjects: &[Subject]) -> Result<Vec<Relation>, UpdateError> {
    if subjects.len() < 2 {
        return Ok(Vec::new());
    }
    cx.progress.report(label(6, "relationship extraction"));
    let pairs: Vec<(Uuid, Uuid)> = cx.memo.remember("pairs", || pairs(cx, subjects)).await?;
    let total = pairs.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let typed: Vec<Option<Relation>> = crate::concurrent::try_all(
        (pairs.iter().map(|(a, b)| {
            let done = &done;
            async move {
                let key = format!("relation/{a}/{b}");
                let relation = cx
                    .memo
                    .remember(&key, || typing(cx, subjects, *a, *b))
                    .await?;
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                cx.progress
                    .report(label(7, &format!("relationship typing {finished}/{total}")));
                Ok::<_, UpdateError>(relation)
            }
        }))
        .collect(),
        cx.bound.max(1),
    )
    .await?;
    Ok(typed.into_iter().flatten().collect())
}

async fn pairs(cx: &Context<'_>, subjects: &[Subject]) -> Result<Vec<(Uuid, Uuid)>, UpdateError> {
    let entities: Vec<Value> = subjects
        .iter()
        .map(|s| json!({ "entity_id": s.id, "name": s.extracted.name, "node_type": s.node_type }))
        .collect();
    let reply = cx
        .ask(
            Ask {
                step: PAIRS,
                alias: &cx.aliases.relationship,
                schema_name: "entity_pairs",
                schema: &schemas::pairs(),
                system: prompts::PAIRS,
                user: json!({ "entities": entities, "markdown_batch_document": cx.document })
                    .to_string(),
            },
            |_| Vec::new(),
        )
        .await?;
    let known: HashSet<Uuid> = subjects.iter().map(|s| s.id).collect();
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    for pair in reply["entity_pairs"].as_array().into_iter().flatten() {
        let id = |field: &str| {
            pair[field]
                .as_str()
                .and_then(|s| Uuid::parse_str(s.trim()).ok())
        };
        let (Some(a), Some(b)) = (id("entity_id_1"), id("entity_id_2")) else {
            continue;
        };
        if a == b
            || !known.contains(&a)
            || !known.contains(&b)
            || !seen.insert((a.min(b), a.max(b)))
        {
            continue;
        }
        kept.push((a, b));
    }
    let skipped = reply["entity_pairs"].as_array().map_or(0, Vec::len) - kept.len();
    if skipped > 0 {
        tracing::info!(
            skipped,
            "pairs with unknown ids, self-pairs or repeats dropped"
        );
    }
    Ok(kept)
}

async fn typing(
    cx: &Context<'_>,
    subjects: &[Subject],
    a: Uuid,
    b: Uuid,
) -> Result<Option<Relation>, UpdateError> {
    let (Some(first), Some(second)) = (
        subjects.iter().find(|s| s.id == a),
        subjects.iter().find(|s| s.id == b),
    ) else {
        return Ok(None);
    };
    let allowed = cx
        .knowledge
        .edge_types(&first.node_type, &second.node_type)
        .await
        .map_err(UpdateError::knowledge(TYPING))?;
    if allowed.is_empty() {
        return Ok(None);
    }
    let side = |s: &Subject| json!({ "entity_id": s.id, "node_type": s.node_type, "name": s.extracted.name, "focused_markdown": s.notes });
    let context: Vec<Value> = allowed
        .iter()
        .map(|e| {
            json!({
                "edge_type": e.edge_name, "description": e.edge_description,
                "from_type": e.source_entity_type_id, "to_type": e.target_entity_type_id,
            })
        })
        .collect();
    let ids = [a.to_string(), b.to_string()];
    let reply = cx
        .ask(
            Ask {
                step: TYPING,
                alias: &cx.aliases.relationship,
                schema_name: "relationship_type",
                schema: &schemas::typing(),
                system: prompts::TYPING,
                user: json!({ "entity_1": side(first), "entity_2": side(second), "edge_extraction_schema_context": context }).to_string(),
            },
            |reply| direction_problems(reply, &ids),
        )
        .await?;
    Ok(relation(cx, &reply, subjects, &allowed))
}

/// The answer must relate the pair it was asked about.
fn direction_problems(reply: &Value, ids: &[String; 2]) -> Vec<String> {
    let from = reply["from_entity_id"].as_str().unwrap_or_default().trim();
    let to = reply["to_entity_id"].as_str().unwrap_or_default().trim();
    let fits = (from == ids[0] && to == ids[1]) || (from == ids[1] && to == ids[0]);
    if fits {
        Vec::new()
    } else {
        vec![format!(
            "from_entity_id and to_entity_id must be {} and {}, in either order",
            ids[0], ids[1]
        )]
    }
}

/// The relation the answer states, if its edge type is allowed from its source's type to
/// its target's.
fn relation(
    cx: &Context<'_>,
    reply: &Value,
    subjects: &[Subject],
    allowed: &[pb::ExtractionEdgeType],
) -> Option<Relation> {
    let id = |field: &str| {
        reply[field]
            .as_str()
            .and_then(|s| Uuid::parse_str(s.trim()).ok())
    };
    let (from, to) = (id("from_entity_id")?, id("to_entity_id")?);
    let edge_type = reply["edge_type"].as_str()?.trim();
    if edge_type.eq_ignore_ascii_case("none") {
        return None;
    }
    let type_of = |id: Uuid| {
        subjects
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.node_type.as_str())
    };
    let (from_type, to_type) = (type_of(from)?, type_of(to)?);
    let edge = allowed.iter().find(|e| {
        (e.edge_name.eq_ignore_ascii_case(edge_type)
            || e.edge_type_id.eq_ignore_ascii_case(edge_type))
            && cx.is_a(from_type, &e.source_entity_type_id)
            && cx.is_a(to_type, &e.target_entity_type_id)
    });
    let Some(edge) = edge else {
        tracing::info!(
            edge_type,
            "edge type not allowed for the pair in this direction; dropped"
        );
        return None;
    };
    Some(Relation {
        from,
        to,
        edge_type: edge.edge_name.clone(),
        confidence: reply["confidence"].as_f64().unwrap_or(0.5).clamp(0.0, 1.0),
        sequences: Vec::new(),
    })
}
