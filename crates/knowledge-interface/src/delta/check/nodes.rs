//! Node rules: ownership, family and type (changes only along the hierarchy), properties
//! merged over what is stored, the promoted fields (`name`, `aliases`, `text`), and universe
//! membership of entities (exactly one, visible universe; Real World by default).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{Checker, REAL_WORLD};
use crate::delta::NodeInput;
use crate::graph::model::{BLOCK_TYPE, ENTITY_TYPE, Node, NodeKind, Provenance, labels};
use crate::graph::value::{Properties, Value};

impl Checker<'_> {
    pub(super) fn check_nodes(&mut self) {
        for input in &self.delta.nodes {
            let existing = self.state.nodes.get(&input.id);
            if let Some(stored) = existing {
                if stored.user_id != self.caller() {
                    self.denied.push(format!(
                        "{}: {} belongs to another user and cannot be changed",
                        input.at, input.id
                    ));
                    continue;
                }
                if stored.kind != input.kind {
                    self.invalid.push(format!(
                        "{}: {} is stored as a {}; it cannot become a {}",
                        input.at,
                        input.id,
                        stored.kind.as_str(),
                        input.kind.as_str()
                    ));
                    continue;
                }
            }
            if !self.type_fits(input, existing) {
                continue;
            }
            let stored_properties = existing.map(promoted_properties);
            let mut sent = input.properties.clone();
            if let Some(Value::String(text)) = sent.get("aliases") {
                let list = alias_list(&Value::String(text.clone())).unwrap_or_default();
                sent.insert("aliases".into(), Value::Json(list.into()));
            }
            let before = self.invalid.len();
            let merged = self.rules.merge(
                &input.type_id,
                &input.at,
                &sent,
                stored_properties.as_ref(),
                &mut self.invalid,
            );
            if self.invalid.len() != before {
                continue;
            }
            if let Some(node) = self.build(input, existing, merged) {
                self.nodes.insert(node.id, node);
            }
        }
    }

    fn type_fits(&mut self, input: &NodeInput, existing: Option<&Node>) -> bool {
        let root = match input.kind {
            NodeKind::Universe => return true,
            NodeKind::Entity => ENTITY_TYPE,
            NodeKind::Block => BLOCK_TYPE,
        };
        let active = self
            .schema
            .active(&input.type_id)
            .is_some_and(|t| t.id.starts_with("node."));
        if !active || !self.schema.is_assignable(&input.type_id, root) {
            self.invalid.push(format!(
                "{}.type_id: `{}` is not an active {} type ({root} or a type under it)",
                input.at,
                input.type_id,
                input.kind.as_str()
            ));
            return false;
        }
        if let Some(stored) = existing
            && stored.type_id != input.type_id
            && !self.schema.is_assignable(&input.type_id, &stored.type_id)
            && !self.schema.is_assignable(&stored.type_id, &input.type_id)
        {
            self.invalid.push(format!(
                "{}.type_id: {} cannot change from {} to {}; a type may only move to an ancestor or a descendant",
                input.at, input.id, stored.type_id, input.type_id
            ));
            return false;
        }
        true
    }

    fn build(
        &mut self,
        input: &NodeInput,
        existing: Option<&Node>,
        mut properties: Properties,
    ) -> Option<Node> {
        let at = &input.at;
        let mut text_field = |key: &str, properties: &mut Properties| -> Option<String> {
            match properties.remove(key) {
                Some(Value::String(text)) if !text.trim().is_empty() => {
                    Some(text.trim().to_owned())
                }
                Some(_) => {
                    self.invalid
                        .push(format!("{at}: property `{key}` must not be blank"));
                    None
                }
                None => None,
            }
        };
        let (name, text) = match input.kind {
            NodeKind::Universe | NodeKind::Entity => {
                (Some(text_field("name", &mut properties)?), None)
            }
            NodeKind::Block => (None, Some(text_field("text", &mut properties)?)),
        };
        let aliases = match properties.remove("aliases") {
            None => Vec::new(),
            Some(value) => match alias_list(&value) {
                Some(aliases) => aliases,
                None => {
                    self.invalid.push(format!(
                        "{at}: property `aliases` must be a JSON array of strings, e.g. [\"Bob\"]"
                    ));
                    return None;
                }
            },
        };
        Some(Node {
            id: input.id,
            kind: input.kind,
            type_id: input.type_id.clone(),
            user_id: input.user_id.clone(),
            visibility: input.visibility,
            name,
            aliases,
            text,
            universe_id: existing.and_then(|n| n.universe_id),
            properties,
            source: input.source.clone(),
            created_at: existing.and_then(|n| n.created_at),
            updated_at: existing.and_then(|n| n.updated_at),
        })
    }

    /// Settles the universe of every entity in the delta and of every stored entity an
    /// explicit IS_PART_OF moves (a moved entity takes that edge's provenance; one the edge
    /// leaves where it is stays as stored).
    pub(super) fn check_membership(&mut self) {
        let delta = self.delta;
        let mut entities: Vec<(String, uuid::Uuid, Option<uuid::Uuid>)> = self
            .delta
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Entity && self.nodes.contains_key(&n.id))
            .map(|n| (n.at.clone(), n.id, n.universe_id))
            .collect();
        let mut settled: HashSet<uuid::Uuid> = entities.iter().map(|(_, id, _)| *id).collect();
        let mut explicit_of: HashMap<uuid::Uuid, BTreeSet<uuid::Uuid>> = HashMap::new();
        let mut moved_by: HashMap<uuid::Uuid, &Provenance> = HashMap::new();
        for edge in &delta.edges {
            if edge.label == labels::IS_PART_OF {
                explicit_of
                    .entry(edge.from_id)
                    .or_default()
                    .insert(edge.to_id);
            }
            let moves_stored = edge.label == labels::IS_PART_OF
                && !settled.contains(&edge.from_id)
                && self
                    .state
                    .nodes
                    .get(&edge.from_id)
                    .is_some_and(|n| n.kind == NodeKind::Entity && n.user_id == self.caller());
            if moves_stored {
                settled.insert(edge.from_id);
                moved_by.insert(edge.from_id, &edge.source);
                entities.push((edge.at.clone(), edge.from_id, None));
            }
        }
        for (at, id, requested) in entities {
            let explicit = explicit_of.remove(&id).unwrap_or_default();
            let stored = self.state.nodes.get(&id).and_then(|n| n.universe_id);
            let universe = match (requested, explicit.len()) {
                (Some(u), 0) => u,
                (Some(u), _) if explicit.iter().all(|e| *e == u) => u,
                (None, 1) => *explicit.first().expect("one"),
                (None, 0) => stored.unwrap_or(REAL_WORLD),
                _ => {
                    self.invalid.push(format!(
                        "{at}: entity {id} is put in several universes; an entity belongs to exactly one"
                    ));
                    continue;
                }
            };
            let visible_universe = self
                .endpoint(universe)
                .is_some_and(|e| e.node.kind == NodeKind::Universe);
            if !visible_universe {
                self.invalid.push(format!(
                    "{at}.universe_id: universe {universe} does not exist (or is not visible to you)"
                ));
                continue;
            }
            let node = match self.nodes.get_mut(&id) {
                Some(node) => node,
                None => {
                    let Some(stored) = self.state.nodes.get(&id) else {
                        continue;
                    };
                    if stored.universe_id == Some(universe) {
                        continue;
                    }
                    let mut moved = stored.clone();
                    moved.source = moved_by.get(&id).copied().unwrap_or(&delta.source).clone();
                    self.nodes.entry(id).or_insert(moved)
                }
            };
            node.universe_id = Some(universe);
        }
    }
}

