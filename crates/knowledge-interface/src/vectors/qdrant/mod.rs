//! The Qdrant vector store adapter (gRPC, `qdrant-client`), for deployments that outgrow the
//! embedded store.
//!
//! Each collection is `{prefix}{name}` with one unnamed dense Cosine vector and keyword payload
//! indexes on `user_id` (the tenant key) and `visibility`. Its spec (model and dimension) is
//! recorded in a reserved point (see [`spec`]) that every search, scroll and get leaves out.
//! Collections are checked once, by `ensure_collection`, not before every call; a call on a
//! missing collection fails with MissingCollection. Payloads are stored as the caller's flat
//! object plus `user_id` and `visibility`, which the visibility filter
//! `should(user_id == U, visibility == SHARED)` reads.

mod convert;
mod spec;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use qdrant_client::Qdrant;
use qdrant_client::qdrant::{
    DeleteCollectionBuilder, DeletePointsBuilder, GetPointsBuilder, PointId, PointStruct,
    PointsIdsList, QueryPointsBuilder, ScoredPoint, ScrollPointsBuilder, UpsertPointsBuilder,
};
use uuid::Uuid;

use self::convert::{SPEC_POINT, error, grpc_url, stored, uuid, visible_to};
use self::spec::{Recorded, UNRECORDED};
use super::prepare::{check_spec, distinct, in_request_order, prepare_batch, unit_vector};
use super::{
    Access, CollectionSpec, StoredPoint, VectorError, VectorHit, VectorPoint, VectorStore,
};

/// The Qdrant adapter. Cheap to clone.
#[derive(Clone)]
pub struct QdrantStore {
    client: Qdrant,
    url: String,
    prefix: String,
    /// Specs seen by this process, so writes and searches can check vector lengths without
    /// a round trip (the server checks them again).
    specs: Arc<Mutex<HashMap<String, CollectionSpec>>>,
}

impl std::fmt::Debug for QdrantStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QdrantStore")
            .field("url", &self.url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl QdrantStore {
    /// A client for `addr` (`QDRANT_ADDR`; see [`convert::grpc_url`] for the rewriting),
    /// sending `api_key` when set, with every collection name prefixed by `prefix`. Connects
    /// lazily: only a malformed address fails here; use [`VectorStore::ping`] to check the
    /// server.
    pub fn new(addr: &str, api_key: Option<String>, prefix: &str) -> Result<Self, VectorError> {
        let url = grpc_url(addr);
        let client = Qdrant::from_url(&url)
            .api_key(api_key)
            .skip_compatibility_check()
            .build()
            .map_err(|error| {
                VectorError::Invalid(format!("QDRANT_ADDR {url} is not usable: {error}"))
            })?;
        Ok(Self {
            client,
            url,
            prefix: prefix.to_owned(),
            specs: Arc::default(),
        })
    }

    /// The gRPC URL in use (after rewriting `QDRANT_ADDR`).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn physical(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn remember(&self, spec: &CollectionSpec) {
        let mut specs = self.specs.lock().unwrap_or_else(PoisonError::into_inner);
        specs.insert(spec.name.clone(), spec.clone());
    }

    /// The points of a collection nearest to `vector` that `access` may see.
    async fn query(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
        with_payload: bool,
    ) -> Result<Vec<ScoredPoint>, VectorError> {
        let dims = self
            .dims_fitting(collection, |dims| dims == vector.len())
            .await?;
        let query = unit_vector(vector, dims, "the query vector")?;
        if limit == 0 {
            return Ok(Vec::new());
        }
        let request = QueryPointsBuilder::new(self.physical(collection))
            .query(query)
            .filter(visible_to(access))
            .limit(limit as u64)
            .with_payload(with_payload);
        let reply = self
            .client
            .query(request)
            .await
            .map_err(|e| error(collection, e))?;
        Ok(reply.result)
    }
}

/// Ids without repeats and without the spec point.
fn data_ids(ids: &[Uuid]) -> Vec<PointId> {
    distinct(ids)
        .into_iter()
        .filter(|id| *id != SPEC_POINT)
        .map(PointId::from)
        .collect()
}

impl VectorStore for QdrantStore {
    async fn ensure_collection(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        check_spec(spec)?;
        self.ensure(spec).await
    }

    async fn recreate_collection(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        check_spec(spec)?;
        self.client
            .delete_collection(DeleteCollectionBuilder::new(self.physical(&spec.name)))
            .await
            .map_err(|e| error(&spec.name, e))?;
        self.create(spec).await
    }

