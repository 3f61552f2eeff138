//! The advisory locks a delta's transaction takes, bounded in number. PostgreSQL keeps
//! advisory locks in one lock table shared by every database of the server; a delta locking
//! each of 10,000 ids exhausted it and failed other sessions (the job database's included).
//!
//! So a write takes at most [`MAX_ID_LOCKS`] + 1 locks. Every write first takes the *gate*
//! (one fixed lock): a delta touching at most [`MAX_ID_LOCKS`] distinct keys takes it in shared
//! mode and then locks its ids as before (exclusive for what it writes, shared for the far
//! ends of its relations), so ordinary writers run side by side exactly as without a gate; a
//! larger delta takes the gate alone, exclusively, which excludes every other writer for its
//! duration instead of locking each id. Locks are taken gate first, then keys in ascending
//! order, so writers never wait for each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::PgConnection;
use uuid::Uuid;

use super::backend;
use crate::graph::StoreError;
use crate::graph::plan::StateQuery;

/// The most id locks one write takes; a delta touching more ids takes the gate exclusively.
/// The knowledge pipeline's deltas (tens of ids) and the benchmark's (about 175) stay under it.
pub const MAX_ID_LOCKS: usize = 256;

/// The gate's key, in the two-integer key space (apart from the ids' one-integer keys).
const GATE: (i32, i32) = (0x4b47_5754, 1);

/// The locks one write takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockPlan {
    /// Whether the gate is taken in shared mode (ids locked one by one) or exclusively.
    pub gate_shared: bool,
    /// Id keys in ascending order, each with whether it may be shared (empty when the gate is
    /// exclusive).
    pub keys: Vec<(i64, bool)>,
}

impl LockPlan {
    /// The locks of a write of `query`: a key is exclusive when any id mapping to it is
    /// written.
    pub fn of(query: &StateQuery) -> Self {
        let shared: BTreeSet<Uuid> = query.shared_lock_ids.iter().copied().collect();
        let mut keys: BTreeMap<i64, bool> = BTreeMap::new();
        for id in &query.lock_ids {
            let only_read = shared.contains(id);
            keys.entry(lock_key(id))
                .and_modify(|may_share| *may_share &= only_read)
                .or_insert(only_read);
        }
        if keys.len() > MAX_ID_LOCKS {
            return Self {
                gate_shared: false,
                keys: Vec::new(),
            };
        }
        Self {
            gate_shared: true,
            keys: keys.into_iter().collect(),
        }
    }
}

/// Takes the locks of `plan` in `tx`, in one statement: a plain scan of the arrays takes
/// them in order (gate first, as the row without a key).
pub async fn acquire(tx: &mut PgConnection, plan: &LockPlan) -> Result<(), StoreError> {
    let mut keys: Vec<Option<i64>> = vec![None];
    let mut shared = vec![plan.gate_shared];
    for (key, may_share) in &plan.keys {
        keys.push(Some(*key));
        shared.push(*may_share);
    }
    sqlx::query(
        "SELECT CASE WHEN t.k IS NULL AND t.shared THEN pg_advisory_xact_lock_shared($3, $4)
                     WHEN t.k IS NULL THEN pg_advisory_xact_lock($3, $4)
                     WHEN t.shared THEN pg_advisory_xact_lock_shared(t.k)
                     ELSE pg_advisory_xact_lock(t.k) END
           FROM unnest($1::bigint[], $2::bool[]) AS t(k, shared)",
    )
    .bind(&keys)
    .bind(&shared)
    .bind(GATE.0)
    .bind(GATE.1)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// The advisory-lock key of a node id (its first eight bytes).
fn lock_key(id: &Uuid) -> i64 {
    let bytes = id.as_bytes();
    i64::from_be_bytes(bytes[..8].try_into().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(ids: usize, read_only: usize) -> StateQuery {
        let lock_ids: Vec<Uuid> = (0..ids).map(|_| Uuid::new_v4()).collect();
        StateQuery {
            shared_lock_ids: lock_ids[..read_only].to_vec(),
            lock_ids,
            ..StateQuery::default()
        }
    }

    #[test]
    fn small_writes_lock_each_id_in_order_behind_a_shared_gate() {
        let plan = LockPlan::of(&query(MAX_ID_LOCKS, 10));
        assert!(plan.gate_shared);
        assert_eq!(plan.keys.len(), MAX_ID_LOCKS, "plus the gate");
        assert!(plan.keys.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert_eq!(plan.keys.iter().filter(|(_, shared)| *shared).count(), 10);
    }

    #[test]
    fn a_write_of_ten_thousand_ids_takes_one_exclusive_gate_lock() {
        let plan = LockPlan::of(&query(10_000, 5_000));
        assert!(!plan.gate_shared);
        assert!(plan.keys.is_empty(), "the gate alone");
    }

    #[test]
    fn a_key_is_shared_only_when_every_id_on_it_is_only_read() {
        let id = Uuid::new_v4();
        let plan = LockPlan::of(&StateQuery {
            lock_ids: vec![id, id],
            shared_lock_ids: vec![id],
            ..StateQuery::default()
        });
        assert_eq!(plan.keys, vec![(lock_key(&id), true)]);
        let written = LockPlan::of(&StateQuery {
            lock_ids: vec![id],
            ..StateQuery::default()
        });
        assert_eq!(written.keys, vec![(lock_key(&id), false)]);
    }
}