/// A stored node's properties with its promoted fields put back, for merging.
fn promoted_properties(node: &Node) -> Properties {
    let mut properties = node.properties.clone();
    if let Some(name) = &node.name {
        properties.insert("name".into(), Value::String(name.clone()));
    }
    if let Some(text) = &node.text {
        properties.insert("text".into(), Value::String(text.clone()));
    }
    if !node.aliases.is_empty() {
        properties.insert("aliases".into(), Value::Json(node.aliases.clone().into()));
    }
    properties
}

/// Aliases from a JSON array of strings (or a string holding one); trimmed, blank ones and
/// repeats dropped, order kept.
fn alias_list(value: &Value) -> Option<Vec<String>> {
    let document = match value {
        Value::Json(document) => document.clone(),
        Value::String(text) => match serde_json::from_str(text) {
            Ok(serde_json::Value::Array(items)) => serde_json::Value::Array(items),
            _ => serde_json::Value::Array(vec![text.clone().into()]),
        },
        _ => return None,
    };
    let mut aliases: Vec<String> = Vec::new();
    for item in document.as_array()? {
        let alias = item.as_str()?.trim();
        if !alias.is_empty() && !aliases.iter().any(|a| a == alias) {
            aliases.push(alias.to_owned());
        }
    }
    Some(aliases)
}