    async fn collection(&self, name: &str) -> Result<Option<CollectionSpec>, VectorError> {
        match self.recorded(name).await? {
            Recorded::NoCollection => Ok(None),
            Recorded::Spec(spec) => Ok(Some(spec)),
            Recorded::Unrecorded => Ok(Some(CollectionSpec {
                name: name.to_owned(),
                model: UNRECORDED.to_owned(),
                dims: self.physical_dims(name).await?,
            })),
        }
    }

    async fn upsert(&self, collection: &str, points: Vec<VectorPoint>) -> Result<(), VectorError> {
        let fits = |dims| points.iter().all(|point| point.vector.len() == dims);
        let dims = self.dims_fitting(collection, fits).await?;
        if let Some(point) = points.iter().find(|point| point.id == SPEC_POINT) {
            return Err(VectorError::Invalid(format!(
                "point id {} is reserved",
                point.id
            )));
        }
        let points = prepare_batch(collection, points, dims)?;
        if points.is_empty() {
            return Ok(());
        }
        let structs: Vec<PointStruct> = points
            .iter()
            .map(|point| PointStruct::new(point.id, point.vector.clone(), convert::payload(point)))
            .collect();
        self.client
            .upsert_points(UpsertPointsBuilder::new(self.physical(collection), structs).wait(true))
            .await
            .map_err(|e| error(collection, e))?;
        Ok(())
    }

    async fn delete(&self, collection: &str, ids: &[Uuid]) -> Result<(), VectorError> {
        let request = DeletePointsBuilder::new(self.physical(collection))
            .points(PointsIdsList { ids: data_ids(ids) })
            .wait(true);
        self.client
            .delete_points(request)
            .await
            .map_err(|e| error(collection, e))?;
        Ok(())
    }

    async fn search(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<VectorHit>, VectorError> {
        let found = self.query(collection, vector, access, limit, true).await?;
        let mut hits = found
            .into_iter()
            .map(|scored| {
                Ok(VectorHit {
                    point: stored(scored.id, scored.payload)?,
                    score: scored.score,
                })
            })
            .collect::<Result<Vec<_>, VectorError>>()?;
        // Ties by id among the returned hits; ties across the limit are the server's choice.
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.point.id.cmp(&b.point.id))
        });
        Ok(hits)
    }

    async fn nearest(
        &self,
        collection: &str,
        vector: &[f32],
        access: Access<'_>,
        limit: usize,
    ) -> Result<Vec<(Uuid, f32)>, VectorError> {
        let found = self.query(collection, vector, access, limit, false).await?;
        let mut hits = found
            .into_iter()
            .map(|scored| Ok((uuid(scored.id)?, scored.score)))
            .collect::<Result<Vec<_>, VectorError>>()?;
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(hits)
    }

    async fn get(&self, collection: &str, ids: &[Uuid]) -> Result<Vec<StoredPoint>, VectorError> {
        let wanted = data_ids(ids);
        let request = GetPointsBuilder::new(self.physical(collection), wanted).with_payload(true);
        let reply = self
            .client
            .get_points(request)
            .await
            .map_err(|e| error(collection, e))?;
        let mut points = reply
            .result
            .into_iter()
            .map(|point| stored(point.id, point.payload))
            .collect::<Result<Vec<_>, VectorError>>()?;
        in_request_order(&mut points, ids);
        Ok(points)
    }

    async fn scroll(
        &self,
        collection: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<StoredPoint>, VectorError> {
        // Qdrant's offset is inclusive; ask for one more and drop `after` itself.
        let page = u32::try_from(limit.saturating_add(1)).unwrap_or(u32::MAX);
        let mut request = ScrollPointsBuilder::new(self.physical(collection))
            .filter(visible_to(None))
            .limit(page)
            .with_payload(true);
        if let Some(after) = after {
            request = request.offset(after);
        }
        let reply = self
            .client
            .scroll(request)
            .await
            .map_err(|e| error(collection, e))?;
        let mut points = Vec::with_capacity(limit);
        for point in reply.result {
            let id = uuid(point.id.clone())?;
            if Some(id) != after && points.len() < limit {
                points.push(stored(point.id, point.payload)?);
            }
        }
        Ok(points)
    }

    async fn ping(&self) -> Result<(), VectorError> {
        self.client
            .health_check()
            .await
            .map(drop)
            .map_err(|e| VectorError::Unavailable(format!("qdrant at {}: {e}", self.url)))
    }
}
