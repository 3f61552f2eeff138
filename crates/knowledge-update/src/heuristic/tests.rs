//! Tests of the offline extractor on fixed conversations ([`conversations`]), on single rules
//! ([`rules`]) and on any text ([`properties`]), and the helpers they share.

mod conversations;
mod properties;
mod rules;

use super::*;

pub(super) fn user(sequence: i64, content: &str) -> Turn {
    Turn {
        sequence,
        role: "user".into(),
        content: content.into(),
    }
}

pub(super) fn assistant(sequence: i64, content: &str) -> Turn {
    Turn {
        sequence,
        role: "assistant".into(),
        content: content.into(),
    }
}

pub(super) fn every_type(_: &str) -> bool {
    true
}

/// The node type and its ancestors in the starter schema.
fn lineage(node_type: &str) -> Vec<&str> {
    let parents: &[&str] = match node_type {
        "node.city" | "node.country" => &["node.place", "node.entity"],
        "node.company" => &["node.institution", "node.entity"],
        "node.ai_agent" => &["node.person", "node.entity"],
        "node.entity" => &[],
        _ => &["node.entity"],
    };
    std::iter::once(node_type)
        .chain(parents.iter().copied())
        .collect()
}

/// The starter schema's edge rules, inherited by subtypes.
pub(super) fn starter(from: &str, to: &str) -> Vec<String> {
    const RULES: &[(&str, &str, &str)] = &[
        ("edge.lies_in", "node.place", "node.place"),
        ("edge.located_at", "node.event", "node.place"),
        ("edge.knows", "node.person", "node.person"),
        ("edge.member_of", "node.person", "node.group"),
        ("edge.affiliated_with", "node.person", "node.institution"),
        ("edge.participated_in", "node.person", "node.event"),
        ("edge.involves", "node.event", "node.entity"),
        ("edge.contains", "node.entity", "node.entity"),
        ("edge.also_known_as", "node.entity", "node.entity"),
        ("edge.same_as", "node.entity", "node.entity"),
        ("edge.related_to", "node.entity", "node.entity"),
        ("edge.owns", "node.entity", "node.entity"),
    ];
    let (froms, tos) = (lineage(from), lineage(to));
    RULES
        .iter()
        .filter(|(_, f, t)| froms.contains(f) && tos.contains(t))
        .map(|(e, _, _)| (*e).to_owned())
        .collect()
}

/// (name, node type, description, aliases) of each entity.
pub(super) fn summary(entities: &[Entity]) -> Vec<(&str, &str, &str, Vec<&str>)> {
    entities
        .iter()
        .map(|e| {
            let aliases = e.aliases.iter().map(String::as_str).collect();
            (
                e.name.as_str(),
                e.node_type.as_str(),
                e.description.as_str(),
                aliases,
            )
        })
        .collect()
}

/// (from name, edge type, to name, confidence, evidence) of each relation.
pub(super) fn edges<'a>(
    entities: &'a [Entity],
    relations: &'a [Relation],
) -> Vec<(&'a str, &'a str, &'a str, f64, &'a str)> {
    relations
        .iter()
        .map(|r| {
            let (from, to) = (entities[r.from].name.as_str(), entities[r.to].name.as_str());
            (
                from,
                r.edge_type.as_str(),
                to,
                r.confidence,
                r.evidence.text.as_str(),
            )
        })
        .collect()
}
