//! Fuzzy (trigram) name matching from memory. PostgreSQL's trigram index has to merge the long
//! posting lists of common letter groups and re-check every candidate row, which cost 10-50 ms
//! per misspelt name at 100,000 names; the same similarity computed over an in-memory index
//! costs well under a millisecond. `kg_entity_names` stays the source of truth: every write
//! that rewrites an entity's names logs the entity in `kg_name_changes` with its transaction id
//! (migration `0007_name_changes.sql`), and each search first applies what was logged since
//! its last look. The look-back starts at the oldest transaction still running at that look
//! (`pg_snapshot_xmin`), so a write that commits late is never missed, only possibly re-read.
//! Log rows live an hour; an index not refreshed for half that time reloads in full.

mod index;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use sqlx::{PgPool, Row};
use tokio::sync::{Mutex, RwLock};
use uuid::Uuid;

use super::backend;
use crate::access::{Viewer, Visibility};
use crate::graph::StoreError;
use crate::graph::reads::NameMatch;
use index::{NameIndex, NameRow};

/// An index older than this reloads in full (log rows are kept twice as long).
const RELOAD_AFTER: Duration = Duration::from_secs(30 * 60);

/// The SQL that prunes log rows older than [`RELOAD_AFTER`] twice over, a batch at a time,
/// skipping rows another writer is pruning.
pub(super) const PRUNE_LOG: &str = "DELETE FROM kg_name_changes WHERE ctid IN (
         SELECT ctid FROM kg_name_changes WHERE changed_at < NOW() - INTERVAL '1 hour'
          LIMIT 1000 FOR UPDATE SKIP LOCKED)";

/// The index and how far into the change log it has read.
#[derive(Debug)]
struct Synced {
    index: NameIndex,
    /// Log rows of transactions from this id on may not be applied yet.
    horizon: i64,
    /// When the last full load started.
    loaded: Instant,
    /// When the last refresh (or load) started.
    refreshed: Instant,
}

/// The shared in-memory name index of one database.
#[derive(Debug, Default)]
pub struct NameCache {
    synced: RwLock<Option<Synced>>,
    /// One refresh at a time, so an older read never overwrites a newer one.
    refreshing: Mutex<()>,
}

/// A fuzzy name search.
#[derive(Debug)]
pub(super) struct FuzzyQuery<'a> {
    /// The folded text.
    pub folded: &'a str,
    /// Minimum similarity.
    pub threshold: f64,
    /// Only these types (empty: any).
    pub type_ids: &'a [String],
    /// At most this many.
    pub limit: usize,
}

impl NameCache {
    /// Names visible to `viewer` similar to the query, best first, current as of this call;
    /// `skip` leaves out names already matched otherwise.
    pub(super) async fn fuzzy(
        &self,
        pool: &PgPool,
        viewer: &Viewer,
        query: &FuzzyQuery<'_>,
        skip: impl Fn(Uuid, &str) -> bool,
    ) -> Result<Vec<NameMatch>, StoreError> {
        self.refresh(pool).await?;
        let synced = self.synced.read().await;
        let Some(synced) = synced.as_ref() else {
            return Ok(Vec::new());
        };
        let keep = |row: &NameRow| {
            viewer.can_see(&row.user_id, row.visibility)
                && (query.type_ids.is_empty() || query.type_ids.contains(&row.type_id))
                && !skip(row.entity_id, &row.name)
        };
        Ok(synced
            .index
            .search(query.folded, query.threshold, keep, query.limit)
            .into_iter()
            .map(|(row, similarity)| NameMatch {
                entity_id: row.entity_id,
                matched: row.name.clone(),
                is_alias: row.is_alias,
                exact: false,
                whole_words: false,
                similarity,
            })
            .collect())
    }

