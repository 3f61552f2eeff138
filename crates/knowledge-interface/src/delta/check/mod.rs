//! Checks a parsed delta against the schema and the stored graph, gathering every problem,
//! and turns it into a [`WritePlan`] of only what changes. The rules: records belong to the
//! caller and never modify another user's nodes; types fit their family and change only
//! along the hierarchy; properties follow the schema; every edge follows an endpoint rule,
//! whether its endpoints are new or stored; an entity belongs to exactly one universe;
//! a block has exactly one parent and the block tree has no cycles; an entity or universe has
//! at most one root block. The check is pure and runs inside the write transaction, against
//! the locked state, off the async runtime (the store hands it to a blocking thread); every
//! lookup of an edge goes through an [`index::EdgeIndex`], so its cost grows with the size
//! of the delta and the state, not with their product.

mod edges;
mod index;
mod nodes;
mod structure;

use std::collections::{HashMap, HashSet};

use uuid::{Uuid, uuid};

use self::index::EdgeIndex;
use super::properties::PropertyRules;
use super::{Delta, Refusal};
use crate::access::Visibility;
use crate::graph::model::{Edge, Node, labels};
use crate::graph::plan::{GraphState, StateQuery, WritePlan};
use crate::schema::Schema;

/// The shared Real World universe, the default universe of entities.
pub const REAL_WORLD: Uuid = uuid!("9d7f0fa5-78c1-4805-9efb-3f8f16090d7f");

/// The stored records a check of `delta` needs.
pub fn state_query(delta: &Delta) -> StateQuery {
    let mut lock_ids: Vec<Uuid> = delta.nodes.iter().map(|n| n.id).collect();
    lock_ids.extend(delta.edges.iter().flat_map(|e| [e.from_id, e.to_id]));
    lock_ids.retain(|id| *id != REAL_WORLD);
    lock_ids.sort_unstable();
    lock_ids.dedup();
    let written: HashSet<Uuid> = delta
        .nodes
        .iter()
        .map(|n| n.id)
        .chain(delta.edges.iter().flat_map(|e| {
            let structural = labels::is_structural(&e.label);
            [Some(e.from_id), structural.then_some(e.to_id)]
                .into_iter()
                .flatten()
        }))
        .collect();
    let shared_lock_ids = lock_ids
        .iter()
        .copied()
        .filter(|id| !written.contains(id))
        .collect();
    let mut ids = lock_ids.clone();
    ids.extend(delta.nodes.iter().filter_map(|n| n.universe_id));
    ids.push(REAL_WORLD);
    ids.sort_unstable();
    ids.dedup();
    let ancestry_of = delta
        .edges
        .iter()
        .filter(|e| e.label == labels::SUMMARIZES)
        .map(|e| e.from_id)
        .collect();
    StateQuery {
        structure_of: ids.clone(),
        node_ids: ids,
        triples: delta
            .edges
            .iter()
            .map(|e| (e.from_id, e.label.clone(), e.to_id))
            .collect(),
        owner: delta.caller.user_id().to_owned(),
        ancestry_of,
        lock_ids,
        shared_lock_ids,
    }
}

/// Checks `delta` against `schema` and `state`; the plan holds only what changes.
pub fn plan(schema: &Schema, delta: &Delta, state: &GraphState) -> Result<WritePlan, Refusal> {
    let mut checker = Checker {
        schema,
        delta,
        state,
        rules: PropertyRules::new(schema),
        invalid: Vec::new(),
        denied: Vec::new(),
        nodes: HashMap::new(),
        desired: Vec::new(),
        stored: EdgeIndex::new(state.edges.iter().filter(|e| e.superseded_at.is_none())),
    };
    checker.check_nodes();
    checker.check_edges();
    checker.check_membership();
    if !checker.denied.is_empty() {
        return Err(Refusal::Denied(checker.denied));
    }
    let plan = checker.structure();
    if !checker.invalid.is_empty() {
        return Err(Refusal::Invalid(checker.invalid));
    }
    Ok(plan)
}

/// Working state of one check.
struct Checker<'a> {
    schema: &'a Schema,
    delta: &'a Delta,
    state: &'a GraphState,
    rules: PropertyRules<'a>,
    invalid: Vec<String>,
    denied: Vec<String>,
    /// Nodes as they will be after the write (delta nodes and entities whose universe moves).
    nodes: HashMap<Uuid, Node>,
    /// Edges the delta wants current: explicit ones and implicit memberships.
    desired: Vec<Desired>,
    /// The stored current edges, indexed.
    stored: EdgeIndex<'a>,
}

/// An edge the delta wants current, with where it came from.
struct Desired {
    at: String,
    edge: Edge,
}

/// What a node looks like to the checker: the delta's version, or the stored one.
#[derive(Clone, Copy)]
struct Endpoint<'n> {
    node: &'n Node,
}

impl<'a> Checker<'a> {
    fn caller(&self) -> &str {
        self.delta.caller.user_id()
    }

    /// The node `id` as it will be, if it exists and the caller may see it.
    fn endpoint(&self, id: Uuid) -> Option<Endpoint<'_>> {
        if let Some(node) = self.nodes.get(&id) {
            return Some(Endpoint { node });
        }
        self.state
            .nodes
            .get(&id)
            .filter(|n| self.delta.caller.can_see(&n.user_id, n.visibility))
            .map(|node| Endpoint { node })
    }

    /// Stored current edges (supersession is decided in `structure`).
    fn stored_edges(&self) -> impl Iterator<Item = &'a Edge> {
        self.state
            .edges
            .iter()
            .filter(|e| e.superseded_at.is_none())
    }
}

/// The visibility of an edge between two nodes when the caller does not choose: SHARED only
/// when both ends are.
fn joint_visibility(a: Visibility, b: Visibility) -> Visibility {
    if a == Visibility::Shared && b == Visibility::Shared {
        Visibility::Shared
    } else {
        Visibility::Private
    }
}
