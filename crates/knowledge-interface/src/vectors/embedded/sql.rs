//! The SQL of the embedded store (tables from `migrations/knowledge/0002_vectors.sql`).
//! Writers of a collection lock its row first and only then take sequence numbers, so `seq`
//! order is commit order within a collection and the change stream never skips a write.
//! `sqlx` errors become [`VectorError::Unavailable`] here; nothing above sees them.

use futures::{Stream, TryStreamExt};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::index::Change;
use crate::access::Visibility;
use crate::vectors::prepare::{in_request_order, prepare_batch};
use crate::vectors::{CollectionSpec, StoredPoint, VectorError, VectorPoint};

fn unavailable(error: sqlx::Error) -> VectorError {
    VectorError::Unavailable(format!("postgres: {error}"))
}

fn corrupt(what: impl std::fmt::Display) -> VectorError {
    VectorError::Unavailable(format!("corrupt vector store row: {what}"))
}

/// Creates the collection unless it exists; returns the spec it is recorded with.
pub(super) async fn ensure(
    pool: &PgPool,
    spec: &CollectionSpec,
) -> Result<CollectionSpec, VectorError> {
    sqlx::query("INSERT INTO vector_collections (name, model, dims) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
        .bind(&spec.name)
        .bind(&spec.model)
        .bind(dims_column(spec.dims))
        .execute(pool)
        .await
        .map_err(unavailable)?;
    collection(pool, &spec.name)
        .await?
        .ok_or_else(|| VectorError::MissingCollection(spec.name.clone()))
}

/// Empties the collection and records `spec` with a new generation.
pub(super) async fn recreate(pool: &PgPool, spec: &CollectionSpec) -> Result<(), VectorError> {
    let mut tx = pool.begin().await.map_err(unavailable)?;
    sqlx::query(
        "INSERT INTO vector_collections (name, model, dims) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims,
             generation = vector_collections.generation + 1, updated_at = NOW()",
    )
    .bind(&spec.name)
    .bind(&spec.model)
    .bind(dims_column(spec.dims))
    .execute(&mut *tx)
    .await
    .map_err(unavailable)?;
    sqlx::query("DELETE FROM vector_points WHERE collection = $1")
        .bind(&spec.name)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
    tx.commit().await.map_err(unavailable)
}

/// The recorded spec of a collection.
pub(super) async fn collection(
    pool: &PgPool,
    name: &str,
) -> Result<Option<CollectionSpec>, VectorError> {
    let row = sqlx::query("SELECT model, dims FROM vector_collections WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await
        .map_err(unavailable)?;
    row.map(|row| {
        Ok(CollectionSpec {
            name: name.to_owned(),
            model: row.try_get("model").map_err(unavailable)?,
            dims: row.try_get::<i32, _>("dims").map_err(unavailable)? as usize,
        })
    })
    .transpose()
}

/// Locks the collection row for the rest of the transaction; returns its dimension.
async fn lock(conn: &mut PgConnection, name: &str) -> Result<usize, VectorError> {
    let dims: Option<i32> =
        sqlx::query_scalar("SELECT dims FROM vector_collections WHERE name = $1 FOR UPDATE")
            .bind(name)
            .fetch_optional(conn)
            .await
            .map_err(unavailable)?;
    dims.map(|dims| dims as usize)
        .ok_or_else(|| VectorError::MissingCollection(name.to_owned()))
}

/// Writes a batch in one statement after checking all of it against the collection.
pub(super) async fn upsert(
    pool: &PgPool,
    name: &str,
    points: Vec<VectorPoint>,
) -> Result<(), VectorError> {
    let mut tx = pool.begin().await.map_err(unavailable)?;
    let dims = lock(&mut tx, name).await?;
    let points = prepare_batch(name, points, dims)?;
    if points.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(points.len());
    let mut owners = Vec::with_capacity(points.len());
    let mut visibilities = Vec::with_capacity(points.len());
    let mut vectors = Vec::with_capacity(points.len());
    let mut payloads = Vec::with_capacity(points.len());
    for point in points {
        ids.push(point.id);
        owners.push(point.user_id);
        visibilities.push(point.visibility.as_str());
        vectors.push(
            point
                .vector
                .iter()
                .flat_map(|value| value.to_le_bytes())
                .collect::<Vec<u8>>(),
        );
        payloads.push(Value::Object(point.payload));
    }
    sqlx::query(
        "INSERT INTO vector_points (collection, id, user_id, visibility, vector, payload)
         SELECT $1, p.id, p.user_id, p.visibility, p.vector, p.payload
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[])
             AS p (id, user_id, visibility, vector, payload)
         ON CONFLICT (collection, id) DO UPDATE SET user_id = EXCLUDED.user_id,
             visibility = EXCLUDED.visibility, vector = EXCLUDED.vector, payload = EXCLUDED.payload,
             deleted = FALSE, seq = EXCLUDED.seq, updated_at = NOW()",
    )
    .bind(name)
    .bind(ids)
    .bind(owners)
    .bind(visibilities)
    .bind(vectors)
    .bind(payloads)
    .execute(&mut *tx)
    .await
    .map_err(unavailable)?;
    tx.commit().await.map_err(unavailable)
}

/// Turns live points into tombstones with a new sequence number.
pub(super) async fn delete(pool: &PgPool, name: &str, ids: &[Uuid]) -> Result<(), VectorError> {
    let mut tx = pool.begin().await.map_err(unavailable)?;
    lock(&mut tx, name).await?;
    sqlx::query(
        "UPDATE vector_points SET deleted = TRUE, vector = NULL, payload = NULL,
             seq = nextval('vector_point_seq'), updated_at = NOW()
         WHERE collection = $1 AND id = ANY($2) AND NOT deleted",
    )
    .bind(name)
    .bind(ids)
    .execute(&mut *tx)
    .await
    .map_err(unavailable)?;
    tx.commit().await.map_err(unavailable)
}

/// Live points by id, in the order asked for.
pub(super) async fn get(
    pool: &PgPool,
    name: &str,
    ids: &[Uuid],
) -> Result<Vec<StoredPoint>, VectorError> {
    let rows = sqlx::query(
        "SELECT p.id, p.user_id, p.visibility, p.payload
         FROM vector_collections c
         LEFT JOIN vector_points p ON p.collection = c.name AND p.id = ANY($2) AND NOT p.deleted
         WHERE c.name = $1",
    )
    .bind(name)
    .bind(ids)
    .fetch_all(pool)
    .await
    .map_err(unavailable)?;
    let mut found = stored_points(name, &rows)?;
    in_request_order(&mut found, ids);
    Ok(found)
}

/// One page of live points in id order after `after`.
pub(super) async fn scroll(
    pool: &PgPool,
    name: &str,
    after: Option<Uuid>,
    limit: usize,
) -> Result<Vec<StoredPoint>, VectorError> {
    let rows = sqlx::query(
        "SELECT p.id, p.user_id, p.visibility, p.payload
         FROM vector_collections c
         LEFT JOIN LATERAL (
             SELECT id, user_id, visibility, payload FROM vector_points
             WHERE collection = c.name AND NOT deleted AND ($2::uuid IS NULL OR id > $2)
             ORDER BY id LIMIT $3
         ) p ON TRUE
         WHERE c.name = $1",
    )
    .bind(name)
    .bind(after)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(unavailable)?;
    stored_points(name, &rows)
}

/// Rows of `collection JOIN points`: an empty result means no collection, a row with a NULL
/// id means a collection without matching points.
fn stored_points(name: &str, rows: &[PgRow]) -> Result<Vec<StoredPoint>, VectorError> {
    if rows.is_empty() {
        return Err(VectorError::MissingCollection(name.to_owned()));
    }
    let mut points = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(id) = row.try_get::<Option<Uuid>, _>("id").map_err(unavailable)? else {
            continue;
        };
        let payload = match row.try_get::<Value, _>("payload").map_err(unavailable)? {
            Value::Object(map) => map,
            other => {
                return Err(corrupt(format_args!(
                    "payload of {id} is not an object: {other}"
                )));
            }
        };
        points.push(StoredPoint {
            id,
            user_id: row.try_get("user_id").map_err(unavailable)?,
            visibility: visibility(row, id)?,
            payload,
        });
    }
    Ok(points)
}

