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
    // Every branch looks edges up per id (a LATERAL index probe); an OR of the branches was a
    // scan of the whole edge table.
    let edge_rows = sqlx::query(&format!(
        "SELECT {EDGE_COLUMNS} FROM unnest($1::uuid[]) AS i(id) CROSS JOIN LATERAL (
             SELECT * FROM kg_edges x
              WHERE x.superseded_at IS NULL AND x.from_id = i.id
                AND x.label IN ('IS_PART_OF', 'DESCRIBED_BY')) e
         UNION ALL
         SELECT {EDGE_COLUMNS} FROM unnest($1::uuid[]) AS i(id) CROSS JOIN LATERAL (
             SELECT * FROM kg_edges x
              WHERE x.superseded_at IS NULL AND x.to_id = i.id
                AND x.label IN ('DESCRIBED_BY', 'SUMMARIZES')) e
         UNION ALL
         SELECT {EDGE_COLUMNS} FROM unnest($3::uuid[], $4::text[], $5::uuid[]) AS t(f, l, t)
         CROSS JOIN LATERAL (
             SELECT * FROM kg_edges x
              WHERE x.superseded_at IS NULL AND x.from_id = t.f AND x.label = t.l
                AND x.user_id = $2
                -- not `=`: that lets the planner probe the (to_id, label) index, which walks
                -- every edge into a hub such as Real World
                AND x.to_id IS NOT DISTINCT FROM t.t) e
         UNION ALL
         SELECT {EDGE_COLUMNS} FROM (
             WITH RECURSIVE up(node_id, depth) AS (
                 SELECT id, 0 FROM unnest($6::uuid[]) id
                 UNION
                 SELECT p.from_id, up.depth + 1 FROM up CROSS JOIN LATERAL (
                     SELECT x.from_id FROM kg_edges x
                      WHERE x.to_id = up.node_id AND x.label = 'SUMMARIZES'
                        AND x.superseded_at IS NULL) p
                  WHERE up.depth < 1024)
             SELECT DISTINCT node_id FROM up) a
         CROSS JOIN LATERAL (
             SELECT * FROM kg_edges x
              WHERE x.superseded_at IS NULL AND x.to_id = a.node_id
                AND x.label IN ('DESCRIBED_BY', 'SUMMARIZES')) e"
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
