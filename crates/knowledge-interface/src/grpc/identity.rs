//! The user a request is served for. The caller already proved which service it is (the
//! credential check in front of the server, [`exobrain_common::auth`]); the user travels in
//! `x-user-id` metadata (assistant-backend and the worker set it), and a request's own
//! `user_id`, where it has one, must agree with it and stands in for the original's clients,
//! which send only that.

use exobrain_common::auth::{USER_HEADER, end_user};
use tonic::metadata::MetadataMap;

use super::error::KnowledgeError;
use crate::access::{SYSTEM_USER, Viewer};

/// The user a request is for, from `x-user-id` and/or the request's `user_id`.
pub fn caller(
    metadata: &MetadataMap,
    body_user_id: Option<&str>,
) -> Result<Viewer, KnowledgeError> {
    let user = end_user(metadata, "user_id", body_user_id.unwrap_or_default())
        .map_err(|conflict| KnowledgeError::Invalid(conflict.to_string()))?;
    user.and_then(Viewer::new).ok_or_else(|| {
        KnowledgeError::Invalid(format!(
            "user_id is required (send {USER_HEADER} metadata or the request's user_id)"
        ))
    })
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
