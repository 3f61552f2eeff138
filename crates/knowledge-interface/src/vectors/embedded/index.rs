//! The in-memory index of one collection: every live point's vector, partitioned by who may
//! see it, so a search costs what its caller may see. A PRIVATE point lives in its owner's
//! partition, a SHARED one in the single shared partition; a caller's search scans its own
//! partition plus the shared one (each point in exactly one, so nothing needs de-duplicating),
//! and a search for everyone scans them all. The index holds no payloads (they stay in
//! PostgreSQL) and knows nothing of SQL: it is fed [`Change`]s in sequence order.

use std::collections::HashMap;

use uuid::Uuid;

use super::scan::{Probe, Rows, top_k};
use crate::access::{Viewer, Visibility};

/// One row of the change stream.
#[derive(Debug)]
pub(crate) enum Change {
    /// The point's latest version.
    Upsert {
        /// Position in the stream.
        seq: i64,
        /// Point id.
        id: Uuid,
        /// Owner.
        user_id: String,
        /// Visibility.
        visibility: Visibility,
        /// Unit vector of the collection's dimension.
        vector: Vec<f32>,
    },
    /// The point was deleted (a tombstone).
    Delete {
        /// Position in the stream.
        seq: i64,
        /// Point id.
        id: Uuid,
    },
}

impl Change {
    fn seq(&self) -> i64 {
        match self {
            Change::Upsert { seq, .. } | Change::Delete { seq, .. } => *seq,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PartitionKey {
    Shared,
    Private(String),
}

/// The points of one collection generation, current up to [`Index::last_seq`].
#[derive(Debug)]
pub(crate) struct Index {
    generation: i64,
    dims: usize,
    last_seq: i64,
    keys: HashMap<PartitionKey, u32>,
    partitions: Vec<Rows>,
    /// Where each live point is: (partition, slot).
    locations: HashMap<Uuid, (u32, u32)>,
}

impl Index {
    /// An empty index of a collection generation.
    pub(crate) fn new(generation: i64, dims: usize) -> Self {
        Self {
            generation,
            dims,
            last_seq: 0,
            keys: HashMap::new(),
            partitions: Vec::new(),
            locations: HashMap::new(),
        }
    }

    /// The collection generation this index was loaded for.
    pub(crate) fn generation(&self) -> i64 {
        self.generation
    }

    /// Vector length.
    pub(crate) fn dims(&self) -> usize {
        self.dims
    }

    /// The last change applied.
    pub(crate) fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// Applies a change unless it is not newer than the last one applied (two refreshes that
    /// raced may both deliver it).
    pub(crate) fn apply(&mut self, change: Change) {
        let seq = change.seq();
        if seq <= self.last_seq {
            return;
        }
        self.last_seq = seq;
        match change {
            Change::Delete { id, .. } => {
                if let Some(location) = self.locations.remove(&id) {
                    self.remove(location);
                }
            }
            Change::Upsert {
                id,
                user_id,
                visibility,
                vector,
                ..
            } => {
                if vector.len() != self.dims {
                    tracing::warn!(point_id = %id, len = vector.len(), dims = self.dims, "vector of the wrong length skipped");
                    return;
                }
                let key = match visibility {
                    Visibility::Shared => PartitionKey::Shared,
                    Visibility::Private => PartitionKey::Private(user_id),
                };
                let partition = self.partition(key);
                match self.locations.get(&id).copied() {
                    Some((current, slot)) if current == partition => {
                        self.partitions[current as usize].set(slot as usize, &vector);
                    }
                    previous => {
                        if let Some(location) = previous {
                            self.remove(location);
                        }
                        let slot = self.partitions[partition as usize].push(id, &vector);
                        self.locations.insert(id, (partition, slot as u32));
                    }
                }
            }
        }
    }

    /// How many points a search for `viewer` (everyone when `None`) scans.
    pub(crate) fn visible_len(&self, viewer: Option<&Viewer>) -> usize {
        self.visible(viewer).iter().map(|rows| rows.len()).sum()
    }

    /// The `k` points `viewer` may see that are most similar to `probe`, best first, ties
    /// by id.
    pub(crate) fn search(
        &self,
        probe: &Probe,
        viewer: Option<&Viewer>,
        k: usize,
    ) -> Vec<(Uuid, f32)> {
        top_k(&self.visible(viewer), probe, k)
    }

    fn visible(&self, viewer: Option<&Viewer>) -> Vec<&Rows> {
        let Some(viewer) = viewer else {
            return self.partitions.iter().collect();
        };
        [
            PartitionKey::Private(viewer.user_id().to_owned()),
            PartitionKey::Shared,
        ]
        .iter()
        .filter_map(|key| self.keys.get(key))
        .map(|&partition| &self.partitions[partition as usize])
        .collect()
    }

    fn partition(&mut self, key: PartitionKey) -> u32 {
        if let Some(&partition) = self.keys.get(&key) {
            return partition;
        }
        let partition = self.partitions.len() as u32;
        self.partitions.push(Rows::new(self.dims));
        self.keys.insert(key, partition);
        partition
    }

    fn remove(&mut self, (partition, slot): (u32, u32)) {
        if let Some(moved) = self.partitions[partition as usize].swap_remove(slot as usize) {
            self.locations.insert(moved, (partition, slot));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upsert(seq: i64, id: u128, owner: &str, visibility: Visibility, vector: [f32; 2]) -> Change {
        Change::Upsert {
            seq,
            id: Uuid::from_u128(id),
            user_id: owner.into(),
            visibility,
            vector: vector.to_vec(),
        }
    }

    fn ids(index: &Index, viewer: Option<&Viewer>) -> Vec<u128> {
        let probe = Probe::new(vec![1.0, 0.0]);
        index
            .search(&probe, viewer, 10)
            .iter()
            .map(|(id, _)| id.as_u128())
            .collect()
    }

    #[test]
    fn a_caller_scans_its_own_partition_and_the_shared_one() {
        let mut index = Index::new(1, 2);
        index.apply(upsert(1, 1, "ann", Visibility::Private, [1.0, 0.0]));
        index.apply(upsert(2, 2, "bob", Visibility::Private, [1.0, 0.0]));
        index.apply(upsert(3, 3, "bob", Visibility::Shared, [0.0, 1.0]));
        let ann = Viewer::new("ann").expect("viewer");
        assert_eq!(ids(&index, Some(&ann)), vec![1, 3]);
        assert_eq!(index.visible_len(Some(&ann)), 2);
        assert_eq!(ids(&index, None), vec![1, 2, 3]);
    }

    #[test]
    fn a_visibility_change_moves_the_point_and_stale_changes_are_ignored() {
        let mut index = Index::new(1, 2);
        index.apply(upsert(5, 1, "ann", Visibility::Private, [1.0, 0.0]));
        index.apply(upsert(6, 2, "ann", Visibility::Private, [0.0, 1.0]));
        index.apply(upsert(7, 1, "ann", Visibility::Shared, [1.0, 0.0]));
        index.apply(upsert(4, 1, "ann", Visibility::Private, [1.0, 0.0]));
        let bob = Viewer::new("bob").expect("viewer");
        assert_eq!(ids(&index, Some(&bob)), vec![1]);
        index.apply(Change::Delete {
            seq: 8,
            id: Uuid::from_u128(1),
        });
        index.apply(Change::Delete {
            seq: 9,
            id: Uuid::from_u128(42),
        });
        assert_eq!(ids(&index, None), vec![2]);
        assert_eq!(index.last_seq(), 9);
    }
}
