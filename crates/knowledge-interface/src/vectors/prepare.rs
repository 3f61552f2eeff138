//! Checks every adapter applies before a vector or spec reaches its store: collection specs,
//! vectors of the collection's length that are finite and not all zero (normalised to unit
//! length here), and payloads that leave the owner fields to the point itself; plus the id
//! handling both adapters share. Pure functions; no I/O.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{CollectionSpec, StoredPoint, VectorError, VectorPoint};

/// Payload keys an adapter owns (Qdrant stores the owner fields inside the payload).
pub(crate) const RESERVED_PAYLOAD_KEYS: [&str; 2] = ["user_id", "visibility"];

/// The longest vector a collection may be built for.
pub(crate) const MAX_DIMS: usize = 65_536;

/// Checks a spec before a collection is created for it.
pub(crate) fn check_spec(spec: &CollectionSpec) -> Result<(), VectorError> {
    if spec.name.trim().is_empty() {
        return Err(VectorError::Invalid("collection name is empty".into()));
    }
    if spec.model.trim().is_empty() {
        return Err(VectorError::Invalid(format!(
            "collection {}: the embedding model identity is empty",
            spec.name
        )));
    }
    if spec.dims == 0 || spec.dims > MAX_DIMS {
        return Err(VectorError::Invalid(format!(
            "collection {}: dimension {} is outside 1..={MAX_DIMS}",
            spec.name, spec.dims
        )));
    }
    Ok(())
}

/// `vector` scaled to unit length, or why it cannot be: a length other than `dims`, a value
/// that is not finite, or no direction at all. `what` names the vector in the message.
pub(crate) fn unit_vector(
    vector: &[f32],
    dims: usize,
    what: impl std::fmt::Display,
) -> Result<Vec<f32>, VectorError> {
    if vector.len() != dims {
        return Err(VectorError::Invalid(format!(
            "{what} has {} dimensions but the collection holds {dims}; embed with the collection's model",
            vector.len()
        )));
    }
    if let Some(position) = vector.iter().position(|value| !value.is_finite()) {
        return Err(VectorError::Invalid(format!(
            "{what} has a non-finite value at position {position}"
        )));
    }
    let norm = vector
        .iter()
        .map(|&value| f64::from(value) * f64::from(value))
        .sum::<f64>()
        .sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return Err(VectorError::Invalid(format!(
            "{what} has no direction (all zeros)"
        )));
    }
    Ok(vector
        .iter()
        .map(|&value| (f64::from(value) / norm) as f32)
        .collect())
}

/// Checks a whole batch against `dims` before anything is written, normalises its vectors and
/// keeps only the last point of each id (last write wins inside a batch too).
pub(crate) fn prepare_batch(
    collection: &str,
    points: Vec<VectorPoint>,
    dims: usize,
) -> Result<Vec<VectorPoint>, VectorError> {
    let mut seen = HashSet::with_capacity(points.len());
    let mut prepared = Vec::with_capacity(points.len());
    for mut point in points.into_iter().rev() {
        if !seen.insert(point.id) {
            continue;
        }
        check_owner(collection, &point)?;
        point.vector = unit_vector(
            &point.vector,
            dims,
            format_args!("point {} of collection {collection}", point.id),
        )?;
        prepared.push(point);
    }
    prepared.reverse();
    Ok(prepared)
}

fn check_owner(collection: &str, point: &VectorPoint) -> Result<(), VectorError> {
    if point.user_id.trim().is_empty() {
        return Err(VectorError::Invalid(format!(
            "point {} of collection {collection} has no user_id",
            point.id
        )));
    }
    if let Some(key) = RESERVED_PAYLOAD_KEYS
        .iter()
        .find(|key| point.payload.contains_key(**key))
    {
        return Err(VectorError::Invalid(format!(
            "point {} of collection {collection}: payload key `{key}` is reserved; set VectorPoint::{key} instead",
            point.id
        )));
    }
    Ok(())
}

/// Sorts points found by id into the order the ids were asked for.
pub(crate) fn in_request_order(points: &mut [StoredPoint], ids: &[Uuid]) {
    let order: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(at, id)| (*id, at)).collect();
    points.sort_by_key(|point| order.get(&point.id).copied());
}

/// Ids in request order without repeats.
pub(crate) fn distinct(ids: &[Uuid]) -> Vec<Uuid> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;
    use crate::access::Visibility;

    fn point(id: u128, vector: Vec<f32>) -> VectorPoint {
        VectorPoint {
            id: Uuid::from_u128(id),
            vector,
            user_id: "u".into(),
            visibility: Visibility::Private,
            payload: Map::new(),
        }
    }

    #[test]
    fn vectors_are_normalised_and_the_last_duplicate_wins() {
        let batch = vec![point(1, vec![3.0, 4.0]), point(1, vec![0.0, 2.0])];
        let prepared = prepare_batch("c", batch, 2).expect("valid");
        assert_eq!(prepared.len(), 1);
        assert_eq!(prepared[0].vector, vec![0.0, 1.0]);
    }

    #[test]
    fn wrong_length_zero_and_nan_vectors_are_refused_with_the_point_id() {
        for vector in [vec![1.0], vec![0.0, 0.0], vec![f32::NAN, 1.0], vec![]] {
            let error = prepare_batch("c", vec![point(7, vector)], 2).expect_err("refused");
            assert!(error.to_string().contains(&Uuid::from_u128(7).to_string()));
        }
    }

    #[test]
    fn owner_fields_inside_the_payload_are_refused() {
        let mut bad = point(1, vec![1.0, 0.0]);
        bad.payload.insert("visibility".into(), "SHARED".into());
        let error = prepare_batch("c", vec![bad], 2).expect_err("refused");
        assert!(error.to_string().contains("VectorPoint::visibility"));
    }
}
