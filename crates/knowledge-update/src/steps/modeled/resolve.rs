//! Steps 4 and 5, per entity at once: the entity's notes (what the transcript says about it)
//! and which entity it is. A clear match from step 3 is taken; candidates to compare are
//! shown to the model with their stored context, and its choice must be one of them; a new
//! entity gets an id minted from its name. Entities that resolve to one id become one.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Context, Subject};
use crate::error::UpdateError;
use crate::model::Ask;
use crate::steps::candidates::Candidates;
use crate::steps::{Extracted, Match, Resolved, label, prompts, schemas};

const FOCUS: &str = "step 4 entity notes";
const RESOLUTION: &str = "step 5 entity resolution";

/// Runs steps 4 and 5 for every entity.
pub async fn run(
    cx: &Context<'_>,
    entities: &[Extracted],
    matches: &[Candidates],
) -> Result<Vec<Subject>, UpdateError> {
    let total = entities.len();
    cx.progress
        .report(label(4, &format!("entity notes 0/{total}")));
    let done = std::sync::atomic::AtomicUsize::new(0);
    let resolved: Vec<(Extracted, Resolved, String, String)> = crate::concurrent::try_all(
        (entities
            .iter()
            .zip(matches)
            .enumerate()
            .map(|(i, (entity, found))| {
                let done = &done;
                async move {
                    let notes: String = cx
                        .memo
                        .remember(&format!("focus/{i}"), || focus(cx, entity))
                        .await?;
                    let resolved: Resolved = cx
                        .memo
                        .remember(&format!("resolve/{i}"), || {
                            resolve(cx, entity, found, &notes)
                        })
                        .await?;
                    let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    cx.progress
                        .report(label(5, &format!("entity resolution {finished}/{total}")));
                    let stored_type = found
                        .candidates
                        .iter()
                        .find(|c| c.id == resolved.id)
                        .map_or_else(|| entity.node_type.clone(), |c| c.type_id.clone());
                    Ok::<_, UpdateError>((entity.clone(), resolved, notes, stored_type))
                }
            }))
        .collect(),
        cx.bound.max(1),
    )
    .await?;
    let mut subjects: Vec<Subject> = Vec::new();
    for (extracted, resolved, notes, node_type) in resolved {
        if let Some(twin) = subjects.iter_mut().find(|s| s.id == resolved.id) {
            for alias in std::iter::once(&extracted.name).chain(&extracted.aliases) {
                if alias != &twin.extracted.name && !twin.extracted.aliases.contains(alias) {
                    twin.extracted.aliases.push(alias.clone());
                }
            }
            twin.notes.push_str("\n\n");
            twin.notes.push_str(&notes);
            continue;
        }
        subjects.push(Subject {
            extracted,
            id: resolved.id,
            matched: resolved.matched,
            node_type,
            notes,
        });
    }
    Ok(subjects)
}

async fn focus(cx: &Context<'_>, entity: &Extracted) -> Result<String, UpdateError> {
    let reply = cx
        .ask(
            Ask {
                step: FOCUS,
                alias: &cx.aliases.focus,
                schema_name: "entity_notes",
                schema: &schemas::focus(),
                system: prompts::FOCUS,
                user: json!({ "entity": entity, "markdown_batch_document": cx.document })
                    .to_string(),
            },
            |_| Vec::new(),
        )
        .await?;
    Ok(reply["focused_markdown"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

async fn resolve(
    cx: &Context<'_>,
    entity: &Extracted,
    found: &Candidates,
    notes: &str,
) -> Result<Resolved, UpdateError> {
    let ids = match &found.verdict {
        Match::New => return Ok(new(cx, entity)),
        Match::Matched { id } => {
            return Ok(Resolved {
                id: *id,
                matched: true,
            });
        }
        Match::Compare { ids } => ids,
    };
    let contexts: Vec<Value> = crate::concurrent::try_all(
        (ids.iter().map(|id| async move {
            let context = cx
                .knowledge
                .entity_context(&id.to_string(), 1)
                .await
                .map_err(UpdateError::knowledge(RESOLUTION))?;
            Ok::<_, UpdateError>(json!({
                "entity_id": id,
                "name": context.entity.as_ref().and_then(|e| e.name.clone()),
                "type_id": context.entity.as_ref().map(|e| e.type_id.clone()),
                "blocks": context.blocks.iter().filter_map(|b| b.text.clone()).collect::<Vec<_>>(),
            }))
        }))
        .collect(),
        cx.bound.max(1),
    )
    .await?;
    let allowed: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let reply = cx
        .ask(
            Ask {
                step: RESOLUTION,
                alias: &cx.aliases.resolution,
                schema_name: "entity_resolution",
                schema: &schemas::resolution(),
                system: prompts::RESOLUTION,
                user: json!({
                    "extracted_entity": entity,
                    "extracted_entity_markdown": notes,
                    "candidate_contexts": contexts,
                })
                .to_string(),
            },
            |reply| decision_problems(reply, &allowed),
        )
        .await?;
    let chosen = reply["entity_id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id.trim()).ok());
    Ok(match (reply["decision"].as_str(), chosen) {
        (Some("match"), Some(id)) => Resolved { id, matched: true },
        _ => new(cx, entity),
    })
}

fn new(cx: &Context<'_>, entity: &Extracted) -> Resolved {
    Resolved {
        id: cx.minter.entity(&entity.name),
        matched: false,
    }
}

/// A match must name one of the candidates.
fn decision_problems(reply: &Value, allowed: &[String]) -> Vec<String> {
    if reply["decision"] != "match" {
        return Vec::new();
    }
    match reply["entity_id"].as_str().map(str::trim) {
        Some(id) if allowed.iter().any(|a| a == id) => Vec::new(),
        Some(id) => vec![format!(
            "entity_id `{id}` is not one of the candidates ({})",
            allowed.join(", ")
        )],
        None => vec!["a match needs the candidate's entity_id".to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_must_name_a_candidate() {
        let allowed = vec!["a".to_owned()];
        assert!(
            decision_problems(&json!({"decision": "match", "entity_id": "a"}), &allowed).is_empty()
        );
        assert!(
            decision_problems(
                &json!({"decision": "new_entity", "entity_id": null}),
                &allowed
            )
            .is_empty()
        );
        assert_eq!(
            decision_problems(&json!({"decision": "match", "entity_id": "b"}), &allowed).len(),
            1
        );
        assert_eq!(
            decision_problems(&json!({"decision": "match", "entity_id": null}), &allowed).len(),
            1
        );
    }
}
