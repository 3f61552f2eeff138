//! The vector outbox in Memgraph: one `(:VectorOutbox {block_id, version, enqueued_at,
//! attempts, not_before, last_error, rejections, parked_at})` node per block whose vectors
//! must be (re)computed, merged in the same transaction as the change, drained after commit,
//! retried with a growing backoff, parked when a block keeps failing on its own, and
//! re-queued in bulk for reindexing. Every enqueue bumps `version`, so
//! finishing an older read never drops newer work. Times here are epoch microseconds
//! (integers) taken from this process's clock.

use chrono::{DateTime, Utc};
use neo4rs::{BoltType, Graph, Row, Txn, query};
use uuid::Uuid;

use super::error;
use super::records::{self, column, fetch, ids, map};
use crate::access::Visibility;
use crate::graph::StoreError;
use crate::graph::reads::{PendingVector, Rejected};

/// Sets a fresh, due version of the work on `o` (bound by the surrounding MERGE).
const ENQUEUE: &str = "ON CREATE SET o.version = 1, o.enqueued_at = $now, o.attempts = 0,
                                     o.not_before = $now, o.rejections = 0
                       ON MATCH SET o.version = o.version + 1, o.enqueued_at = $now,
                                    o.attempts = 0, o.not_before = $now, o.last_error = null,
                                    o.rejections = 0, o.parked_at = null";

/// The longest wait between attempts, in seconds.
const MAX_BACKOFF_SECONDS: i64 = 600;

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Queues `blocks` inside a write transaction.
pub async fn enqueue(txn: &mut Txn, blocks: &[Uuid], now: DateTime<Utc>) -> Result<(), StoreError> {
    if blocks.is_empty() {
        return Ok(());
    }
    txn.run(
        query(&format!(
            "UNWIND $ids AS id MERGE (o:VectorOutbox {{block_id: id}}) {ENQUEUE}"
        ))
        .param("ids", ids(blocks))
        .param("now", micros(now)),
    )
    .await
    .map_err(error)
}

fn pending_vector(row: &Row) -> Result<PendingVector, StoreError> {
    let visibility: Option<String> = column(row, "visibility")?;
    Ok(PendingVector {
        block_id: records::uuid(&column::<String>(row, "block_id")?)?,
        user_id: column::<Option<String>>(row, "user_id")?.unwrap_or_default(),
        visibility: visibility
            .as_deref()
            .and_then(Visibility::parse)
            .unwrap_or(Visibility::Private),
        text: column(row, "text")?,
        attempts: column::<i64>(row, "attempts")?.max(0) as u32,
        version: column(row, "version")?,
    })
}

/// Due work, oldest first; a block that no longer exists comes with no text.
pub async fn pending(graph: &Graph, limit: usize) -> Result<Vec<PendingVector>, StoreError> {
    let found = fetch(
        graph,
        query(
            "MATCH (o:VectorOutbox) WHERE o.not_before <= $now AND o.parked_at IS NULL
             WITH o ORDER BY o.enqueued_at, o.block_id LIMIT $limit
             OPTIONAL MATCH (b:Node {id: o.block_id})
             RETURN o.block_id AS block_id, b.user_id AS user_id, b.visibility AS visibility,
                    b.text AS text, o.attempts AS attempts, o.version AS version,
                    o.enqueued_at AS enqueued_at",
        )
        .param("now", micros(Utc::now()))
        .param("limit", limit as i64),
    )
    .await?;
    let mut rows = Vec::with_capacity(found.len());
    for row in &found {
        rows.push((column::<i64>(row, "enqueued_at")?, pending_vector(row)?));
    }
    // The OPTIONAL MATCH may reorder rows; restore the queue order.
    rows.sort_by_key(|row| (row.0, row.1.block_id));
    Ok(rows.into_iter().map(|(_, pending)| pending).collect())
}

/// Removes finished work whose version is still the one that was read.
pub async fn done(graph: &Graph, done: &[(Uuid, i64)]) -> Result<(), StoreError> {
    if done.is_empty() {
        return Ok(());
    }
    let rows: Vec<BoltType> = done
        .iter()
        .map(|(id, version)| {
            map(vec![
                ("id", id.to_string().into()),
                ("version", (*version).into()),
            ])
        })
        .collect();
    graph
        .run(
            query(
                "UNWIND $rows AS row
                 MATCH (o:VectorOutbox {block_id: row.id}) WHERE o.version = row.version
                 DELETE o",
            )
            .param("rows", rows),
        )
        .await
        .map_err(error)
}

