//! How the Qdrant adapter records what a collection was built for: a reserved point
//! ([`SPEC_POINT`]) whose payload holds the model and dimension, written right after the
//! collection and its payload indexes are created. Collection metadata would be tidier but
//! Qdrant has it only from 1.16, and the workstation profile runs 1.13.

use std::sync::PoisonError;
use std::time::Duration;

use qdrant_client::Payload;
use qdrant_client::qdrant::{
    CreateCollectionBuilder, CreateFieldIndexCollectionBuilder, Distance, FieldType,
    GetPointsBuilder, KeywordIndexParamsBuilder, PointId, PointStruct, UpsertPointsBuilder,
    VectorParamsBuilder, vectors_config,
};
use serde_json::{Map, Value};

use super::QdrantStore;
use super::convert::{SPEC_DIMS, SPEC_MODEL, SPEC_POINT, error};
use crate::vectors::{CollectionSpec, VectorError};

/// How often `ensure` looks for the spec point of a collection another process is still
/// creating before calling it unrecorded.
const SPEC_ATTEMPTS: u32 = 5;
const SPEC_RETRY: Duration = Duration::from_millis(200);

/// The model name reported for a collection without a spec point.
pub(super) const UNRECORDED: &str = "an unrecorded model";

/// What the spec point of a collection says.
pub(super) enum Recorded {
    /// No such collection.
    NoCollection,
    /// The recorded spec.
    Spec(CollectionSpec),
    /// A collection without (a readable) spec point.
    Unrecorded,
}

impl QdrantStore {
    /// Finds the spec point of `spec.name` or creates the collection; see
    /// [`VectorStore::ensure_collection`].
    pub(super) async fn ensure(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        let mut last_error = None;
        for attempt in 1..=SPEC_ATTEMPTS {
            match self.recorded(&spec.name).await? {
                Recorded::Spec(recorded) if recorded == *spec => {
                    self.remember(spec);
                    return Ok(());
                }
                Recorded::Spec(recorded) => return Err(mismatch(recorded, spec)),
                // Another process may create it first; then the next attempt finds its spec.
                Recorded::NoCollection => match self.create(spec).await {
                    Ok(()) => return Ok(()),
                    Err(error) => last_error = Some(error),
                },
                // Possibly being created by another process right now.
                Recorded::Unrecorded if attempt < SPEC_ATTEMPTS => {}
                Recorded::Unrecorded => {
                    let recorded = CollectionSpec {
                        name: spec.name.clone(),
                        model: UNRECORDED.to_owned(),
                        dims: self.physical_dims(&spec.name).await?,
                    };
                    return Err(mismatch(recorded, spec));
                }
            }
            tokio::time::sleep(SPEC_RETRY).await;
        }
        Err(last_error.unwrap_or_else(|| {
            VectorError::Unavailable(format!(
                "qdrant collection {} could not be created",
                spec.name
            ))
        }))
    }

    /// The dimension of a collection, read again once when `fits` refuses the remembered one
    /// (another process may have recreated the collection for another model).
    pub(super) async fn dims_fitting(
        &self,
        name: &str,
        fits: impl Fn(usize) -> bool,
    ) -> Result<usize, VectorError> {
        let dims = self.dims(name).await?;
        if fits(dims) {
            return Ok(dims);
        }
        self.specs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
        self.dims(name).await
    }

    /// The dimension of a collection, from memory or its spec point.
    async fn dims(&self, name: &str) -> Result<usize, VectorError> {
        let known = {
            let specs = self.specs.lock().unwrap_or_else(PoisonError::into_inner);
            specs.get(name).map(|spec| spec.dims)
        };
        if let Some(dims) = known {
            return Ok(dims);
        }
        match self.recorded(name).await? {
            Recorded::Spec(spec) => {
                self.remember(&spec);
                Ok(spec.dims)
            }
            Recorded::NoCollection => Err(VectorError::MissingCollection(name.to_owned())),
            Recorded::Unrecorded => Err(VectorError::Invalid(format!(
                "qdrant collection {name} has no recorded model (not created by this service, or its creation was interrupted); reindex to rebuild it"
            ))),
        }
    }

