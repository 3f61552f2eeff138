//! The end user a call is made for. Services name the user in `x-user-id` metadata; the
//! original's clients name it only in the request body's `user_id`, which keeps working when no
//! metadata is sent. When both are sent they must agree.

use tonic::metadata::MetadataMap;

/// Metadata key of the end user.
pub const USER_HEADER: &str = "x-user-id";

/// The metadata and the body named different users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{field} `{body}` disagrees with the user `{header}` this call is made for ({USER_HEADER})"
)]
pub struct UserConflict {
    /// The body field.
    pub field: &'static str,
    /// What the body said.
    pub body: String,
    /// What the metadata said.
    pub header: String,
}

/// The user named by `x-user-id`, or else by the body's `field` (`body_user`); `None` when
/// neither names one. Blank values count as absent.
pub fn end_user(
    metadata: &MetadataMap,
    field: &'static str,
    body_user: &str,
) -> Result<Option<String>, UserConflict> {
    let header = metadata
        .get(USER_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty());
    let body = Some(body_user.trim()).filter(|value| !value.is_empty());
    match (header, body) {
        (Some(header), Some(body)) if header != body => Err(UserConflict {
            field,
            body: body.to_owned(),
            header: header.to_owned(),
        }),
        (Some(user), _) | (None, Some(user)) => Ok(Some(user.to_owned())),
        (None, None) => Ok(None),
    }
}

/// Names `user` in `request`'s `x-user-id` (a user id that cannot travel as metadata is left
/// out, and the server then asks for one).
pub fn with_user<T>(request: &mut tonic::Request<T>, user: &str) {
    if let Ok(value) = user.parse() {
        request.metadata_mut().insert(USER_HEADER, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(user: Option<&str>) -> MetadataMap {
        let mut map = MetadataMap::new();
        if let Some(user) = user {
            map.insert(USER_HEADER, user.parse().unwrap());
        }
        map
    }

    #[test]
    fn metadata_and_body_must_agree() {
        let conflict = end_user(&metadata(Some("alice")), "user_id", "bob").unwrap_err();
        assert!(
            conflict
                .to_string()
                .contains("`bob` disagrees with the user `alice`")
        );
        assert_eq!(
            end_user(&metadata(Some("alice")), "user_id", " alice ").unwrap(),
            Some("alice".to_owned())
        );
    }

    #[test]
    fn either_side_alone_names_the_user() {
        assert_eq!(
            end_user(&metadata(None), "user_id", "bob").unwrap(),
            Some("bob".to_owned())
        );
        assert_eq!(
            end_user(&metadata(Some("alice")), "user_id", "").unwrap(),
            Some("alice".to_owned())
        );
        assert_eq!(end_user(&metadata(Some(" ")), "user_id", "").unwrap(), None);
    }
}
