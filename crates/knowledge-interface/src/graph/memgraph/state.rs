//! Loads the state a delta check needs from Memgraph, inside the caller's transaction: the
//! nodes it names, the structural edges around them (memberships, root blocks, block
//! parents), the owner's current edges for the delta's triples, and the parent edges of every
//! block above the blocks that get children (cycle checks).

use std::collections::HashSet;

use neo4rs::{BoltType, Txn, query};
use uuid::Uuid;

use super::records::{self, EDGE, fetch_in, ids, map};
use crate::graph::StoreError;
use crate::graph::plan::{GraphState, StateQuery};

/// How far up a block tree the ancestry walk goes (as the check's cycle limit).
const MAX_DEPTH: usize = 1024;

/// Reads the state for `request` in `txn`.
pub async fn load(txn: &mut Txn, request: &StateQuery) -> Result<GraphState, StoreError> {
    let mut state = GraphState::default();
    let found = fetch_in(
        txn,
        query("UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN properties(n) AS n")
            .param("ids", ids(&request.node_ids)),
    )
    .await?;
    for row in &found {
        let node = records::node(row, "n")?;
        state.nodes.insert(node.id, node);
    }
    let mut rows = fetch_in(
        txn,
        query(&format!(
            "UNWIND $ids AS id
             MATCH (:Node {{id: id}})-[e:IS_PART_OF|DESCRIBED_BY]->(:Node)
             WHERE e.superseded_at IS NULL
             RETURN {EDGE}"
        ))
        .param("ids", ids(&request.structure_of)),
    )
    .await?;
    let mut parents_of = ids(&request.structure_of);
    if !request.ancestry_of.is_empty() {
        // Every block above the given ones along current SUMMARIZES edges.
        let above = fetch_in(
            txn,
            query(&format!(
                "UNWIND $ids AS id
                 MATCH p = (up:Node)-[:SUMMARIZES*1..{MAX_DEPTH}]->(:Node {{id: id}})
                 WHERE all(r IN relationships(p) WHERE r.superseded_at IS NULL)
                 RETURN DISTINCT up.id AS id"
            ))
            .param("ids", ids(&request.ancestry_of)),
        )
        .await?;
        parents_of.extend(ids(&request.ancestry_of));
        for row in &above {
            parents_of.push(records::column(row, "id")?);
        }
    }
    rows.extend(
        fetch_in(
            txn,
            query(&format!(
                "UNWIND $ids AS id
                 MATCH (:Node)-[e:DESCRIBED_BY|SUMMARIZES]->(:Node {{id: id}})
                 WHERE e.superseded_at IS NULL
                 RETURN {EDGE}"
            ))
            .param("ids", parents_of),
        )
        .await?,
    );
    if !request.triples.is_empty() {
        let triples: Vec<BoltType> = request
            .triples
            .iter()
            .map(|(from, label, to)| {
                map(vec![
                    ("from", from.to_string().into()),
                    ("label", label.as_str().into()),
                    ("to", to.to_string().into()),
                ])
            })
            .collect();
        rows.extend(
            fetch_in(
                txn,
                query(&format!(
                    "UNWIND $triples AS t
                     MATCH (:Node {{id: t.from}})-[e]->(:Node {{id: t.to}})
                     WHERE type(e) = t.label AND e.user_id = $owner AND e.superseded_at IS NULL
                     RETURN {EDGE}"
                ))
                .param("triples", triples)
                .param("owner", request.owner.as_str()),
            )
            .await?,
        );
    }
    let mut seen: HashSet<Uuid> = HashSet::new();
    for row in &rows {
        let edge = records::edge(row)?;
        if seen.insert(edge.id) {
            state.edges.push(edge);
        }
    }
    Ok(state)
}