    pub(super) async fn recorded(&self, name: &str) -> Result<Recorded, VectorError> {
        let request = GetPointsBuilder::new(self.physical(name), vec![PointId::from(SPEC_POINT)])
            .with_payload(true);
        let points = match self
            .client
            .get_points(request)
            .await
            .map_err(|e| error(name, e))
        {
            Ok(reply) => reply.result,
            Err(VectorError::MissingCollection(_)) => return Ok(Recorded::NoCollection),
            Err(other) => return Err(other),
        };
        let Some(point) = points.into_iter().next() else {
            return Ok(Recorded::Unrecorded);
        };
        let fields: Map<String, Value> = Payload::from(point.payload).into();
        let model = fields.get(SPEC_MODEL).and_then(Value::as_str);
        let dims = fields.get(SPEC_DIMS).and_then(Value::as_u64);
        Ok(match (model, dims) {
            (Some(model), Some(dims)) => Recorded::Spec(CollectionSpec {
                name: name.to_owned(),
                model: model.to_owned(),
                dims: dims as usize,
            }),
            _ => Recorded::Unrecorded,
        })
    }

    /// The vector size a collection was created with (for collections without a spec point).
    pub(super) async fn physical_dims(&self, name: &str) -> Result<usize, VectorError> {
        let info = self
            .client
            .collection_info(self.physical(name))
            .await
            .map_err(|e| error(name, e))?;
        let config = info
            .result
            .and_then(|info| info.config)
            .and_then(|config| config.params)
            .and_then(|params| params.vectors_config)
            .and_then(|vectors| vectors.config);
        match config {
            Some(vectors_config::Config::Params(params)) => Ok(params.size as usize),
            _ => Err(VectorError::Invalid(format!(
                "qdrant collection {name} has no single unnamed vector; reindex to rebuild it"
            ))),
        }
    }

    /// Creates the collection, its payload indexes and its spec point.
    pub(super) async fn create(&self, spec: &CollectionSpec) -> Result<(), VectorError> {
        let name = &spec.name;
        let physical = self.physical(name);
        self.client
            .create_collection(
                CreateCollectionBuilder::new(&physical)
                    .vectors_config(VectorParamsBuilder::new(spec.dims as u64, Distance::Cosine)),
            )
            .await
            .map_err(|e| error(name, e))?;
        for (field, tenant) in [("user_id", true), ("visibility", false)] {
            self.client
                .create_field_index(
                    CreateFieldIndexCollectionBuilder::new(&physical, field, FieldType::Keyword)
                        .field_index_params(KeywordIndexParamsBuilder::default().is_tenant(tenant))
                        .wait(true),
                )
                .await
                .map_err(|e| error(name, e))?;
        }
        let mut axis = vec![0.0; spec.dims];
        axis[0] = 1.0;
        let mut fields = Map::new();
        fields.insert(SPEC_MODEL.into(), Value::String(spec.model.clone()));
        fields.insert(SPEC_DIMS.into(), Value::from(spec.dims));
        let point = PointStruct::new(SPEC_POINT, axis, Payload::from(fields));
        self.client
            .upsert_points(UpsertPointsBuilder::new(&physical, vec![point]).wait(true))
            .await
            .map_err(|e| error(name, e))?;
        self.remember(spec);
        Ok(())
    }
}

fn mismatch(recorded: CollectionSpec, spec: &CollectionSpec) -> VectorError {
    VectorError::ModelMismatch {
        collection: spec.name.clone(),
        recorded_model: recorded.model,
        recorded_dims: recorded.dims,
        model: spec.model.clone(),
        dims: spec.dims,
    }
}
