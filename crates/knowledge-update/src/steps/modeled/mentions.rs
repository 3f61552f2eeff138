//! Step 10: which blocks mention other entities, as `MENTIONS` edges block → entity. Only
//! ids the job writes count; a block never mentions the entity it describes; each pair once.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Context, Subject};
use crate::error::UpdateError;
use crate::model::Ask;
use crate::steps::{EntityGraph, Mention, label, prompts, schemas};

const STEP: &str = "step 10 mentions";

/// Runs step 10.
pub async fn run(
    cx: &Context<'_>,
    subjects: &[Subject],
    graphs: &[EntityGraph],
) -> Result<Vec<Mention>, UpdateError> {
    if subjects.len() < 2 {
        return Ok(Vec::new());
    }
    cx.progress.report(label(10, "mentions"));
    cx.memo
        .remember("mentions", || ask(cx, subjects, graphs))
        .await
}

async fn ask(
    cx: &Context<'_>,
    subjects: &[Subject],
    graphs: &[EntityGraph],
) -> Result<Vec<Mention>, UpdateError> {
    let owner: HashMap<Uuid, Uuid> = graphs
        .iter()
        .flat_map(|g| g.blocks.iter().map(move |b| (b.id, g.id)))
        .collect();
    let blocks: Vec<Value> = graphs
        .iter()
        .flat_map(|g| {
            g.blocks
                .iter()
                .map(|b| json!({ "block_id": b.id, "text": b.text }))
        })
        .collect();
    let entities: Vec<Value> = subjects
        .iter()
        .map(|s| json!({ "entity_id": s.id, "name": s.extracted.name }))
        .collect();
    let reply = cx
        .ask(
            Ask {
                step: STEP,
                alias: &cx.aliases.mentions,
                schema_name: "mentions",
                schema: &schemas::mentions(),
                system: prompts::MENTIONS,
                user: json!({ "blocks": blocks, "entities": entities }).to_string(),
            },
            |_| Vec::new(),
        )
        .await?;
    let known: HashSet<Uuid> = subjects.iter().map(|s| s.id).collect();
    Ok(keep(&reply, &owner, &known))
}

fn keep(reply: &Value, owner: &HashMap<Uuid, Uuid>, known: &HashSet<Uuid>) -> Vec<Mention> {
    let mut seen = HashSet::new();
    reply["mentions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let block = Uuid::parse_str(m["block_id"].as_str()?.trim()).ok()?;
            let entity = Uuid::parse_str(m["entity_id"].as_str()?.trim()).ok()?;
            let describes = owner.get(&block)?;
            (known.contains(&entity) && *describes != entity && seen.insert((block, entity))).then(
                || Mention {
                    block,
                    entity,
                    confidence: m["confidence"].as_f64().unwrap_or(0.5).clamp(0.0, 1.0),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_ids_other_entities_and_each_pair_once() {
        let (anna, vienna, block) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let owner = HashMap::from([(block, anna)]);
        let known = HashSet::from([anna, vienna]);
        let reply = json!({ "mentions": [
            { "block_id": block, "entity_id": vienna, "confidence": 0.9 },
            { "block_id": block, "entity_id": vienna, "confidence": 0.4 },
            { "block_id": block, "entity_id": anna, "confidence": 0.9 },
            { "block_id": Uuid::from_u128(9), "entity_id": vienna, "confidence": 0.9 },
            { "block_id": block, "entity_id": Uuid::from_u128(8), "confidence": 0.9 }
        ]});
        let kept = keep(&reply, &owner, &known);
        assert_eq!(
            kept,
            [Mention {
                block,
                entity: vienna,
                confidence: 0.9
            }]
        );
    }
}
