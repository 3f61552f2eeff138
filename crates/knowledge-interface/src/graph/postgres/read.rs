//! Reads with visibility applied: nodes by id, block trees (bounded recursive walk from the
//! root block), neighbours with or without history, root-block texts, where blocks sit,
//! universes and init markers. A record is visible when the viewer owns it or it is SHARED.

use std::collections::HashSet;

use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::backend;
use super::rows::{self, EDGE_COLUMNS, NODE_COLUMNS};
use crate::access::Viewer;
use crate::graph::StoreError;
use crate::graph::model::Node;
use crate::graph::plan::InitMarker;
use crate::graph::reads::{
    BlockRoot, Neighbor, TreeBlock, UniverseSummary, endpoints, pair_neighbors,
};

/// Visible nodes by id.
pub async fn nodes(pool: &PgPool, viewer: &Viewer, ids: &[Uuid]) -> Result<Vec<Node>, StoreError> {
    let found = sqlx::query(&format!(
        "SELECT {NODE_COLUMNS} FROM kg_nodes n
          WHERE n.id = ANY($1) AND (n.user_id = $2 OR n.visibility = 'SHARED')"
    ))
    .bind(ids)
    .bind(viewer.user_id())
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    found.iter().map(rows::node).collect()
}

/// The visible block tree under `owner_id`'s root block, to `max_level`, at most `limit`
/// blocks. The walk goes level by level and stops once `limit` blocks are found (the limit
/// sits on the walk, not after a sort), so the shallowest blocks are kept and a wide tree
/// is not read whole.
pub async fn block_tree(
    pool: &PgPool,
    viewer: &Viewer,
    owner_id: Uuid,
    max_level: u32,
    limit: usize,
) -> Result<Vec<TreeBlock>, StoreError> {
    let found = sqlx::query(&format!(
        "WITH RECURSIVE tree(id, level, parent) AS (
             SELECT e.to_id, 0, NULL::uuid FROM kg_edges e
               JOIN kg_nodes b ON b.id = e.to_id AND (b.user_id = $2 OR b.visibility = 'SHARED')
              WHERE e.from_id = $1 AND e.label = 'DESCRIBED_BY' AND e.superseded_at IS NULL
             UNION ALL
             SELECT e.to_id, t.level + 1, t.id FROM tree t CROSS JOIN LATERAL (
                 SELECT x.to_id FROM kg_edges x
                  WHERE x.from_id = t.id AND x.label = 'SUMMARIZES'
                    AND x.superseded_at IS NULL) e
               JOIN kg_nodes b ON b.id = e.to_id AND (b.user_id = $2 OR b.visibility = 'SHARED')
              WHERE t.level < $3),
         kept AS (SELECT * FROM tree LIMIT $4)
         SELECT {NODE_COLUMNS}, t.level, t.parent FROM kept t JOIN kg_nodes n ON n.id = t.id
          ORDER BY t.level, n.id"
    ))
    .bind(owner_id)
    .bind(viewer.user_id())
    .bind(max_level as i32)
    .bind(limit as i64)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    found
        .iter()
        .map(|row| {
            Ok(TreeBlock {
                node: rows::node(row)?,
                level: row.try_get::<i32, _>("level").map_err(backend)? as u32,
                parent_block_id: row.try_get("parent").map_err(backend)?,
            })
        })
        .collect()
}

/// Non-structural edges between `ids` and visible entities, at most `limit` read (the
/// branches stream, so a hub's edges past the limit are never read).
pub async fn neighbors(
    pool: &PgPool,
    viewer: &Viewer,
    ids: &[Uuid],
    history: bool,
    limit: usize,
) -> Result<Vec<Neighbor>, StoreError> {
    // One branch per index (outgoing, incoming; current, superseded), each a per-id probe: an
    // OR across them, or a parameter deciding whether superseded edges count, scanned the
    // whole table.
    let branch = |side: &str, current: bool| {
        let state = if current { "IS NULL" } else { "IS NOT NULL" };
        let once = if side == "to_id" {
            "AND NOT (e.from_id = ANY($1))"
        } else {
            ""
        };
        format!(
            "SELECT {EDGE_COLUMNS} FROM unnest($1::uuid[]) AS i(id) CROSS JOIN LATERAL (
                 SELECT * FROM kg_edges x
                  WHERE x.superseded_at {state} AND x.{side} = i.id
                    AND x.label NOT IN ('DESCRIBED_BY', 'SUMMARIZES', 'IS_PART_OF')
                    AND (x.user_id = $2 OR x.visibility = 'SHARED')) e
              WHERE true {once}"
        )
    };
    let mut branches = vec![branch("from_id", true), branch("to_id", true)];
    if history {
        branches.extend([branch("from_id", false), branch("to_id", false)]);
    }
    let found = sqlx::query(&format!(
        "SELECT * FROM ({}) e LIMIT $3",
        branches.join(" UNION ALL ")
    ))
    .bind(ids)
    .bind(viewer.user_id())
    .bind(limit as i64)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let edges = found
        .iter()
        .map(rows::edge)
        .collect::<Result<Vec<_>, _>>()?;
    let visible = nodes(pool, viewer, &endpoints(&edges)).await?;
    Ok(pair_neighbors(edges, ids, visible))
}

