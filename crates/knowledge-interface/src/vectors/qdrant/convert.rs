//! Translation between the port's types and Qdrant's: the server URL, point ids, payloads
//! (the caller's flat object plus the owner fields), visibility filters and client errors.
//! No I/O.

use std::collections::HashMap;

use qdrant_client::qdrant::point_id::PointIdOptions;
use qdrant_client::qdrant::{Condition, Filter, PointId, Value as QdrantValue};
use qdrant_client::{Payload, QdrantError};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::access::{Viewer, Visibility};
use crate::vectors::{StoredPoint, VectorError, VectorPoint};

/// Id of the point that records a collection's spec. `ffffffff-…` is neither a v4 nor a v5
/// UUID, so no block or type id can collide with it.
pub(super) const SPEC_POINT: Uuid = Uuid::max();
/// Payload keys of the spec point.
pub(super) const SPEC_MODEL: &str = "exobrain_spec_model";
pub(super) const SPEC_DIMS: &str = "exobrain_spec_dims";

const USER_ID: &str = "user_id";
const VISIBILITY: &str = "visibility";

/// The gRPC URL for `addr` as the original read `QDRANT_ADDR`: `http://` added when there is
/// no scheme, and the REST ports 6333 / 16333 replaced by the gRPC ports 6334 / 16334.
pub(super) fn grpc_url(addr: &str) -> String {
    let addr = addr.trim().trim_end_matches('/');
    let mut url = if addr.contains("://") {
        addr.to_owned()
    } else {
        format!("http://{addr}")
    };
    for (rest, grpc) in [(":16333", ":16334"), (":6333", ":6334")] {
        if let Some(base) = url.strip_suffix(rest) {
            url = format!("{base}{grpc}");
            break;
        }
    }
    url
}

/// Maps a client error: a missing collection, a request the server refused, or the server
/// being unreachable.
pub(super) fn error(collection: &str, error: QdrantError) -> VectorError {
    if let QdrantError::ResponseError { status } = &error {
        match status.code() {
            tonic::Code::NotFound => return VectorError::MissingCollection(collection.to_owned()),
            tonic::Code::InvalidArgument => {
                return VectorError::Invalid(format!(
                    "qdrant refused the request on {collection}: {}",
                    status.message()
                ));
            }
            _ => {}
        }
    }
    VectorError::Unavailable(format!("qdrant ({collection}): {error}"))
}

/// Points whose owner is `viewer` or that are SHARED, never the spec point; everything but
/// the spec point when `viewer` is `None`.
pub(super) fn visible_to(viewer: Option<&Viewer>) -> Filter {
    let should = match viewer {
        None => Vec::new(),
        Some(viewer) => vec![
            Condition::matches(USER_ID, viewer.user_id().to_owned()),
            Condition::matches(VISIBILITY, Visibility::Shared.as_str().to_owned()),
        ],
    };
    Filter {
        should,
        must_not: vec![Condition::has_id([PointId::from(SPEC_POINT)])],
        ..Filter::default()
    }
}

/// The stored payload of a point: its own fields plus the owner fields.
pub(super) fn payload(point: &VectorPoint) -> Payload {
    let mut fields = point.payload.clone();
    fields.insert(USER_ID.into(), Value::String(point.user_id.clone()));
    fields.insert(
        VISIBILITY.into(),
        Value::String(point.visibility.as_str().into()),
    );
    Payload::from(fields)
}

/// A point read back: the owner fields taken out of the payload.
pub(super) fn stored(
    id: Option<PointId>,
    payload: HashMap<String, QdrantValue>,
) -> Result<StoredPoint, VectorError> {
    let id = uuid(id)?;
    let mut fields: Map<String, Value> = Payload::from(payload).into();
    let user_id = match fields.remove(USER_ID) {
        Some(Value::String(user_id)) => user_id,
        _ => return Err(foreign(id, "no user_id")),
    };
    let visibility = match fields.remove(VISIBILITY) {
        Some(Value::String(text)) => {
            Visibility::parse(&text).ok_or_else(|| foreign(id, "an unknown visibility"))?
        }
        _ => return Err(foreign(id, "no visibility")),
    };
    Ok(StoredPoint {
        id,
        user_id,
        visibility,
        payload: fields,
    })
}

/// The UUID of a point id (this adapter writes no numeric ids).
pub(super) fn uuid(id: Option<PointId>) -> Result<Uuid, VectorError> {
    match id.and_then(|id| id.point_id_options) {
        Some(PointIdOptions::Uuid(text)) => text.parse().map_err(|_| {
            VectorError::Unavailable(format!("qdrant returned a malformed point id {text}"))
        }),
        other => Err(VectorError::Unavailable(format!(
            "qdrant returned a point id that is not a UUID: {other:?}"
        ))),
    }
}

fn foreign(id: Uuid, what: &str) -> VectorError {
    VectorError::Unavailable(format!(
        "qdrant point {id} has {what}; it was not written by this service (reindex to rebuild the collection)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_rewritten_to_the_grpc_port_with_a_scheme() {
        assert_eq!(grpc_url("localhost:6333"), "http://localhost:6334");
        assert_eq!(
            grpc_url("http://localhost:16333/"),
            "http://localhost:16334"
        );
        assert_eq!(grpc_url("https://q.example:6334"), "https://q.example:6334");
        assert_eq!(grpc_url("qdrant:16334"), "http://qdrant:16334");
    }

    #[test]
    fn payload_round_trips_with_the_owner_fields_split_off() {
        let mut fields = Map::new();
        fields.insert("text".into(), Value::String("hello".into()));
        fields.insert("block_level".into(), Value::from(2));
        let point = VectorPoint {
            id: Uuid::from_u128(5),
            vector: vec![1.0],
            user_id: "ann".into(),
            visibility: Visibility::Shared,
            payload: fields.clone(),
        };
        let stored = stored(Some(PointId::from(point.id)), payload(&point).into()).expect("stored");
        assert_eq!(stored.user_id, "ann");
        assert_eq!(stored.visibility, Visibility::Shared);
        assert_eq!(stored.payload, fields);
    }
}
