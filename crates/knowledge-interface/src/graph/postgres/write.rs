//! Applies a delta in one transaction: take advisory locks on the ids it touches (a bounded
//! number, in order so writers never deadlock; see [`super::locks`]), reload the state, let
//! the check produce the plan, then write nodes, entity names, replaced provenance,
//! supersessions, new edges, vector work, the init marker and the listing counters with a
//! handful of set-based statements. Relations lock their far end in shared
//! mode and bump its degree in place, so writers linking to the same entity run side by side.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::locks::{self, LockPlan};
use super::names::PRUNE_LOG as PRUNE_NAME_LOG;
use super::outbox::REQUEUE;
use super::rows::{properties_json, source_json};
use super::{backend, state};
use crate::delta::Refusal;
use crate::graph::model::{Node, NodeKind, labels};
use crate::graph::plan::{GraphState, SourceUpdate, StateQuery, WritePlan, run_check};
use crate::graph::{Applied, StoreError, WriteOutcome};

/// Runs the locked check-and-write transaction.
pub async fn write<F>(
    pool: &PgPool,
    query: &StateQuery,
    check: F,
) -> Result<WriteOutcome, StoreError>
where
    F: FnOnce(&GraphState) -> Result<WritePlan, Refusal> + Send + 'static,
{
    let mut tx = pool.begin().await.map_err(backend)?;
    locks::acquire(&mut tx, &LockPlan::of(query)).await?;
    let state = state::load(&mut tx, query).await?;
    let plan = match run_check(check, state).await?.1 {
        Ok(plan) => plan,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if plan.is_empty() {
        return Ok(Ok(Applied::default()));
    }
    apply(&mut tx, &plan).await?;
    tx.commit().await.map_err(backend)?;
    Ok(Ok(Applied {
        counts: plan.counts,
        vector_work: plan.vector_work,
    }))
}

async fn apply(tx: &mut PgConnection, plan: &WritePlan) -> Result<(), StoreError> {
    upsert_nodes(tx, &plan.nodes).await?;
    write_names(tx, &plan.nodes).await?;
    replace_sources(tx, "kg_nodes", &plan.node_sources).await?;
    replace_sources(tx, "kg_edges", &plan.edge_sources).await?;
    let mut counters = CounterChanges::default();
    if !plan.superseded.is_empty() {
        let (old, by): (Vec<Uuid>, Vec<Option<Uuid>>) = plan.superseded.iter().copied().unzip();
        let ends: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
            "UPDATE kg_edges e SET superseded_at = NOW(), superseded_by = t.by
               FROM unnest($1::uuid[], $2::uuid[]) AS t(id, by)
              WHERE e.id = t.id AND e.superseded_at IS NULL
             RETURNING e.from_id, e.to_id, e.label",
        )
        .bind(&old)
        .bind(&by)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        for (from, to, label) in &ends {
            counters.tally(*from, *to, label, -1);
        }
    }
    insert_edges(tx, plan).await?;
    for edge in &plan.new_edges {
        counters.tally(edge.from_id, edge.to_id, &edge.label, 1);
    }
    if !plan.vector_work.is_empty() {
        sqlx::query(&format!(
            "INSERT INTO kg_vector_outbox (block_id) SELECT unnest($1::uuid[])
             ON CONFLICT (block_id) DO UPDATE SET {REQUEUE}"
        ))
        .bind(&plan.vector_work)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    }
    if let Some(marker) = &plan.marker {
        sqlx::query(
            "INSERT INTO kg_user_init (user_id, person_entity_id, assistant_entity_id)
             VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(&marker.user_id)
        .bind(marker.person_entity_id)
        .bind(marker.assistant_entity_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    }
    // Last, so the row locks the counters take on linked entities (which other writers may
    // link to at the same time) are held only until the commit that follows.
    refresh_block_counts(tx, &counters.reshaped).await?;
    add_degrees(tx, &counters.degrees).await
}

/// What the edges a write adds and supersedes do to the listing counters.
#[derive(Default)]
struct CounterChanges {
    /// Change of each node's degree (current relations touching it).
    degrees: HashMap<Uuid, i32>,
    /// Parents that gained or lost a child block: the trees they are in changed size.
    reshaped: Vec<Uuid>,
}

impl CounterChanges {
    /// Counts an edge added (`sign` 1) or superseded (`sign` -1). A relation counts once
    /// for each end (once in all for an edge from a node to itself); block-tree edges
    /// change the size of the tree they join; memberships count for neither.
    fn tally(&mut self, from: Uuid, to: Uuid, label: &str, sign: i32) {
        if labels::is_parent(label) {
            self.reshaped.push(from);
        } else if !labels::is_structural(label) {
            *self.degrees.entry(from).or_default() += sign;
            if to != from {
                *self.degrees.entry(to).or_default() += sign;
            }
        }
    }
}

async fn upsert_nodes(tx: &mut PgConnection, nodes: &[Node]) -> Result<(), StoreError> {
    if nodes.is_empty() {
        return Ok(());
    }
    let column = |f: &dyn Fn(&Node) -> Option<String>| nodes.iter().map(f).collect::<Vec<_>>();
    let ids: Vec<Uuid> = nodes.iter().map(|n| n.id).collect();
    let aliases: Vec<serde_json::Value> = nodes.iter().map(|n| n.aliases.clone().into()).collect();
    let universes: Vec<Option<Uuid>> = nodes.iter().map(|n| n.universe_id).collect();
    let properties: Vec<serde_json::Value> = nodes
        .iter()
        .map(|n| properties_json(&n.properties))
        .collect();
    let sources: Vec<serde_json::Value> = nodes.iter().map(|n| source_json(&n.source)).collect();
    sqlx::query(
        "INSERT INTO kg_nodes (id, kind, type_id, user_id, visibility, name, aliases, text,
                               universe_id, properties, source)
         SELECT t.id, t.kind, t.type_id, t.user_id, t.visibility, t.name,
                ARRAY(SELECT jsonb_array_elements_text(t.aliases)), t.text, t.universe_id,
                t.properties, t.source
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::jsonb[], $8::text[], $9::uuid[], $10::jsonb[], $11::jsonb[])
             AS t(id, kind, type_id, user_id, visibility, name, aliases, text, universe_id,
                  properties, source)
         ON CONFLICT (id) DO UPDATE SET type_id = EXCLUDED.type_id,
             visibility = EXCLUDED.visibility, name = EXCLUDED.name, aliases = EXCLUDED.aliases,
             text = EXCLUDED.text, universe_id = EXCLUDED.universe_id,
             properties = EXCLUDED.properties, source = EXCLUDED.source, updated_at = NOW()",
    )
    .bind(&ids)
    .bind(column(&|n| Some(n.kind.as_str().to_owned())))
    .bind(column(&|n| Some(n.type_id.clone())))
    .bind(column(&|n| Some(n.user_id.clone())))
    .bind(column(&|n| Some(n.visibility.as_str().to_owned())))
    .bind(column(&|n| n.name.clone()))
    .bind(&aliases)
    .bind(column(&|n| n.text.clone()))
    .bind(&universes)
    .bind(&properties)
    .bind(&sources)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Replaces the provenance of unchanged records in `table` (`kg_nodes` or `kg_edges`),
/// leaving everything else, `updated_at` included, as it is.
async fn replace_sources(
    tx: &mut PgConnection,
    table: &'static str,
    updates: &[SourceUpdate],
) -> Result<(), StoreError> {
    if updates.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = updates.iter().map(|u| u.id).collect();
    let sources: Vec<serde_json::Value> = updates.iter().map(|u| source_json(&u.source)).collect();
    sqlx::query(&format!(
        "UPDATE {table} r SET source = t.source
           FROM unnest($1::uuid[], $2::jsonb[]) AS t(id, source)
          WHERE r.id = t.id"
    ))
    .bind(&ids)
    .bind(&sources)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Columns of new `kg_entity_names` rows.
#[derive(Default)]
struct NameRows {
    ids: Vec<Uuid>,
    names: Vec<String>,
    aliases: Vec<bool>,
    users: Vec<String>,
    visibilities: Vec<&'static str>,
    types: Vec<String>,
}

/// Replaces the name rows of changed entities.
async fn write_names(tx: &mut PgConnection, nodes: &[Node]) -> Result<(), StoreError> {
    let entities: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Entity)
        .collect();
    if entities.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = entities.iter().map(|n| n.id).collect();
    sqlx::query("DELETE FROM kg_entity_names WHERE entity_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    // Logged for the in-memory name indexes; old log rows are pruned on the way.
    sqlx::query(&format!(
        "WITH pruned AS ({PRUNE_NAME_LOG})
         INSERT INTO kg_name_changes (entity_id) SELECT unnest($1::uuid[])"
    ))
    .bind(&ids)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    let mut rows = NameRows::default();
    for entity in entities {
        let names = entity.name.iter().map(|n| (n, false));
        for (name, is_alias) in names.chain(entity.aliases.iter().map(|a| (a, true))) {
            rows.ids.push(entity.id);
            rows.names.push(name.clone());
            rows.aliases.push(is_alias);
            rows.users.push(entity.user_id.clone());
            rows.visibilities.push(entity.visibility.as_str());
            rows.types.push(entity.type_id.clone());
        }
    }
    sqlx::query(
        "INSERT INTO kg_entity_names (entity_id, name, folded, is_alias, user_id, visibility, type_id)
         SELECT t.id, t.name, kg_fold(t.name), t.is_alias, t.user_id, t.visibility, t.type_id
           FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[])
             AS t(id, name, is_alias, user_id, visibility, type_id)
         ON CONFLICT DO NOTHING",
    )
    .bind(&rows.ids)
    .bind(&rows.names)
    .bind(&rows.aliases)
    .bind(&rows.users)
    .bind(&rows.visibilities)
    .bind(&rows.types)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}

async fn insert_edges(tx: &mut PgConnection, plan: &WritePlan) -> Result<(), StoreError> {
    let edges = &plan.new_edges;
    if edges.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO kg_edges (id, from_id, to_id, label, user_id, visibility, confidence, status,
                               provenance_hint, valid_from, valid_to, properties, source)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                              $6::text[], $7::float8[], $8::text[], $9::text[],
                              $10::timestamptz[], $11::timestamptz[], $12::jsonb[], $13::jsonb[])",
    )
    .bind(edges.iter().map(|e| e.id).collect::<Vec<_>>())
    .bind(edges.iter().map(|e| e.from_id).collect::<Vec<_>>())
    .bind(edges.iter().map(|e| e.to_id).collect::<Vec<_>>())
    .bind(edges.iter().map(|e| e.label.clone()).collect::<Vec<_>>())
    .bind(edges.iter().map(|e| e.user_id.clone()).collect::<Vec<_>>())
    .bind(
        edges
            .iter()
            .map(|e| e.visibility.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(edges.iter().map(|e| e.confidence).collect::<Vec<_>>())
    .bind(edges.iter().map(|e| e.status.as_str()).collect::<Vec<_>>())
    .bind(
        edges
            .iter()
            .map(|e| e.provenance_hint.clone())
            .collect::<Vec<_>>(),
    )
    .bind(edges.iter().map(|e| e.valid_from).collect::<Vec<_>>())
    .bind(edges.iter().map(|e| e.valid_to).collect::<Vec<_>>())
    .bind(
        edges
            .iter()
            .map(|e| properties_json(&e.properties))
            .collect::<Vec<_>>(),
    )
    .bind(
        edges
            .iter()
            .map(|e| source_json(&e.source))
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Recounts the blocks of the entities heading the trees that `parents` are in (a parent
/// is the entity itself, or a block somewhere in its tree).
async fn refresh_block_counts(tx: &mut PgConnection, parents: &[Uuid]) -> Result<(), StoreError> {
    if parents.is_empty() {
        return Ok(());
    }
    let mut parents = parents.to_vec();
    parents.sort_unstable();
    parents.dedup();
    sqlx::query(
        "WITH RECURSIVE up(node_id, depth) AS (
             SELECT id, 0 FROM unnest($1::uuid[]) id
             UNION
             SELECT e.from_id, up.depth + 1 FROM up CROSS JOIN LATERAL (
                 SELECT x.from_id FROM kg_edges x
                  WHERE x.to_id = up.node_id AND x.superseded_at IS NULL
                    AND x.label IN ('SUMMARIZES', 'DESCRIBED_BY')) e
              WHERE up.depth < 1024)
         UPDATE kg_nodes n SET block_count = kg_block_count(n.id)
          WHERE n.kind = 'entity' AND n.id IN (SELECT node_id FROM up)",
    )
    .bind(&parents)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Adds each change to the entity's stored degree, in id order (the order other writers
/// lock the same rows in).
async fn add_degrees(
    tx: &mut PgConnection,
    changes: &HashMap<Uuid, i32>,
) -> Result<(), StoreError> {
    let mut changes: Vec<(Uuid, i32)> = changes
        .iter()
        .filter(|(_, change)| **change != 0)
        .map(|(id, change)| (*id, *change))
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    changes.sort_unstable();
    let (ids, amounts): (Vec<Uuid>, Vec<i32>) = changes.into_iter().unzip();
    sqlx::query(
        "UPDATE kg_nodes n SET degree = n.degree + t.change
           FROM unnest($1::uuid[], $2::int[]) AS t(id, change)
          WHERE n.id = t.id AND n.kind = 'entity'",
    )
    .bind(&ids)
    .bind(&amounts)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    Ok(())
}
