//! Applies a delta in one Memgraph transaction: take write locks on the ids it touches,
//! reload the state, let the check produce the plan, then write nodes, replaced provenance,
//! supersessions, new edges, listing counters, vector work and the init marker with batched
//! `UNWIND` statements.
//!
//! Memgraph has no advisory locks. Its snapshot isolation aborts a transaction that writes
//! an object another transaction changed after it started, so a writer "locks" an id by
//! writing to it first: it bumps `_lock` on the node, or on a `:WriteLock {id}` placeholder
//! when the node does not exist yet (unique on `id`, so two writers creating it collide at
//! commit). A second writer touching the same ids fails with a conflict, which the caller
//! retries against the new state.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use neo4rs::{BoltType, Graph, Txn, query};
use uuid::Uuid;

use super::records::{self, edge_props, fetch_in, ids, kind_label, label, map, node_props};
use super::{error, outbox, state};
use crate::delta::Refusal;
use crate::graph::model::{Edge, Node};
use crate::graph::plan::{GraphState, SourceUpdate, StateQuery, WritePlan, run_check};
use crate::graph::{Applied, StoreError, WriteOutcome};

/// How deep the walk from a changed block up to the entity heading its tree goes.
const MAX_DEPTH: usize = 1025;

/// Runs the locked check-and-write transaction.
pub async fn write<F>(
    graph: &Graph,
    request: &StateQuery,
    check: F,
) -> Result<WriteOutcome, StoreError>
where
    F: FnOnce(&GraphState) -> Result<WritePlan, Refusal> + Send + 'static,
{
    let mut txn = graph.start_txn().await.map_err(error)?;
    lock(&mut txn, &request.lock_ids).await?;
    let (state, checked) = run_check(check, state::load(&mut txn, request).await?).await?;
    let plan = match checked {
        Ok(plan) if !plan.is_empty() => plan,
        Ok(_) => {
            txn.rollback().await.map_err(error)?;
            return Ok(Ok(Applied::default()));
        }
        Err(refusal) => {
            txn.rollback().await.map_err(error)?;
            return Ok(Err(refusal));
        }
    };
    apply(&mut txn, &state, &plan).await?;
    txn.commit().await.map_err(error)?;
    Ok(Ok(Applied {
        counts: plan.counts,
        vector_work: plan.vector_work,
    }))
}

/// Touches every id so concurrent writers of the same ids conflict.
async fn lock(txn: &mut Txn, lock_ids: &[Uuid]) -> Result<(), StoreError> {
    if lock_ids.is_empty() {
        return Ok(());
    }
    let present = fetch_in(
        txn,
        query(
            "UNWIND $ids AS id MATCH (n:Node {id: id})
             SET n._lock = coalesce(n._lock, 0) + 1
             RETURN n.id AS id",
        )
        .param("ids", ids(lock_ids)),
    )
    .await?;
    let present: HashSet<String> = present
        .iter()
        .map(|row| records::column(row, "id"))
        .collect::<Result<_, _>>()?;
    let missing: Vec<String> = ids(lock_ids)
        .into_iter()
        .filter(|id| !present.contains(id))
        .collect();
    if !missing.is_empty() {
        txn.run(
            query(
                "UNWIND $ids AS id MERGE (l:WriteLock {id: id})
                 SET l._lock = coalesce(l._lock, 0) + 1",
            )
            .param("ids", missing),
        )
        .await
        .map_err(error)?;
    }
    Ok(())
}

async fn apply(txn: &mut Txn, state: &GraphState, plan: &WritePlan) -> Result<(), StoreError> {
    let now = Utc::now();
    let stamp = records::time(&now);
    upsert_nodes(txn, &plan.nodes, &stamp).await?;
    replace_sources(txn, state, plan).await?;
    let mut touched: Vec<Uuid> = plan.nodes.iter().map(|n| n.id).collect();
    touched.extend(supersede(txn, state, &plan.superseded, &stamp).await?);
    insert_edges(txn, &plan.new_edges, &stamp).await?;
    touched.extend(plan.new_edges.iter().flat_map(|e| [e.from_id, e.to_id]));
    touched.sort_unstable();
    touched.dedup();
    refresh_counters(txn, &touched).await?;
    outbox::enqueue(txn, &plan.vector_work, now).await?;
    if let Some(marker) = &plan.marker {
        txn.run(
            query(
                "MERGE (m:GraphInitialization {user_id: $user_id})
                 ON CREATE SET m.person_entity_id = $person, m.assistant_entity_id = $assistant,
                               m.visibility = 'SHARED', m.created_at = $now",
            )
            .param("user_id", marker.user_id.as_str())
            .param("person", marker.person_entity_id.to_string())
            .param("assistant", marker.assistant_entity_id.to_string())
            .param("now", stamp.as_str()),
        )
        .await
        .map_err(error)?;
    }
    Ok(())
}

