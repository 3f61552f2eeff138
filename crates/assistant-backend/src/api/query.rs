//! Query strings of API routes: axum's `Query`, except that a parameter that does not parse is
//! a 422 `{"detail": "<what to fix>"}` instead of axum's plain-text rejection.

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use http::Uri;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The query string of a request, as `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(&parts.uri).map(ApiQuery)
    }
}

/// Parses the query string of `uri` as `T` (for handlers that pick the shape at run time).
pub fn parse_query<T: DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(value)| value)
        .map_err(|rejection| ApiError::Validation(describe(&rejection)))
}

fn describe(rejection: &QueryRejection) -> String {
    let text = rejection.body_text();
    let detail = text
        .trim_start_matches("Failed to deserialize query string: ")
        .trim_start_matches("Failed to deserialize query string");
    format!("invalid query parameters: {detail}")
}

/// `Err(422)` unless `1 <= value <= max`; `name` is the parameter.
pub fn check_range(name: &str, value: i64, max: i64) -> Result<i64, ApiError> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::Validation(format!(
            "{name} must be between 1 and {max}, got {value}"
        )))
    }
}