fn visibility(row: &PgRow, id: Uuid) -> Result<Visibility, VectorError> {
    let text: String = row.try_get("visibility").map_err(unavailable)?;
    Visibility::parse(&text).ok_or_else(|| corrupt(format_args!("visibility {text} of {id}")))
}

/// What a collection is now: its generation and dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    /// Bumped by every recreate.
    pub generation: i64,
    /// Vector length.
    pub dims: usize,
}

/// The collection's changes after `since = (generation, seq)`, in order, as they stream in;
/// `since = None` streams everything (a full load; tombstones come too and only advance the
/// position). Each item carries the collection's header; changes come only while the
/// generation still matches, so a recreated collection yields its header alone. An empty
/// stream means the collection does not exist.
pub(super) fn changes<'a>(
    pool: &'a PgPool,
    name: &'a str,
    since: Option<(i64, i64)>,
) -> impl Stream<Item = Result<(Header, Option<Change>), VectorError>> + Send + 'a {
    let (generation, seq) = since.map_or((None, 0), |(generation, seq)| (Some(generation), seq));
    sqlx::query(
        "SELECT c.generation, c.dims, p.seq, p.id, p.deleted, p.user_id, p.visibility, p.vector
         FROM vector_collections c
         LEFT JOIN vector_points p ON p.collection = c.name AND p.seq > $2
             AND ($3::bigint IS NULL OR c.generation = $3)
         WHERE c.name = $1
         ORDER BY p.seq",
    )
    .bind(name)
    .bind(seq)
    .bind(generation)
    .fetch(pool)
    .map_err(unavailable)
    .and_then(|row| async move {
        let dims: i32 = row.try_get("dims").map_err(unavailable)?;
        let header = Header {
            generation: row.try_get("generation").map_err(unavailable)?,
            dims: dims as usize,
        };
        Ok((header, change(&row)?))
    })
}

fn change(row: &PgRow) -> Result<Option<Change>, VectorError> {
    let Some(seq) = row.try_get::<Option<i64>, _>("seq").map_err(unavailable)? else {
        return Ok(None);
    };
    let id: Uuid = row.try_get("id").map_err(unavailable)?;
    if row.try_get::<bool, _>("deleted").map_err(unavailable)? {
        return Ok(Some(Change::Delete { seq, id }));
    }
    let bytes: Vec<u8> = row.try_get("vector").map_err(unavailable)?;
    if !bytes.len().is_multiple_of(4) {
        return Err(corrupt(format_args!(
            "vector of {id} has {} bytes",
            bytes.len()
        )));
    }
    Ok(Some(Change::Upsert {
        seq,
        id,
        user_id: row.try_get("user_id").map_err(unavailable)?,
        visibility: visibility(row, id)?,
        vector: bytes
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect(),
    }))
}

fn dims_column(dims: usize) -> i32 {
    i32::try_from(dims).unwrap_or(i32::MAX)
}
