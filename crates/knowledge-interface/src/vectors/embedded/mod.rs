//! The embedded vector store, the default: points persisted in PostgreSQL (the service's own
//! database), searched by an exact in-process index per collection.
//!
//! Writes go to PostgreSQL only. Each collection's index is loaded on its first search and
//! brought up to date before every search with one query for the changes after the last one
//! it saw (one such query at a time per collection, shared by the searches that waited for
//! it), so several processes sharing a database converge; a recreate (new generation)
//! makes every process reload. Searches share a read lock and run off the async threads when
//! they are large; applying changes takes the write lock briefly. Payloads are not kept in
//! memory: `search` reads the payloads of its hits, re-checking visibility on them;
//! `nearest` leaves both to its caller.

mod index;
mod scan;
mod sql;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use futures::TryStreamExt;
use sqlx::PgPool;
use tokio::sync::{OwnedRwLockReadGuard, RwLock};
use uuid::Uuid;

use self::index::Index;
use self::scan::Probe;
use super::prepare::{check_spec, distinct, unit_vector};
use super::{
    Access, CollectionSpec, StoredPoint, VectorError, VectorHit, VectorPoint, VectorStore,
};

/// Searches scanning more points than this (about 0.15 ms of work at 384 dimensions) run
/// on the blocking pool so they do not stall other requests.
const INLINE_SCAN_LIMIT: usize = 2_048;

/// Changes decoded ahead of applying them while catching up (about 1.6 MB at 384
/// dimensions): catching up on 100,000 writes at once held them all, doubling the index's
/// memory for a moment and leaving the process that much larger.
const CATCH_UP_BATCH: usize = 1_024;

/// The embedded vector store. Cheap to clone; clones share the indexes.
#[derive(Debug, Clone)]
pub struct EmbeddedStore {
    pool: PgPool,
    slots: Arc<Mutex<HashMap<String, Arc<Slot>>>>,
}

/// One collection's index (absent until loaded) and the gate that lets one task at a time
/// bring it up to date.
#[derive(Debug, Default)]
struct Slot {
    index: Arc<RwLock<Option<Index>>>,
    /// Held while the index is caught up or reloaded; holds when the last refresh that
    /// finished began.
    refreshing: tokio::sync::Mutex<Option<Instant>>,
}

impl EmbeddedStore {
    /// A store over the tables of `migrations/knowledge/0002_vectors.sql` in `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            slots: Arc::default(),
        }
    }

    fn slot(&self, name: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.entry(name.to_owned()).or_default().clone()
    }

    fn forget(&self, name: &str) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.remove(name);
    }

    /// The collection's index, current as of this call. Refreshes take turns: a caller that
    /// waited for another's refresh, begun after this call, uses its result instead of
    /// querying again (so a burst of searches after a long pause reads the backlog once).
    async fn current(
        &self,
        name: &str,
    ) -> Result<OwnedRwLockReadGuard<Option<Index>, Index>, VectorError> {
        let called = Instant::now();
        let slot = self.slot(name);
        {
            let mut last = slot.refreshing.lock().await;
            if last.is_none_or(|began| began <= called) {
                let began = Instant::now();
                self.refresh(name, &slot).await?;
                *last = Some(began);
            }
        }
        OwnedRwLockReadGuard::try_map(slot.index.clone().read_owned().await, Option::as_ref)
            .map_err(|_| VectorError::MissingCollection(name.to_owned()))
    }

    /// Catches the slot's index up, or (re)loads it when absent or recreated elsewhere.
    async fn refresh(&self, name: &str, slot: &Slot) -> Result<(), VectorError> {
        let seen = slot
            .index
            .read()
            .await
            .as_ref()
            .map(|index| (index.generation(), index.last_seq()));
        if let Some(since) = seen
            && self.catch_up(name, slot, since).await?
        {
            return Ok(());
        }
        let fresh = self.load(name).await?;
        *slot.index.write().await = Some(fresh);
        Ok(())
    }

    /// Applies the changes after `since` to the loaded index, a batch at a time, so a long
    /// catch-up never holds more than [`CATCH_UP_BATCH`] decoded changes (nor the write lock
    /// for longer than one batch). Returns false when the collection was recreated and the
    /// index must be reloaded.
    async fn catch_up(
        &self,
        name: &str,
        slot: &Slot,
        since: (i64, i64),
    ) -> Result<bool, VectorError> {
        let mut changes = std::pin::pin!(sql::changes(&self.pool, name, Some(since)));
        let mut batch = Vec::new();
        let mut current = None;
        while let Some((header, change)) = changes.try_next().await? {
            current = Some(header);
            if header.generation != since.0 {
                return Ok(false);
            }
            batch.extend(change);
            if batch.len() >= CATCH_UP_BATCH {
                apply(slot, header.generation, &mut batch).await;
            }
        }
        let Some(header) = current else {
            self.forget(name);
            return Err(VectorError::MissingCollection(name.to_owned()));
        };
        apply(slot, header.generation, &mut batch).await;
        Ok(true)
    }

    async fn load(&self, name: &str) -> Result<Index, VectorError> {
        let mut changes = std::pin::pin!(sql::changes(&self.pool, name, None));
        let mut loaded: Option<Index> = None;
        while let Some((header, change)) = changes.try_next().await? {
            let index = loaded.get_or_insert_with(|| Index::new(header.generation, header.dims));
            if let Some(change) = change {
                index.apply(change);
            }
        }
        let Some(index) = loaded else {
            self.forget(name);
            return Err(VectorError::MissingCollection(name.to_owned()));
        };
        tracing::debug!(
            collection = name,
            generation = index.generation(),
            "vector index loaded"
        );
        Ok(index)
    }
}

