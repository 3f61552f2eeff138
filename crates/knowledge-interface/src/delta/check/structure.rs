//! The graph's shape after the write: implicit universe memberships, which stored edges a
//! delta supersedes (a changed claim replaces its current version; a new universe replaces an
//! entity's old membership; a new parent moves a block), the structural rules on the result
//! (one parent per block, at most one root block per entity or universe, no cycles), and the
//! final plan of changed records. A record whose facts the delta leaves as they are is not a
//! change; when the delta states other provenance for it, only its stored provenance is
//! replaced (uncounted, so a redelivered delta still reports zeros).

use std::collections::HashSet;

use uuid::Uuid;

use super::index::EdgeIndex;
use super::{Checker, Desired, joint_visibility};
use crate::graph::model::{Edge, EdgeStatus, Node, NodeKind, labels};
use crate::graph::plan::{SourceUpdate, WritePlan};
use crate::graph::value::Properties;

/// How far up a block tree a cycle check walks before calling it a cycle.
const MAX_TREE_DEPTH: usize = 1024;

impl Checker<'_> {
    pub(super) fn structure(&mut self) -> WritePlan {
        self.add_memberships();
        let mut plan = WritePlan {
            source: self.delta.source.clone(),
            ..WritePlan::default()
        };
        let mut superseded: Vec<(Uuid, Option<Uuid>)> = Vec::new();
        for desired in &self.desired {
            let edge = &desired.edge;
            match self.current_edge(edge.from_id, &edge.label, edge.to_id) {
                Some(old) if old.same_claim(edge) => {
                    if edge.source.replaces(&old.source) {
                        plan.edge_sources.push(SourceUpdate {
                            id: old.id,
                            source: edge.source.clone(),
                        });
                    }
                    continue;
                }
                Some(old) => superseded.push((old.id, Some(edge.id))),
                None => {}
            }
            plan.new_edges.push(edge.clone());
            let memberships = match edge.label == labels::IS_PART_OF {
                true => self.stored.leaving(edge.from_id),
                false => &[],
            };
            let other_memberships = memberships
                .iter()
                .filter(|old| old.label == labels::IS_PART_OF && old.to_id != edge.to_id);
            let parents = match labels::is_parent(&edge.label) {
                true => self.stored.entering(edge.to_id),
                false => &[],
            };
            let other_parents = parents.iter().filter(|old| {
                labels::is_parent(&old.label)
                    && (old.from_id, &old.label) != (edge.from_id, &edge.label)
            });
            superseded.extend(
                other_memberships
                    .chain(other_parents)
                    .map(|old| (old.id, Some(edge.id))),
            );
        }
        let mut seen = HashSet::new();
        superseded.retain(|(old, _)| seen.insert(*old));
        self.check_shape(&plan.new_edges, &seen);
        plan.superseded = superseded;
        self.changed_nodes(&mut plan);
        plan.counts.edges = plan.new_edges.len() as u32;
        plan.counts.superseded = plan.superseded.len() as u32;
        plan
    }

    /// An IS_PART_OF edge for every entity whose universe has no current one yet.
    fn add_memberships(&mut self) {
        let mut entities: Vec<&Node> = self
            .nodes
            .values()
            .filter(|n| n.kind == NodeKind::Entity)
            .collect();
        entities.sort_by_key(|n| n.id);
        let desired: HashSet<(Uuid, Uuid)> = self
            .desired
            .iter()
            .filter(|d| d.edge.label == labels::IS_PART_OF)
            .map(|d| (d.edge.from_id, d.edge.to_id))
            .collect();
        let mut implicit = Vec::new();
        for entity in entities {
            let Some(universe) = entity.universe_id else {
                continue;
            };
            let mut stored = self.stored.triple(entity.id, labels::IS_PART_OF, universe);
            if desired.contains(&(entity.id, universe)) || stored.next().is_some() {
                continue;
            }
            let Some(target) = self.endpoint(universe) else {
                continue;
            };
            implicit.push(Desired {
                at: format!("universe of {}", entity.id),
                edge: Edge {
                    id: Uuid::new_v4(),
                    from_id: entity.id,
                    to_id: universe,
                    label: labels::IS_PART_OF.to_owned(),
                    user_id: entity.user_id.clone(),
                    visibility: joint_visibility(entity.visibility, target.node.visibility),
                    confidence: 1.0,
                    status: EdgeStatus::Asserted,
                    provenance_hint: "universe membership".to_owned(),
                    valid_from: None,
                    valid_to: None,
                    properties: Properties::new(),
                    source: entity.source.clone(),
                    created_at: None,
                    superseded_at: None,
                },
            });
        }
        self.desired.extend(implicit);
    }

    /// One parent per block of the delta, at most one root block per node, no cycles.
    fn check_shape(&mut self, new_edges: &[Edge], superseded: &HashSet<Uuid>) {
        let current = EdgeIndex::new(
            self.stored_edges()
                .filter(|e| !superseded.contains(&e.id))
                .chain(new_edges),
        );
        let mut problems = Vec::new();
        for input in self
            .delta
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Block)
        {
            let parents = current
                .entering(input.id)
                .iter()
                .filter(|e| labels::is_parent(&e.label))
                .count();
            match parents {
                1 => {}
                0 => problems.push(format!(
                    "{}: block {} has no parent; link it with DESCRIBED_BY from its entity or universe, or SUMMARIZES from a parent block",
                    input.at, input.id
                )),
                _ => problems.push(format!(
                    "{}: block {} is given {} parents; a block has exactly one",
                    input.at, input.id, parents
                )),
            }
        }
        for desired in &self.desired {
            let edge = &desired.edge;
            if edge.label == labels::DESCRIBED_BY {
                let roots: Vec<Uuid> = current
                    .leaving(edge.from_id)
                    .iter()
                    .filter(|e| e.label == labels::DESCRIBED_BY)
                    .map(|e| e.to_id)
                    .collect();
                if roots.len() > 1 {
                    let other = roots.iter().find(|r| **r != edge.to_id).copied();
                    problems.push(format!(
                        "{}: {} already has the root block {}; put further blocks under it with SUMMARIZES",
                        desired.at,
                        edge.from_id,
                        other.unwrap_or(edge.to_id)
                    ));
                }
            }
            if edge.label == labels::SUMMARIZES && makes_cycle(&current, edge) {
                problems.push(format!(
                    "{}: SUMMARIZES from {} to {} would make the block tree a cycle",
                    desired.at, edge.from_id, edge.to_id
                ));
            }
        }
        self.invalid.extend(problems);
    }

    /// Nodes that change, in request order (universes, entities, blocks), then entities
    /// moved by an explicit IS_PART_OF.
    fn changed_nodes(&self, plan: &mut WritePlan) {
        let mut order: Vec<Uuid> = self.delta.nodes.iter().map(|n| n.id).collect();
        let sent: HashSet<Uuid> = order.iter().copied().collect();
        let mut moved: Vec<Uuid> = self
            .nodes
            .keys()
            .filter(|id| !sent.contains(id))
            .copied()
            .collect();
        moved.sort_unstable();
        order.extend(moved);
        for id in order {
            let Some(node) = self.nodes.get(&id) else {
                continue;
            };
            let stored = self.state.nodes.get(&id);
            if let Some(same) = stored.filter(|s| s.same_content(node)) {
                if node.source.replaces(&same.source) {
                    plan.node_sources.push(SourceUpdate {
                        id,
                        source: node.source.clone(),
                    });
                }
                continue;
            }
            match node.kind {
                NodeKind::Universe => plan.counts.universes += 1,
                NodeKind::Entity => plan.counts.entities += 1,
                NodeKind::Block => plan.counts.blocks += 1,
            }
            let reproject = stored.is_none_or(|s| {
                (&s.text, s.visibility, &s.type_id) != (&node.text, node.visibility, &node.type_id)
            });
            if node.kind == NodeKind::Block && reproject {
                plan.vector_work.push(id);
            }
            plan.nodes.push(node.clone());
        }
    }
}

/// Whether `edge` (parent → child) puts the child above its own parent.
fn makes_cycle(current: &EdgeIndex<'_>, edge: &Edge) -> bool {
    let mut node = edge.from_id;
    for _ in 0..MAX_TREE_DEPTH {
        if node == edge.to_id {
            return true;
        }
        match current
            .entering(node)
            .iter()
            .find(|e| e.label == labels::SUMMARIZES)
        {
            Some(parent) => node = parent.from_id,
            None => return false,
        }
    }
    true
}
