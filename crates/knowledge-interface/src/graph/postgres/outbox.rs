//! The vector outbox: blocks whose vectors must be (re)computed, queued in the same
//! transaction as the change, drained after commit, retried with a growing backoff, parked
//! when a block keeps failing on its own, and re-queued in bulk for reindexing. A versioned
//! row keeps newer work when older work finishes.

use sqlx::PgPool;
use uuid::Uuid;

use super::backend;
use crate::access::Visibility;
use crate::graph::StoreError;
use crate::graph::reads::{PendingVector, Rejected};

/// What new work sets on an outbox row that already exists (`kg_vector_outbox`): due now,
/// a fresh version, its failures and parking forgotten.
pub const REQUEUE: &str = "version = kg_vector_outbox.version + 1, enqueued_at = NOW(),
    attempts = 0, not_before = NOW(), last_error = NULL, rejections = 0, parked_at = NULL";

type PendingRow = (
    Uuid,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
    i64,
);

fn pending_vector(row: PendingRow) -> PendingVector {
    let (block_id, user_id, visibility, text, attempts, version) = row;
    PendingVector {
        block_id,
        user_id: user_id.unwrap_or_default(),
        visibility: visibility
            .as_deref()
            .and_then(Visibility::parse)
            .unwrap_or(Visibility::Private),
        text,
        attempts: attempts.max(0) as u32,
        version,
    }
}

/// Due work, oldest first; a block that no longer exists comes with no text.
pub async fn pending(pool: &PgPool, limit: usize) -> Result<Vec<PendingVector>, StoreError> {
    let found: Vec<PendingRow> = sqlx::query_as(
        "SELECT o.block_id, n.user_id, n.visibility, n.text, o.attempts, o.version
           FROM kg_vector_outbox o LEFT JOIN kg_nodes n ON n.id = o.block_id
          WHERE o.not_before <= NOW() AND o.parked_at IS NULL
          ORDER BY o.enqueued_at, o.block_id
          LIMIT $1",
    )
    .bind(limit as i64)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(found.into_iter().map(pending_vector).collect())
}

/// Removes finished work whose version is still the one that was read.
pub async fn done(pool: &PgPool, done: &[(Uuid, i64)]) -> Result<(), StoreError> {
    let (ids, versions): (Vec<Uuid>, Vec<i64>) = done.iter().copied().unzip();
    sqlx::query(
        "DELETE FROM kg_vector_outbox o USING unnest($1::uuid[], $2::bigint[]) AS t(id, version)
          WHERE o.block_id = t.id AND o.version = t.version",
    )
    .bind(&ids)
    .bind(&versions)
    .execute(pool)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Records a failed attempt: retried after 2^attempts seconds, at most ten minutes.
pub async fn failed(pool: &PgPool, blocks: &[Uuid], error: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE kg_vector_outbox SET attempts = attempts + 1, last_error = $2,
                not_before = NOW() + LEAST(power(2, attempts + 1), 600) * interval '1 second'
          WHERE block_id = ANY($1)",
    )
    .bind(blocks)
    .bind(error)
    .execute(pool)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Records blocks that failed on their own (for the versions read); parks those that have
/// now failed so `park_after` times. Returns the blocks parked.
pub async fn rejected(
    pool: &PgPool,
    rejected: &[Rejected],
    park_after: u32,
) -> Result<Vec<Uuid>, StoreError> {
    let ids: Vec<Uuid> = rejected.iter().map(|r| r.block_id).collect();
    let versions: Vec<i64> = rejected.iter().map(|r| r.version).collect();
    let errors: Vec<&str> = rejected.iter().map(|r| r.error.as_str()).collect();
    let parked: Vec<(Uuid, bool)> = sqlx::query_as(
        "UPDATE kg_vector_outbox o SET attempts = o.attempts + 1, rejections = o.rejections + 1,
                last_error = t.error,
                not_before = NOW() + LEAST(power(2, o.attempts + 1), 600) * interval '1 second',
                parked_at = CASE WHEN o.rejections + 1 >= $4 THEN NOW() END
           FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS t(id, version, error)
          WHERE o.block_id = t.id AND o.version = t.version
         RETURNING o.block_id, o.parked_at IS NOT NULL",
    )
    .bind(&ids)
    .bind(&versions)
    .bind(&errors)
    .bind(i32::try_from(park_after).unwrap_or(i32::MAX))
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(parked
        .into_iter()
        .filter_map(|(id, parked)| parked.then_some(id))
        .collect())
}

/// Queues blocks (of one user, or some ids, or all) for re-embedding; parked work only with
/// `unpark`.
pub async fn queue(
    pool: &PgPool,
    user_id: Option<&str>,
    blocks: Option<&[Uuid]>,
    unpark: bool,
) -> Result<u64, StoreError> {
    let result = sqlx::query(&format!(
        "INSERT INTO kg_vector_outbox (block_id)
         SELECT n.id FROM kg_nodes n
          WHERE n.kind = 'block' AND ($1::text IS NULL OR n.user_id = $1)
            AND ($2::uuid[] IS NULL OR n.id = ANY($2))
         ON CONFLICT (block_id) DO UPDATE SET {REQUEUE}
          WHERE $3 OR kg_vector_outbox.parked_at IS NULL"
    ))
    .bind(user_id)
    .bind(blocks)
    .bind(unpark)
    .execute(pool)
    .await
    .map_err(backend)?;
    Ok(result.rows_affected())
}

/// All blocks in id order, one page at a time.
pub async fn scan(
    pool: &PgPool,
    after: Option<Uuid>,
    limit: usize,
) -> Result<Vec<PendingVector>, StoreError> {
    let found: Vec<PendingRow> = sqlx::query_as(
        "SELECT n.id, n.user_id, n.visibility, n.text, 0, 0::bigint FROM kg_nodes n
          WHERE n.kind = 'block' AND ($1::uuid IS NULL OR n.id > $1)
          ORDER BY n.id LIMIT $2",
    )
    .bind(after)
    .bind(limit as i64)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(found.into_iter().map(pending_vector).collect())
}

/// The ids among `ids` that are stored blocks.
pub async fn existing_blocks(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
    sqlx::query_scalar("SELECT id FROM kg_nodes WHERE id = ANY($1) AND kind = 'block'")
        .bind(ids)
        .fetch_all(pool)
        .await
        .map_err(backend)
}