/// The text of each node's visible root block.
pub async fn root_texts(
    pool: &PgPool,
    viewer: &Viewer,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>, StoreError> {
    sqlx::query_as(
        "SELECT i.id, r.text FROM unnest($1::uuid[]) AS i(id) CROSS JOIN LATERAL (
             SELECT b.text FROM kg_edges e
               JOIN kg_nodes b ON b.id = e.to_id
                              AND (b.user_id = $2 OR b.visibility = 'SHARED')
              WHERE e.from_id = i.id AND e.label = 'DESCRIBED_BY' AND e.superseded_at IS NULL
                AND b.text IS NOT NULL
              ORDER BY b.updated_at DESC
              LIMIT 1) r",
    )
    .bind(ids)
    .bind(viewer.user_id())
    .fetch_all(pool)
    .await
    .map_err(backend)
}

/// The recursive walk from blocks up to the entity or universe heading their trees, as the
/// CTEs `up` and `roots(block_id, root_id, level)` over `$1` (block ids). Per-block index
/// probes (LATERAL): a plain join here became a scan of every edge.
const ROOTS_OF_BLOCKS: &str = "
    up(block_id, node_id, level) AS (
        SELECT id, id, 0 FROM unnest($1::uuid[]) id
        UNION ALL
        SELECT up.block_id, e.from_id, up.level + 1 FROM up CROSS JOIN LATERAL (
            SELECT x.from_id FROM kg_edges x
             WHERE x.to_id = up.node_id AND x.label = 'SUMMARIZES'
               AND x.superseded_at IS NULL) e
         WHERE up.level < 1024),
    roots(block_id, root_id, level) AS (
        SELECT up.block_id, e.from_id, up.level FROM up CROSS JOIN LATERAL (
            SELECT x.from_id FROM kg_edges x
             WHERE x.to_id = up.node_id AND x.label = 'DESCRIBED_BY'
               AND x.superseded_at IS NULL) e)";

/// For each block, the entity or universe whose tree it is in and its level.
pub async fn block_roots(pool: &PgPool, blocks: &[Uuid]) -> Result<Vec<BlockRoot>, StoreError> {
    let found: Vec<(Uuid, Uuid, i32)> = sqlx::query_as(&format!(
        "WITH RECURSIVE {ROOTS_OF_BLOCKS} SELECT block_id, root_id, level FROM roots"
    ))
    .bind(blocks)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(found
        .into_iter()
        .map(|(block_id, root_id, level)| BlockRoot {
            block_id,
            root_id,
            level: level as u32,
        })
        .collect())
}

/// The places of `blocks` (as [`block_roots`]) and the visible rows among the blocks and
/// their roots, in one statement: each block row carries its place.
pub async fn blocks_and_roots(
    pool: &PgPool,
    viewer: &Viewer,
    blocks: &[Uuid],
) -> Result<(Vec<BlockRoot>, Vec<Node>), StoreError> {
    let found = sqlx::query(&format!(
        "WITH RECURSIVE {ROOTS_OF_BLOCKS}
         SELECT {NODE_COLUMNS}, r.root_id AS place_root, r.level AS place_level
           FROM kg_nodes n LEFT JOIN roots r ON r.block_id = n.id
          WHERE n.id IN (SELECT unnest($1::uuid[]) UNION SELECT root_id FROM roots)
            AND (n.user_id = $2 OR n.visibility = 'SHARED')"
    ))
    .bind(blocks)
    .bind(viewer.user_id())
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let mut roots = Vec::new();
    let mut nodes: Vec<Node> = Vec::with_capacity(found.len());
    let mut seen = HashSet::new();
    for row in &found {
        let node = rows::node(row)?;
        let root: Option<Uuid> = row.try_get("place_root").map_err(backend)?;
        if let Some(root_id) = root {
            let level: i32 = row.try_get("place_level").map_err(backend)?;
            roots.push(BlockRoot {
                block_id: node.id,
                root_id,
                level: level as u32,
            });
        }
        // A block under two roots comes once per root.
        if seen.insert(node.id) {
            nodes.push(node);
        }
    }
    Ok((roots, nodes))
}

/// Visible universes with their root-block text, by id.
pub async fn universes(pool: &PgPool, viewer: &Viewer) -> Result<Vec<UniverseSummary>, StoreError> {
    let found: Vec<(Uuid, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT n.id, n.name,
                (SELECT b.text FROM kg_edges e
                   JOIN kg_nodes b ON b.id = e.to_id AND (b.user_id = $1 OR b.visibility = 'SHARED')
                  WHERE e.from_id = n.id AND e.label = 'DESCRIBED_BY' AND e.superseded_at IS NULL
                  ORDER BY b.updated_at DESC LIMIT 1)
           FROM kg_nodes n
          WHERE n.kind = 'universe' AND (n.user_id = $1 OR n.visibility = 'SHARED')
          ORDER BY n.id",
    )
    .bind(viewer.user_id())
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(found
        .into_iter()
        .map(|(id, name, described_by_text)| UniverseSummary {
            id,
            name: name.unwrap_or_default(),
            described_by_text,
        })
        .collect())
}

/// A user's init marker.
pub async fn init_marker(pool: &PgPool, user_id: &str) -> Result<Option<InitMarker>, StoreError> {
    let found: Option<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT person_entity_id, assistant_entity_id FROM kg_user_init WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    Ok(
        found.map(|(person_entity_id, assistant_entity_id)| InitMarker {
            user_id: user_id.to_owned(),
            person_entity_id,
            assistant_entity_id,
        }),
    )
}