/// Upserts nodes, one statement per family (labels cannot be parameters).
async fn upsert_nodes(txn: &mut Txn, nodes: &[Node], stamp: &str) -> Result<(), StoreError> {
    let mut by_label: BTreeMap<&str, Vec<BoltType>> = BTreeMap::new();
    for node in nodes {
        by_label
            .entry(kind_label(node.kind))
            .or_default()
            .push(map(vec![
                ("id", node.id.to_string().into()),
                ("props", node_props(node)),
            ]));
    }
    for (label, rows) in by_label {
        // `+=` with a null value removes the property (a name or universe that went away).
        txn.run(
            query(&format!(
                "UNWIND $rows AS row
                 MERGE (n:Node {{id: row.id}})
                 ON CREATE SET n.created_at = $now
                 SET n:{label}, n += row.props, n.updated_at = $now"
            ))
            .param("rows", rows)
            .param("now", stamp),
        )
        .await
        .map_err(error)?;
    }
    Ok(())
}

/// Replaces the provenance of unchanged nodes and current edges, leaving everything else,
/// `updated_at` included, as it is. Edges are matched from their endpoints, as the state the
/// plan was checked against holds them.
async fn replace_sources(
    txn: &mut Txn,
    state: &GraphState,
    plan: &WritePlan,
) -> Result<(), StoreError> {
    let row = |update: &SourceUpdate, extra: Vec<(&str, BoltType)>| {
        let mut entries = vec![
            ("id", update.id.to_string().into()),
            ("source", records::json(&update.source).into()),
        ];
        entries.extend(extra);
        map(entries)
    };
    if !plan.node_sources.is_empty() {
        let rows: Vec<BoltType> = plan.node_sources.iter().map(|u| row(u, vec![])).collect();
        txn.run(
            query(
                "UNWIND $rows AS row MATCH (n:Node {id: row.id})
                 SET n.source = row.source",
            )
            .param("rows", rows),
        )
        .await
        .map_err(error)?;
    }
    let known: HashMap<Uuid, &Edge> = state.edges.iter().map(|e| (e.id, e)).collect();
    let mut by_label: BTreeMap<&str, Vec<BoltType>> = BTreeMap::new();
    for update in &plan.edge_sources {
        let edge = known.get(&update.id).ok_or_else(|| {
            StoreError::Backend(format!("edge {} is not in the checked state", update.id))
        })?;
        by_label.entry(label(&edge.label)?).or_default().push(row(
            update,
            vec![
                ("from", edge.from_id.to_string().into()),
                ("to", edge.to_id.to_string().into()),
            ],
        ));
    }
    for (label, rows) in by_label {
        txn.run(
            query(&format!(
                "UNWIND $rows AS row
                 MATCH (:Node {{id: row.from}})-[e:{label}]->(:Node {{id: row.to}})
                 WHERE e.claim_id = row.id AND e.superseded_at IS NULL
                 SET e.source = row.source"
            ))
            .param("rows", rows),
        )
        .await
        .map_err(error)?;
    }
    Ok(())
}

/// Marks current edges as superseded; returns their endpoints. Edges from the state the
/// plan was checked against are matched from their endpoints (indexed); any other id falls
/// back to a scan by claim id.
async fn supersede(
    txn: &mut Txn,
    state: &GraphState,
    superseded: &[(Uuid, Option<Uuid>)],
    stamp: &str,
) -> Result<Vec<Uuid>, StoreError> {
    let known: HashMap<Uuid, &Edge> = state.edges.iter().map(|e| (e.id, e)).collect();
    let mut by_label: BTreeMap<&str, Vec<BoltType>> = BTreeMap::new();
    let mut unknown: Vec<BoltType> = Vec::new();
    let mut ends = Vec::new();
    for (old, by) in superseded {
        let row = |edge: Option<&Edge>| {
            let mut entries = vec![
                ("id", old.to_string().into()),
                ("by", by.map(|b| b.to_string()).into()),
            ];
            if let Some(edge) = edge {
                entries.push(("from", edge.from_id.to_string().into()));
                entries.push(("to", edge.to_id.to_string().into()));
            }
            map(entries)
        };
        match known.get(old) {
            Some(edge) => {
                ends.extend([edge.from_id, edge.to_id]);
                by_label
                    .entry(label(&edge.label)?)
                    .or_default()
                    .push(row(Some(edge)));
            }
            None => unknown.push(row(None)),
        }
    }
    for (label, rows) in by_label {
        txn.run(
            query(&format!(
                "UNWIND $rows AS row
                 MATCH (:Node {{id: row.from}})-[e:{label}]->(:Node {{id: row.to}})
                 WHERE e.claim_id = row.id AND e.superseded_at IS NULL
                 SET e.superseded_at = $now, e.superseded_by = row.by"
            ))
            .param("rows", rows)
            .param("now", stamp),
        )
        .await
        .map_err(error)?;
    }
    if !unknown.is_empty() {
        let found = fetch_in(
            txn,
            query(
                "UNWIND $rows AS row
                 MATCH (a:Node)-[e]->(b:Node)
                 WHERE e.claim_id = row.id AND e.superseded_at IS NULL
                 SET e.superseded_at = $now, e.superseded_by = row.by
                 RETURN a.id AS from_id, b.id AS to_id",
            )
            .param("rows", unknown)
            .param("now", stamp),
        )
        .await?;
        for row in &found {
            for end in ["from_id", "to_id"] {
                ends.push(records::uuid(&records::column::<String>(row, end)?)?);
            }
        }
    }
    Ok(ends)
}