    /// Applies the logged changes, or loads everything on first use and after a long pause.
    async fn refresh(&self, pool: &PgPool) -> Result<(), StoreError> {
        let arrived = Instant::now();
        let _one_at_a_time = self.refreshing.lock().await;
        // A refresh that started after this call arrived has seen every write committed
        // before it, so concurrent searches share one round trip.
        let started = Instant::now();
        let since = match self.synced.read().await.as_ref() {
            Some(synced) if synced.refreshed > arrived => return Ok(()),
            Some(synced) if synced.loaded.elapsed() < RELOAD_AFTER => Some(synced.horizon),
            _ => None,
        };
        let Some(since) = since else {
            let fresh = load(pool, started).await?;
            tracing::debug!(names = fresh.index.len(), "name index loaded");
            *self.synced.write().await = Some(fresh);
            return Ok(());
        };
        let (horizon, changed) = changes(pool, since).await?;
        let mut synced = self.synced.write().await;
        if let Some(synced) = synced.as_mut() {
            for (entity, names) in changed {
                synced.index.replace(entity, names);
            }
            synced.horizon = horizon;
            synced.refreshed = started;
        }
        Ok(())
    }
}

/// Every name, read in one snapshot together with its horizon (`started` before it).
async fn load(pool: &PgPool, started: Instant) -> Result<Synced, StoreError> {
    let mut tx = pool.begin().await.map_err(backend)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    let horizon: i64 =
        sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
    let mut index = NameIndex::default();
    let statement = format!("SELECT {NAME_COLUMNS} FROM kg_entity_names n");
    let mut rows = sqlx::query(&statement).fetch(&mut *tx);
    while let Some(row) = rows.try_next().await.map_err(backend)? {
        if let Some(name) = name_row(&row)? {
            index.push(name);
        }
    }
    drop(rows);
    tx.commit().await.map_err(backend)?;
    Ok(Synced {
        index,
        horizon,
        loaded: started,
        refreshed: started,
    })
}

/// The current names of every entity logged by a transaction from `since` on, and the
/// horizon to look from next time.
async fn changes(
    pool: &PgPool,
    since: i64,
) -> Result<(i64, HashMap<Uuid, Vec<NameRow>>), StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT h.horizon, c.entity_id AS changed, {NAME_COLUMNS}
           FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) h
           LEFT JOIN (SELECT DISTINCT entity_id FROM kg_name_changes
                       WHERE xid >= $1::bigint::text::xid8) c ON TRUE
           LEFT JOIN kg_entity_names n ON n.entity_id = c.entity_id"
    ))
    .bind(since)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let mut horizon = since;
    let mut changed: HashMap<Uuid, Vec<NameRow>> = HashMap::new();
    for row in &rows {
        horizon = row.try_get("horizon").map_err(backend)?;
        if let Some(entity) = row.try_get::<Option<Uuid>, _>("changed").map_err(backend)? {
            let names = changed.entry(entity).or_default();
            names.extend(name_row(row)?);
        }
    }
    Ok((horizon, changed))
}

const NAME_COLUMNS: &str =
    "n.entity_id, n.name, n.folded, n.is_alias, n.user_id, n.visibility, n.type_id";

/// A name row, or `None` for the empty side of an outer join.
fn name_row(row: &sqlx::postgres::PgRow) -> Result<Option<NameRow>, StoreError> {
    let Some(entity_id) = row
        .try_get::<Option<Uuid>, _>("entity_id")
        .map_err(backend)?
    else {
        return Ok(None);
    };
    let visibility: String = row.try_get("visibility").map_err(backend)?;
    Ok(Some(NameRow {
        entity_id,
        name: row.try_get("name").map_err(backend)?,
        folded: row.try_get("folded").map_err(backend)?,
        is_alias: row.try_get("is_alias").map_err(backend)?,
        user_id: row.try_get("user_id").map_err(backend)?,
        visibility: Visibility::parse(&visibility).ok_or_else(|| {
            StoreError::Backend(format!("name of {entity_id} has visibility {visibility}"))
        })?,
        type_id: row.try_get("type_id").map_err(backend)?,
    }))
}
