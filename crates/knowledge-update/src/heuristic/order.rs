//! The order of the sentences the entities are named in: the transcript's, rebuilt from the
//! entities' own lists (each in transcript order) so that relations are read in the order the
//! person spoke.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::{Entity, Sentence};

/// The sentences of all entities, each once with the entities naming it, in transcript
/// order: by message sequence, and within a message in the order the entities' own lists give
/// (a topological merge; ties and contradictions go by first discovery).
pub(super) fn sentence_order(entities: &[Entity]) -> Vec<(&Sentence, Vec<usize>)> {
    let mut ids: HashMap<(i64, &str), usize> = HashMap::new();
    let mut nodes: Vec<(&Sentence, Vec<usize>)> = Vec::new();
    let mut next: Vec<Vec<usize>> = Vec::new();
    let mut indegree: Vec<usize> = Vec::new();
    for (e, entity) in entities.iter().enumerate() {
        let mut previous: Option<usize> = None;
        for s in &entity.sentences {
            let id = *ids.entry((s.sequence, s.text.as_str())).or_insert_with(|| {
                nodes.push((s, Vec::new()));
                next.push(Vec::new());
                indegree.push(0);
                nodes.len() - 1
            });
            if !nodes[id].1.contains(&e) {
                nodes[id].1.push(e);
            }
            if let Some(p) = previous.filter(|&p| p != id) {
                next[p].push(id);
                indegree[id] += 1;
            }
            previous = Some(id);
        }
    }
    let by_position: Vec<usize> = {
        let mut all: Vec<usize> = (0..nodes.len()).collect();
        all.sort_by_key(|&i| (nodes[i].0.sequence, i));
        all
    };
    let mut queued = vec![false; nodes.len()];
    let mut heap: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
    let mut order = Vec::with_capacity(nodes.len());
    for (id, &degree) in indegree.iter().enumerate() {
        if degree == 0 {
            queued[id] = true;
            heap.push(Reverse((nodes[id].0.sequence, id)));
        }
    }
    let mut cursor = 0;
    loop {
        while let Some(Reverse((_, id))) = heap.pop() {
            order.push(id);
            for &s in &next[id] {
                indegree[s] = indegree[s].saturating_sub(1);
                if indegree[s] == 0 && !queued[s] {
                    queued[s] = true;
                    heap.push(Reverse((nodes[s].0.sequence, s)));
                }
            }
        }
        // Nothing is free but sentences remain: two entities' lists contradict each other;
        // go on with the earliest sentence not yet taken.
        while cursor < by_position.len() && queued[by_position[cursor]] {
            cursor += 1;
        }
        let Some(&id) = by_position.get(cursor) else {
            break;
        };
        queued[id] = true;
        heap.push(Reverse((nodes[id].0.sequence, id)));
    }
    let mut nodes: Vec<Option<(&Sentence, Vec<usize>)>> = nodes.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|id| nodes[id].take())
        .collect()
}