/// Creates new edges, one statement per label; MERGE on the claim id keeps a repeated plan
/// from doubling them.
async fn insert_edges(txn: &mut Txn, edges: &[Edge], stamp: &str) -> Result<(), StoreError> {
    let mut by_label: BTreeMap<&str, Vec<BoltType>> = BTreeMap::new();
    for edge in edges {
        by_label
            .entry(label(&edge.label)?)
            .or_default()
            .push(map(vec![
                ("id", edge.id.to_string().into()),
                ("from", edge.from_id.to_string().into()),
                ("to", edge.to_id.to_string().into()),
                ("props", edge_props(edge)),
            ]));
    }
    for (label, rows) in by_label {
        let expected = rows.len() as i64;
        let written = fetch_in(
            txn,
            query(&format!(
                "UNWIND $rows AS row
                 MATCH (a:Node {{id: row.from}}), (b:Node {{id: row.to}})
                 MERGE (a)-[e:{label} {{claim_id: row.id}}]->(b)
                 ON CREATE SET e += row.props, e.created_at = $now
                 RETURN count(e) AS written"
            ))
            .param("rows", rows)
            .param("now", stamp),
        )
        .await?;
        let written: i64 = match written.first() {
            Some(row) => records::column(row, "written")?,
            None => 0,
        };
        if written != expected {
            return Err(StoreError::Backend(format!(
                "{label}: {written} of {expected} edges written (an endpoint is missing)"
            )));
        }
    }
    Ok(())
}

/// Recomputes block counts and degrees of the touched entities and of the entities heading
/// the trees the touched blocks are in.
async fn refresh_counters(txn: &mut Txn, touched: &[Uuid]) -> Result<(), StoreError> {
    if touched.is_empty() {
        return Ok(());
    }
    let heads = fetch_in(
        txn,
        query(&format!(
            "UNWIND $ids AS id
             MATCH (t:Node {{id: id}})
             OPTIONAL MATCH p = (head:Entity)-[:DESCRIBED_BY|SUMMARIZES*1..{MAX_DEPTH}]->(t)
             WHERE all(r IN relationships(p) WHERE r.superseded_at IS NULL)
             RETURN CASE WHEN t.kind = 'entity' THEN t.id END AS own, collect(head.id) AS heads"
        ))
        .param("ids", ids(touched)),
    )
    .await?;
    let mut entities: Vec<String> = Vec::new();
    for row in &heads {
        entities.extend(records::column::<Option<String>>(row, "own")?);
        entities.extend(records::column::<Vec<String>>(row, "heads")?);
    }
    entities.sort_unstable();
    entities.dedup();
    if entities.is_empty() {
        return Ok(());
    }
    txn.run(
        query(&format!(
            "UNWIND $ids AS id
             MATCH (n:Node {{id: id}})
             OPTIONAL MATCH p = (n)-[:DESCRIBED_BY|SUMMARIZES*1..{MAX_DEPTH}]->(b:Block)
             WHERE all(r IN relationships(p) WHERE r.superseded_at IS NULL)
             WITH n, count(DISTINCT b) AS blocks
             OPTIONAL MATCH (n)-[r]-(:Node)
             WHERE r.superseded_at IS NULL
               AND NOT type(r) IN ['DESCRIBED_BY', 'SUMMARIZES', 'IS_PART_OF']
             WITH n, blocks, count(r) AS degree
             SET n.block_count = blocks, n.degree = degree"
        ))
        .param("ids", entities),
    )
    .await
    .map_err(error)?;
    Ok(())
}