/// Ranks the points of a current index that `access` may see against `vector`; a large scan
/// runs on the blocking pool.
async fn scan(
    index: OwnedRwLockReadGuard<Option<Index>, Index>,
    vector: &[f32],
    access: Access<'_>,
    limit: usize,
) -> Result<Vec<(Uuid, f32)>, VectorError> {
    let probe = Probe::new(unit_vector(vector, index.dims(), "the query vector")?);
    if index.visible_len(access) <= INLINE_SCAN_LIMIT {
        return Ok(index.search(&probe, access, limit));
    }
    let viewer = access.cloned();
    tokio::task::spawn_blocking(move || index.search(&probe, viewer.as_ref(), limit))
        .await
        .map_err(|error| VectorError::Unavailable(format!("vector search task failed: {error}")))
}

/// Applies (and drains) `batch` to the slot's index if it still holds `generation`.
async fn apply(slot: &Slot, generation: i64, batch: &mut Vec<index::Change>) {
    if batch.is_empty() {
        return;
    }
    let mut guard = slot.index.write().await;
    match guard
        .as_mut()
        .filter(|index| index.generation() == generation)
    {
        Some(index) => batch.drain(..).for_each(|change| index.apply(change)),
        None => batch.clear(),
    }
}

impl VectorStore for EmbeddedStore {
    async fn ensure_collection(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        check_spec(spec)?;
        let recorded = sql::ensure(&self.pool, spec).await?;
        if recorded.model != spec.model || recorded.dims != spec.dims {
            return Err(VectorError::ModelMismatch {
                collection: spec.name.clone(),
                recorded_model: recorded.model,
                recorded_dims: recorded.dims,
                model: spec.model.clone(),
                dims: spec.dims,
            });
        }
        Ok(())
    }

    async fn recreate_collection(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        check_spec(spec)?;
        sql::recreate(&self.pool, spec).await?;
        self.forget(&spec.name);
        Ok(())
    }

    async fn collection(&self, name: &str) -> Result<Option<CollectionSpec>, VectorError> {
        sql::collection(&self.pool, name).await
    }

    async fn upsert(&self, collection: &str, points: Vec<VectorPoint>) -> Result<(), VectorError> {
        sql::upsert(&self.pool, collection, points).await
    }

    async fn delete(&self, collection: &str, ids: &[Uuid]) -> Result<(), VectorError> {
        sql::delete(&self.pool, collection, &distinct(ids)).await
    }

    async fn search(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<VectorHit>, VectorError> {
        let ranked = self.nearest(collection, vector, access, limit).await?;
        if ranked.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = ranked.iter().map(|(id, _)| *id).collect();
        let mut points: HashMap<Uuid, StoredPoint> = sql::get(&self.pool, collection, &ids)
            .await?
            .into_iter()
            .map(|point| (point.id, point))
            .collect();
        // The rows are authoritative: a point changed since the index refresh may have become
        // invisible to this caller or been deleted.
        Ok(ranked
            .into_iter()
            .filter_map(|(id, score)| {
                let point = points.remove(&id)?;
                let visible =
                    access.is_none_or(|viewer| viewer.can_see(&point.user_id, point.visibility));
                visible.then_some(VectorHit { point, score })
            })
            .collect())
    }

    async fn nearest(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<(Uuid, f32)>, VectorError> {
        let index = self.current(collection).await?;
        scan(index, vector, access, limit).await
    }

    async fn nearest_to_pending<Q>(
        &self,
        collection: &str,
        query: Q,
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<(Uuid, f32)>, VectorError>
    where
        Q: Future<Output = Option<Vec<f32>>> + Send,
    {
        let (index, vector) = tokio::join!(self.current(collection), query);
        match vector {
            Some(vector) => scan(index?, &vector, access, limit).await,
            None => Ok(Vec::new()),
        }
    }

    async fn get(&self, collection: &str, ids: &[Uuid]) -> Result<Vec<StoredPoint>, VectorError> {
        sql::get(&self.pool, collection, &distinct(ids)).await
    }

    async fn scroll(
        &self,
        collection: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<StoredPoint>, VectorError> {
        sql::scroll(&self.pool, collection, after, limit).await
    }

    async fn ping(&self) -> Result<(), VectorError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|error| VectorError::Unavailable(format!("postgres: {error}")))
    }
}
