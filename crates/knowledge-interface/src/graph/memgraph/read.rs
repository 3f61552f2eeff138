//! Memgraph reads with visibility applied: nodes by id, block trees (bounded variable-length
//! walks from the owner through its root block), neighbours with or without history,
//! root-block texts, where blocks sit, universes and init markers. A record is visible when
//! the viewer owns it or it is SHARED (`VISIBLE(x)` below).

use std::collections::HashMap;

use neo4rs::{Graph, query};
use uuid::Uuid;

use super::records::{self, EDGE, column, fetch, ids};
use crate::access::Viewer;
use crate::graph::StoreError;
use crate::graph::model::Node;
use crate::graph::plan::InitMarker;
use crate::graph::reads::{
    BlockRoot, Neighbor, TreeBlock, UniverseSummary, endpoints, pair_neighbors,
};

/// How far up a block tree `block_roots` looks for the head.
const MAX_DEPTH: usize = 1025;

/// The visibility condition on variable `x` for viewer `$viewer`.
fn visible(x: &str) -> String {
    format!("({x}.user_id = $viewer OR {x}.visibility = 'SHARED')")
}

/// Visible nodes by id.
pub async fn nodes(
    graph: &Graph,
    viewer: &Viewer,
    wanted: &[Uuid],
) -> Result<Vec<Node>, StoreError> {
    let found = fetch(
        graph,
        query(&format!(
            "UNWIND $ids AS id MATCH (n:Node {{id: id}}) WHERE {}
             RETURN properties(n) AS n",
            visible("n")
        ))
        .param("ids", ids(wanted))
        .param("viewer", viewer.user_id()),
    )
    .await?;
    found.iter().map(|row| records::node(row, "n")).collect()
}

/// The visible block tree under `owner_id`'s root block, to `max_level`. Paths start with
/// the DESCRIBED_BY edge, so a path of n edges ends at level n - 1; an invisible block hides
/// its subtree (every node on the path must be visible). At most `limit` blocks, the
/// shallowest.
pub async fn block_tree(
    graph: &Graph,
    viewer: &Viewer,
    owner_id: Uuid,
    max_level: u32,
    limit: usize,
) -> Result<Vec<TreeBlock>, StoreError> {
    let found = fetch(
        graph,
        query(&format!(
            "MATCH p = (:Node {{id: $owner}})-[:DESCRIBED_BY|SUMMARIZES*1..{depth}]->(b:Block)
             WHERE type(relationships(p)[0]) = 'DESCRIBED_BY'
               AND all(r IN relationships(p) WHERE r.superseded_at IS NULL)
               AND all(x IN tail(nodes(p)) WHERE {visible})
             WITH b, p, size(relationships(p)) AS hops
             RETURN properties(b) AS n, hops - 1 AS level,
                    CASE WHEN hops > 1 THEN nodes(p)[hops - 1].id END AS parent
             ORDER BY level, n.id LIMIT $limit",
            depth = u64::from(max_level) + 1,
            visible = visible("x"),
        ))
        .param("owner", owner_id.to_string())
        .param("viewer", viewer.user_id())
        .param("limit", limit as i64),
    )
    .await?;
    let mut tree = Vec::with_capacity(found.len());
    for row in &found {
        let parent: Option<String> = column(row, "parent")?;
        tree.push(TreeBlock {
            node: records::node(row, "n")?,
            level: column::<i64>(row, "level")?.max(0) as u32,
            parent_block_id: parent.as_deref().map(records::uuid).transpose()?,
        });
    }
    tree.sort_by_key(|b| (b.level, b.node.id));
    tree.dedup_by_key(|b| b.node.id);
    Ok(tree)
}

/// Non-structural edges between `wanted` and visible entities, at most `limit`.
pub async fn neighbors(
    graph: &Graph,
    viewer: &Viewer,
    wanted: &[Uuid],
    history: bool,
    limit: usize,
) -> Result<Vec<Neighbor>, StoreError> {
    let found = fetch(
        graph,
        query(&format!(
            "UNWIND $ids AS id
             MATCH (:Node {{id: id}})-[e]-(:Node)
             WHERE NOT type(e) IN ['DESCRIBED_BY', 'SUMMARIZES', 'IS_PART_OF']
               AND {} AND ($history OR e.superseded_at IS NULL)
             RETURN DISTINCT {EDGE} LIMIT $limit",
            visible("e")
        ))
        .param("ids", ids(wanted))
        .param("viewer", viewer.user_id())
        .param("history", history)
        .param("limit", limit as i64),
    )
    .await?;
    let mut edges = Vec::with_capacity(found.len());
    for row in &found {
        let edge = records::edge(row)?;
        if !edges
            .iter()
            .any(|e: &crate::graph::model::Edge| e.id == edge.id)
        {
            edges.push(edge);
        }
    }
    let visible = nodes(graph, viewer, &endpoints(&edges)).await?;
    Ok(pair_neighbors(edges, wanted, visible))
}

