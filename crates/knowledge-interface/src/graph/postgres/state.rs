//! Loads the state a delta check needs: the nodes it names, the structural edges around
//! them (memberships, root blocks, block parents), the caller's current edges for the
//! delta's triples, and the parent chains above blocks that get children (cycle checks).

use std::collections::HashSet;

use sqlx::PgConnection;
use uuid::Uuid;

use super::backend;
use super::rows::{self, EDGE_COLUMNS, NODE_COLUMNS};
use crate::graph::StoreError;
use crate::graph::plan::{GraphState, StateQuery};

/// Reads the state for `query` on `connection` (inside or outside a transaction).
pub async fn load(
    connection: &mut PgConnection,
    query: &StateQuery,
) -> Result<GraphState, StoreError> {
    let node_rows = sqlx::query(&format!(
        "SELECT {NODE_COLUMNS} FROM kg_nodes n WHERE n.id = ANY($1)"
    ))
    .bind(&query.node_ids)
    .fetch_all(&mut *connection)
    .await
    .map_err(backend)?;
    let mut state = GraphState::default();
    for row in &node_rows {
        let node = rows::node(row)?;
        state.nodes.insert(node.id, node);
    }
    let (froms, (labels, tos)): (Vec<Uuid>, (Vec<String>, Vec<Uuid>)) = query
        .triples
        .iter()
        .map(|(from, label, to)| (*from, (label.clone(), *to)))
        .unzip();
    let edge_rows = sqlx::query(&format!(
        "SELECT {EDGE_COLUMNS} FROM kg_edges e
          WHERE e.superseded_at IS NULL AND (
                (e.from_id = ANY($1) AND e.label IN ('IS_PART_OF', 'DESCRIBED_BY'))
             OR (e.to_id = ANY($1) AND e.label IN ('DESCRIBED_BY', 'SUMMARIZES'))
             OR (e.user_id = $2 AND (e.from_id, e.label, e.to_id) IN
                    (SELECT * FROM unnest($3::uuid[], $4::text[], $5::uuid[]))))
         UNION
         SELECT {EDGE_COLUMNS} FROM kg_edges e
          WHERE e.superseded_at IS NULL AND e.label IN ('DESCRIBED_BY', 'SUMMARIZES')
            AND e.to_id IN (
                WITH RECURSIVE up(node_id, depth) AS (
                    SELECT id, 0 FROM unnest($6::uuid[]) id
                    UNION
                    SELECT p.from_id, up.depth + 1 FROM up
                      JOIN kg_edges p ON p.to_id = up.node_id AND p.label = 'SUMMARIZES'
                                     AND p.superseded_at IS NULL
                     WHERE up.depth < 1024)
                SELECT node_id FROM up)"
    ))
    .bind(&query.structure_of)
    .bind(&query.owner)
    .bind(&froms)
    .bind(&labels)
    .bind(&tos)
    .bind(&query.ancestry_of)
    .fetch_all(&mut *connection)
    .await
    .map_err(backend)?;
    let mut seen = HashSet::new();
    for row in &edge_rows {
        let edge = rows::edge(row)?;
        if seen.insert(edge.id) {
            state.edges.push(edge);
        }
    }
    Ok(state)
}
