//! Edges indexed by the endpoints the rules look them up by (the endpoint pair, the source,
//! the target), so each lookup is a hash probe instead of a scan of every edge: a check costs
//! time in proportion to the delta and the state it loaded, not their product. Lists keep
//! the order the edges were given in, so "the first parent" means what a scan would find.

use std::collections::HashMap;

use uuid::Uuid;

use crate::graph::model::Edge;

/// Edges by endpoint pair, by source and by target.
#[derive(Default)]
pub(super) struct EdgeIndex<'e> {
    /// By (from, to): the few labels between two nodes are then compared.
    by_pair: HashMap<(Uuid, Uuid), Vec<&'e Edge>>,
    by_from: HashMap<Uuid, Vec<&'e Edge>>,
    by_to: HashMap<Uuid, Vec<&'e Edge>>,
}

impl<'e> EdgeIndex<'e> {
    /// Indexes `edges`.
    pub(super) fn new(edges: impl IntoIterator<Item = &'e Edge>) -> Self {
        let mut index = Self::default();
        for edge in edges {
            index
                .by_pair
                .entry((edge.from_id, edge.to_id))
                .or_default()
                .push(edge);
            index.by_from.entry(edge.from_id).or_default().push(edge);
            index.by_to.entry(edge.to_id).or_default().push(edge);
        }
        index
    }

    /// The edges `from` -`label`-> `to` (of any owner).
    pub(super) fn triple<'s>(
        &'s self,
        from: Uuid,
        label: &'s str,
        to: Uuid,
    ) -> impl Iterator<Item = &'e Edge> + 's {
        self.by_pair
            .get(&(from, to))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |e| e.label == label)
    }

    /// The edges leaving `id`.
    pub(super) fn leaving(&self, id: Uuid) -> &[&'e Edge] {
        self.by_from.get(&id).map_or(&[], Vec::as_slice)
    }

    /// The edges entering `id`.
    pub(super) fn entering(&self, id: Uuid) -> &[&'e Edge] {
        self.by_to.get(&id).map_or(&[], Vec::as_slice)
    }
}
