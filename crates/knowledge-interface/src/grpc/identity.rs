//! Who is calling: the optional shared service token (`authorization: Bearer …`, checked on
//! every RPC when `EXOBRAIN_INTERNAL_TOKEN` is set) and the user a request is served for
//! (`x-user-id` metadata, set by assistant-backend and the worker; a request's own
//! `user_id`, where it has one, must agree with it and stands in for older clients).

use exobrain_common::config::{ExposeSecret, SecretString};
use tonic::metadata::MetadataMap;
use tonic::{Request, Status};

use super::error::KnowledgeError;
use crate::access::{SYSTEM_USER, Viewer};

/// Metadata key of the caller's user id.
pub const USER_HEADER: &str = "x-user-id";

/// A tonic interceptor requiring the service token when one is configured.
#[derive(Debug, Clone)]
pub struct TokenCheck {
    token: Option<SecretString>,
}

impl TokenCheck {
    /// Checks against `token` (none = open).
    pub fn new(token: Option<SecretString>) -> Self {
        Self { token }
    }
}

impl tonic::service::Interceptor for TokenCheck {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let Some(token) = &self.token else {
            return Ok(request);
        };
        let sent = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if constant_time_eq(sent.as_bytes(), token.expose_secret().as_bytes()) {
            Ok(request)
        } else {
            Err(Status::unauthenticated(
                "a valid service token is required: send `authorization: Bearer <EXOBRAIN_INTERNAL_TOKEN>`",
            ))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The user a request is for, from `x-user-id` and/or the request's `user_id`.
pub fn caller(
    metadata: &MetadataMap,
    body_user_id: Option<&str>,
) -> Result<Viewer, KnowledgeError> {
    let header = metadata
        .get(USER_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let body = body_user_id.map(str::trim).filter(|v| !v.is_empty());
    let user = match (header, body) {
        (Some(header), Some(body)) if header != body => {
            return Err(KnowledgeError::PermissionDenied(format!(
                "user_id `{body}` does not match the caller `{header}` ({USER_HEADER})"
            )));
        }
        (Some(user), _) | (None, Some(user)) => user,
        (None, None) => {
            return Err(KnowledgeError::Invalid(format!(
                "user_id is required (send {USER_HEADER} metadata or the request's user_id)"
            )));
        }
    };
    Ok(Viewer::new(user).expect("checked non-blank"))
}

/// The user a delta is written for: `x-user-id`, or else the one user all its records
/// name. The system user is reserved for the service's own data.
pub fn writer(metadata: &MetadataMap, record_users: &[&str]) -> Result<Viewer, KnowledgeError> {
    let mut named: Vec<&str> = record_users
        .iter()
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
        .collect();
    named.sort_unstable();
    named.dedup();
    let header = metadata.get(USER_HEADER).is_some();
    let viewer = match (header, named.as_slice()) {
        (true, _) => caller(metadata, None)?,
        (false, [one]) => Viewer::new(*one).expect("non-blank"),
        (false, []) => {
            return Err(KnowledgeError::Invalid(format!(
                "the writing user is unknown: send {USER_HEADER} metadata"
            )));
        }
        (false, _) => {
            return Err(KnowledgeError::Invalid(format!(
                "a delta is written for one user, but it names {}; send {USER_HEADER} metadata",
                named.join(", ")
            )));
        }
    };
    if viewer.user_id() == SYSTEM_USER {
        return Err(KnowledgeError::PermissionDenied(format!(
            "`{SYSTEM_USER}` is reserved for the service's own data"
        )));
    }
    Ok(viewer)
}
