//! Step 9 (with step 10's mentions): the entities, blocks, relations and mentions become one
//! `UpsertGraphDelta`. Every record carries its provenance (the job, the journal and the
//! messages its facts come from); every edge says how sure it is. The block trees arrive
//! checked (one root, parents first) from step 8; here they only become nodes and edges.

use std::collections::BTreeMap;

use exobrain_proto::knowledge as pb;
use uuid::Uuid;

use super::{EntityGraph, Mention, Relation};

/// The hint every pipeline edge carries.
pub const PROVENANCE_HINT: &str = "knowledge.update";

/// Where the delta comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The job.
    pub job_id: String,
    /// The journal.
    pub journal_reference: String,
    /// What extracted it (`model worker/reasoner` or `offline extractor`).
    pub extractor: String,
}

impl Source {
    fn of(&self, sequences: &[i64]) -> pb::Provenance {
        let mut sequences = sequences.to_vec();
        sequences.sort_unstable();
        sequences.dedup();
        pb::Provenance {
            job_id: self.job_id.clone(),
            journal_reference: self.journal_reference.clone(),
            message_ids: Vec::new(),
            extractor: self.extractor.clone(),
            message_sequences: sequences,
        }
    }
}

/// Everything to write.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Parts {
    /// Entities with their blocks.
    pub entities: Vec<EntityGraph>,
    /// Relations between them.
    pub relations: Vec<Relation>,
    /// Blocks that mention entities.
    pub mentions: Vec<Mention>,
    /// Universes to create, by name (stored ones are referenced, not written).
    pub new_universes: BTreeMap<String, Uuid>,
    /// Every universe the entities may name, by normalised name.
    pub universes: BTreeMap<String, Uuid>,
}

/// The delta of `parts` for `user`.
pub fn delta(parts: &Parts, user: &str, source: &Source) -> pb::UpsertGraphDeltaRequest {
    let private = pb::Visibility::Private as i32;
    let mut delta = pb::UpsertGraphDeltaRequest {
        source: Some(source.of(&[])),
        ..Default::default()
    };
    for (name, id) in &parts.new_universes {
        delta.universes.push(pb::UniverseNode {
            id: id.to_string(),
            name: name.clone(),
            user_id: user.to_owned(),
            visibility: private,
            source: None,
        });
    }
    let edge =
        |from: Uuid, to: Uuid, label: &str, confidence: f64, sequences: &[i64]| pb::GraphEdge {
            from_id: from.to_string(),
            to_id: to.to_string(),
            edge_type: label.to_owned(),
            properties: vec![
                float("confidence", confidence),
                text("status", "asserted"),
                text("provenance_hint", PROVENANCE_HINT),
            ],
            user_id: user.to_owned(),
            visibility: private,
            source: Some(source.of(sequences)),
        };
    for entity in &parts.entities {
        let universe_id = entity
            .universe
            .as_deref()
            .and_then(|name| parts.universes.get(&crate::ids::normalise(name)))
            .map(Uuid::to_string);
        delta.entities.push(pb::EntityNode {
            id: entity.id.to_string(),
            type_id: entity.node_type.clone(),
            universe_id,
            properties: entity
                .properties
                .iter()
                .filter_map(|p| p.to_wire())
                .collect(),
            user_id: user.to_owned(),
            visibility: private,
            source: Some(source.of(&entity.sequences)),
        });
        for block in &entity.blocks {
            delta.blocks.push(pb::BlockNode {
                id: block.id.to_string(),
                type_id: "node.block".to_owned(),
                properties: vec![text("text", &block.text)],
                user_id: user.to_owned(),
                visibility: private,
                source: Some(source.of(&block.sequences)),
            });
            let structural = match block.parent {
                None => edge(entity.id, block.id, "DESCRIBED_BY", 1.0, &block.sequences),
                Some(parent) => edge(parent, block.id, "SUMMARIZES", 1.0, &block.sequences),
            };
            delta.edges.push(structural);
        }
    }
    for relation in &parts.relations {
        delta.edges.push(edge(
            relation.from,
            relation.to,
            &relation.edge_type,
            relation.confidence,
            &relation.sequences,
        ));
    }
    for mention in &parts.mentions {
        delta.edges.push(edge(
            mention.block,
            mention.entity,
            "MENTIONS",
            mention.confidence,
            &[],
        ));
    }
    delta
}

fn text(key: &str, value: &str) -> pb::PropertyValue {
    pb::PropertyValue {
        key: key.to_owned(),
        value: Some(pb::property_value::Value::StringValue(value.to_owned())),
    }
}

fn float(key: &str, value: f64) -> pb::PropertyValue {
    pb::PropertyValue {
        key: key.to_owned(),
        value: Some(pb::property_value::Value::FloatValue(value)),
    }
}