/// Records a failed attempt: retried after 2^attempts seconds, at most ten minutes.
pub async fn failed(graph: &Graph, blocks: &[Uuid], message: &str) -> Result<(), StoreError> {
    if blocks.is_empty() {
        return Ok(());
    }
    graph
        .run(
            query(&format!(
                "UNWIND $ids AS id
                 MATCH (o:VectorOutbox {{block_id: id}})
                 SET o.not_before = {BACKOFF}, o.attempts = o.attempts + 1,
                     o.last_error = $message"
            ))
            .param("ids", ids(blocks))
            .param("now", micros(Utc::now()))
            .param("delays", delays())
            .param("message", message),
        )
        .await
        .map_err(error)
}

/// When failed work of `o` is due again: `$now` plus the delay for its attempts so far.
const BACKOFF: &str = "$now + $delays[CASE WHEN o.attempts < size($delays)
                                      THEN o.attempts ELSE size($delays) - 1 END]";

/// Delays by attempts made so far (index), in microseconds; the last one repeats.
fn delays() -> Vec<i64> {
    (1..=10)
        .map(|n| (1_i64 << n).min(MAX_BACKOFF_SECONDS) * 1_000_000)
        .collect()
}

/// Records blocks that failed on their own (for the versions read); parks those that have
/// now failed so `park_after` times. Returns the blocks parked.
pub async fn rejected(
    graph: &Graph,
    rejected: &[Rejected],
    park_after: u32,
) -> Result<Vec<Uuid>, StoreError> {
    if rejected.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<BoltType> = rejected
        .iter()
        .map(|r| {
            map(vec![
                ("id", r.block_id.to_string().into()),
                ("version", r.version.into()),
                ("error", r.error.clone().into()),
            ])
        })
        .collect();
    let found = fetch(
        graph,
        query(&format!(
            "UNWIND $rows AS row
             MATCH (o:VectorOutbox {{block_id: row.id}}) WHERE o.version = row.version
             WITH o, row, coalesce(o.rejections, 0) + 1 AS rejections
             SET o.not_before = {BACKOFF}, o.attempts = o.attempts + 1,
                 o.last_error = row.error, o.rejections = rejections,
                 o.parked_at = CASE WHEN rejections >= $park_after THEN $now END
             RETURN o.block_id AS block_id, rejections >= $park_after AS parked"
        ))
        .param("rows", rows)
        .param("now", micros(Utc::now()))
        .param("delays", delays())
        .param("park_after", i64::from(park_after)),
    )
    .await?;
    let mut parked = Vec::new();
    for row in &found {
        if column::<bool>(row, "parked")? {
            parked.push(records::uuid(&column::<String>(row, "block_id")?)?);
        }
    }
    Ok(parked)
}

/// Queues blocks (of one user, or some ids, or all) for re-embedding; parked work only with
/// `unpark`.
pub async fn queue(
    graph: &Graph,
    user_id: Option<&str>,
    blocks: Option<&[Uuid]>,
    unpark: bool,
) -> Result<u64, StoreError> {
    let found = fetch(
        graph,
        query(&format!(
            "MATCH (b:Block)
             WHERE ($user IS NULL OR b.user_id = $user) AND ($ids IS NULL OR b.id IN $ids)
             OPTIONAL MATCH (p:VectorOutbox {{block_id: b.id}})
             WITH b, p WHERE $unpark OR p IS NULL OR p.parked_at IS NULL
             MERGE (o:VectorOutbox {{block_id: b.id}}) {ENQUEUE}
             RETURN count(o) AS queued"
        ))
        .param("user", user_id)
        .param("ids", blocks.map(ids))
        .param("unpark", unpark)
        .param("now", micros(Utc::now())),
    )
    .await?;
    let queued: i64 = match found.first() {
        Some(row) => column(row, "queued")?,
        None => 0,
    };
    Ok(queued.max(0) as u64)
}

/// All blocks in id order, one page at a time.
pub async fn scan(
    graph: &Graph,
    after: Option<Uuid>,
    limit: usize,
) -> Result<Vec<PendingVector>, StoreError> {
    let found = fetch(
        graph,
        query(
            "MATCH (b:Block) WHERE $after IS NULL OR b.id > $after
             RETURN b.id AS block_id, b.user_id AS user_id, b.visibility AS visibility,
                    b.text AS text, 0 AS attempts, 0 AS version
             ORDER BY b.id LIMIT $limit",
        )
        .param("after", after.map(|a| a.to_string()))
        .param("limit", limit as i64),
    )
    .await?;
    found.iter().map(pending_vector).collect()
}

/// The ids among `wanted` that are stored blocks.
pub async fn existing_blocks(graph: &Graph, wanted: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
    let found = fetch(
        graph,
        query("UNWIND $ids AS id MATCH (b:Node {id: id}) WHERE b:Block RETURN b.id AS id")
            .param("ids", ids(wanted)),
    )
    .await?;
    found
        .iter()
        .map(|row| records::uuid(&column::<String>(row, "id")?))
        .collect()
}
