//! Step 2: the entities and universes the transcript names, typed with the user's schema.
//! The reply must use known types and name only universes it lists or the user has; twins
//! (the same name twice) become one entity.

use std::collections::HashSet;

use exobrain_proto::knowledge as pb;
use serde_json::{Value, json};

use super::Context;
use crate::error::UpdateError;
use crate::ids::normalise;
use crate::model::Ask;
use crate::steps::{Extracted, ExtractedUniverse, Extraction, prompts, schemas};

const STEP: &str = "step 2 entity extraction";

/// Runs step 2.
pub async fn run(
    cx: &Context<'_>,
    schema: &pb::GetEntityExtractionSchemaContextReply,
) -> Result<Extraction, UpdateError> {
    let type_ids: Vec<String> = schema
        .entity_types
        .iter()
        .map(|t| t.type_id.clone())
        .collect();
    let context = json!({
        "entity_types": schema.entity_types.iter().map(|t| json!({
            "type_id": t.type_id, "name": t.name, "description": t.description,
            "inheritance_chain": t.inheritance_chain,
        })).collect::<Vec<_>>(),
        "universes": schema.universes.iter().map(|u| json!({
            "name": u.name, "description": u.described_by_text,
        })).collect::<Vec<_>>(),
    });
    let system = format!(
        "{}{}",
        prompts::EXTRACTION,
        serde_json::to_string(&context).unwrap_or_default()
    );
    let known: HashSet<String> = schema
        .universes
        .iter()
        .map(|u| normalise(&u.name))
        .collect();
    let reply = cx
        .ask(
            Ask {
                step: STEP,
                alias: &cx.aliases.extraction,
                schema_name: "entity_extraction",
                schema: &schemas::extraction(&type_ids),
                system: &system,
                user: cx.document.clone(),
            },
            |reply| unknown_universes(reply, &known),
        )
        .await?;
    Ok(read(&reply))
}

/// Universe names the entities use that neither the reply nor the user has.
fn unknown_universes(reply: &Value, known: &HashSet<String>) -> Vec<String> {
    let listed: HashSet<String> = reply["extracted_universes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["name"].as_str().map(normalise))
        .collect();
    reply["extracted_entities"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, e)| {
            let name = e["universe_name"].as_str()?;
            let key = normalise(name);
            (!key.is_empty() && !listed.contains(&key) && !known.contains(&key)).then(|| {
                format!("extracted_entities[{i}].universe_name `{name}` is neither in extracted_universes nor a known universe")
            })
        })
        .collect()
}

/// The validated reply as an extraction; twins merged.
fn read(reply: &Value) -> Extraction {
    let mut extraction = Extraction::default();
    for entity in reply["extracted_entities"].as_array().into_iter().flatten() {
        let name = entity["name"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let aliases: Vec<String> = entity["aliases"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty() && normalise(a) != normalise(&name))
            .collect();
        if let Some(twin) = extraction
            .entities
            .iter_mut()
            .find(|e| normalise(&e.name) == normalise(&name))
        {
            for alias in aliases {
                if !twin.aliases.contains(&alias) {
                    twin.aliases.push(alias);
                }
            }
            continue;
        }
        extraction.entities.push(Extracted {
            name,
            node_type: entity["node_type"]
                .as_str()
                .unwrap_or("node.entity")
                .to_owned(),
            aliases,
            short_description: entity["short_description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            universe: entity["universe_name"]
                .as_str()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
        });
    }
    for universe in reply["extracted_universes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        extraction.universes.push(ExtractedUniverse {
            name: universe["name"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            description: universe["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        });
    }
    extraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_merge_and_unknown_universes_are_named() {
        let reply = json!({
            "extracted_entities": [
                { "name": "Anna", "node_type": "node.person", "aliases": ["Annie"], "short_description": "sister", "universe_name": null },
                { "name": "anna", "node_type": "node.person", "aliases": ["Ann", "anna"], "short_description": "", "universe_name": null },
                { "name": "Frodo", "node_type": "node.person", "aliases": [], "short_description": "hobbit", "universe_name": "Middle-earth" }
            ],
            "extracted_universes": []
        });
        let extraction = read(&reply);
        assert_eq!(extraction.entities.len(), 2);
        assert_eq!(extraction.entities[0].aliases, ["Annie", "Ann"]);
        let problems = unknown_universes(&reply, &HashSet::new());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("Middle-earth"));
        let known = HashSet::from(["middle-earth".to_owned()]);
        assert!(unknown_universes(&reply, &known).is_empty());
    }
}