/// The text of each node's visible root block (the latest changed, should there be two).
pub async fn root_texts(
    graph: &Graph,
    viewer: &Viewer,
    wanted: &[Uuid],
) -> Result<Vec<(Uuid, String)>, StoreError> {
    let found = fetch(
        graph,
        query(&format!(
            "UNWIND $ids AS id
             MATCH (a:Node {{id: id}})-[d:DESCRIBED_BY]->(b:Block)
             WHERE d.superseded_at IS NULL AND b.text IS NOT NULL AND {}
             RETURN a.id AS id, b.text AS text, b.updated_at AS updated_at",
            visible("b")
        ))
        .param("ids", ids(wanted))
        .param("viewer", viewer.user_id()),
    )
    .await?;
    let mut latest: HashMap<Uuid, (String, String)> = HashMap::new();
    for row in &found {
        let id = records::uuid(&column::<String>(row, "id")?)?;
        let candidate = (column::<String>(row, "updated_at")?, column(row, "text")?);
        match latest.get(&id) {
            Some(current) if current.0 >= candidate.0 => {}
            _ => {
                latest.insert(id, candidate);
            }
        }
    }
    let mut texts: Vec<(Uuid, String)> = latest.into_iter().map(|(id, (_, t))| (id, t)).collect();
    texts.sort();
    Ok(texts)
}

/// Where each block sits: the node heading its tree and its depth.
pub async fn block_roots(graph: &Graph, blocks: &[Uuid]) -> Result<Vec<BlockRoot>, StoreError> {
    let found = fetch(
        graph,
        query(&format!(
            "UNWIND $ids AS id
             MATCH p = (head:Node)-[:DESCRIBED_BY|SUMMARIZES*1..{MAX_DEPTH}]->(:Node {{id: id}})
             WHERE type(relationships(p)[0]) = 'DESCRIBED_BY' AND NOT head:Block
               AND all(r IN relationships(p) WHERE r.superseded_at IS NULL)
             RETURN id AS block_id, head.id AS root_id, size(relationships(p)) - 1 AS level"
        ))
        .param("ids", ids(blocks)),
    )
    .await?;
    found
        .iter()
        .map(|row| {
            Ok(BlockRoot {
                block_id: records::uuid(&column::<String>(row, "block_id")?)?,
                root_id: records::uuid(&column::<String>(row, "root_id")?)?,
                level: column::<i64>(row, "level")?.max(0) as u32,
            })
        })
        .collect()
}

/// Visible universes with their root-block text, by id.
pub async fn universes(graph: &Graph, viewer: &Viewer) -> Result<Vec<UniverseSummary>, StoreError> {
    let found = fetch(
        graph,
        query(&format!(
            "MATCH (u:Universe) WHERE {}
             OPTIONAL MATCH (u)-[d:DESCRIBED_BY]->(b:Block)
             WHERE d.superseded_at IS NULL AND {}
             RETURN u.id AS id, u.name AS name, b.text AS text, b.updated_at AS updated_at",
            visible("u"),
            visible("b")
        ))
        .param("viewer", viewer.user_id()),
    )
    .await?;
    let mut by_id: HashMap<Uuid, (UniverseSummary, Option<String>)> = HashMap::new();
    for row in &found {
        let id = records::uuid(&column::<String>(row, "id")?)?;
        let updated: Option<String> = column(row, "updated_at")?;
        let summary = UniverseSummary {
            id,
            name: column::<Option<String>>(row, "name")?.unwrap_or_default(),
            described_by_text: column(row, "text")?,
        };
        match by_id.get(&id) {
            Some((_, current)) if *current >= updated => {}
            _ => {
                by_id.insert(id, (summary, updated));
            }
        }
    }
    let mut universes: Vec<UniverseSummary> = by_id.into_values().map(|(u, _)| u).collect();
    universes.sort_by_key(|u| u.id);
    Ok(universes)
}

/// A user's init marker.
pub async fn init_marker(graph: &Graph, user_id: &str) -> Result<Option<InitMarker>, StoreError> {
    let found = fetch(
        graph,
        query(
            "MATCH (m:GraphInitialization {user_id: $user_id})
             RETURN m.person_entity_id AS person, m.assistant_entity_id AS assistant",
        )
        .param("user_id", user_id),
    )
    .await?;
    let Some(row) = found.first() else {
        return Ok(None);
    };
    Ok(Some(InitMarker {
        user_id: user_id.to_owned(),
        person_entity_id: records::uuid(&column::<String>(row, "person")?)?,
        assistant_entity_id: records::uuid(&column::<String>(row, "assistant")?)?,
    }))
}
